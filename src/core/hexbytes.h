/* hexbytes.h - hex byte patterns typed by users: "de ad be ef",
 * "deadbeef", "de:ad", "0xde 0xad". */
#ifndef SPY_HEXBYTES_H
#define SPY_HEXBYTES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Parses s into a newly malloc'd buffer *out of *len bytes; the caller
 * frees it. Whitespace, ':' and '-' separate groups; a group may carry a
 * 0x prefix; each group must have an even number of hex digits.
 * Errors: SPY_EINVAL (message says which character), SPY_ENOMEM. An empty
 * pattern is SPY_EINVAL. */
int spy_hexbytes_parse(const char *s, uint8_t **out, size_t *len, spy_err *err);

/* Value of one hex digit (0-9, a-f, A-F), or -1 for any other char. */
int spy_hex_digit(char c);

/* Writes the n bytes at src as lower-case hex digits, two per byte and
 * nothing between them, into buf, NUL-terminated. Writes only whole bytes
 * that fit (cap must hold 2 * n + 1 for all of them). Returns the number
 * of bytes encoded. */
size_t spy_hex_encode(const void *src, size_t n, char *buf, size_t cap);

#endif
