/* utf8.h - strict UTF-8 decoding shared by the escaper and the JSON
 * writer. Pure C11. */
#ifndef SPY_UTF8_H
#define SPY_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (n > 0 bytes available) with its
 * code point in *cp, or 0 if it is not valid: overlong forms, surrogates
 * and code points past U+10FFFF are not. When invalid and bad is non-NULL,
 * *bad is the length of the maximal subpart (Unicode's recommended unit
 * for one U+FFFD, as Python does). */
size_t spy_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp,
                       size_t *bad);

#endif
