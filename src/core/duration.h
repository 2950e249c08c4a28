/* duration.h - durations and moments on the command line (issue 19:
 * record --for/--ring, diff FILE@TIME, replay's jump prompt).
 *
 * Syntax: a decimal number (with an optional fraction) followed by one
 * unit, ns, us, ms, s, m or h; a bare number is seconds. "1.5s", "250ms",
 * "2m", "10". No sign, no spaces, at most 9 fraction digits. */
#ifndef SPY_DURATION_H
#define SPY_DURATION_H

#include <stdint.h>

#include "err.h"

/* Parses s into *ns. `what` names the argument in the error message
 * ("--for"). Errors: SPY_EINVAL malformed or unknown unit ("--for: bad
 * duration '1x' (use e.g. 1.5s, 250ms, 2m)"), SPY_ERANGE past 2^63 ns. */
int spy_parse_duration(const char *what, const char *s, uint64_t *ns,
                       spy_err *err);

/* Formats ns as seconds with millisecond precision ("12.345s") into buf
 * (at least 32 bytes). Returns buf. */
char *spy_format_seconds(uint64_t ns, char *buf, unsigned cap);

#endif
