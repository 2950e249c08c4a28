/* num.h - numbers on the command line.
 *
 * Syntax: decimal or 0x-hex digits, optionally followed by one suffix
 * K, M or G (KiB, MiB, GiB; case-insensitive). No sign, no spaces. */
#ifndef SPY_NUM_H
#define SPY_NUM_H

#include <stdint.h>

#include "err.h"

/* Parses s into *out. `what` names the argument in the error message
 * ("-s", "SIZE"). Errors: SPY_EINVAL malformed, SPY_ERANGE overflow. */
int spy_parse_u64(const char *what, const char *s, uint64_t *out, spy_err *err);

/* Parses an octal permission mode ("0600", "644") of at most 07777. */
int spy_parse_mode(const char *what, const char *s, uint32_t *out,
                   spy_err *err);

#endif
