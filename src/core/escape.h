/* escape.h - making untrusted text safe for a terminal.
 *
 * Object names come from directories anyone can write to: they may hold
 * newlines, escape sequences or invalid UTF-8. Everything printed to a
 * terminal goes through here. */
#ifndef SPY_ESCAPE_H
#define SPY_ESCAPE_H

#include <stddef.h>

/* Copies s into out (cap bytes, always NUL-terminated, truncated if
 * needed), keeping printable ASCII and valid UTF-8 sequences of printable
 * characters, and writing \n \t \r \\ and \xNN for control characters,
 * DEL and bytes that are not valid UTF-8. Returns the length needed for
 * the full escaped text (excluding the NUL), like snprintf. */
size_t spy_escape(const char *s, char *out, size_t cap);

/* Bytes of user input quoted in an error message before "...". */
#define SPY_EXCERPT_BYTES 64
/* Size of the buffer spy_excerpt writes: every byte as \xNN, "...", NUL. */
#define SPY_EXCERPT_CAP (SPY_EXCERPT_BYTES * 4 + 4)

/* Copies at most n bytes of s (stopping at a NUL) into out (SPY_EXCERPT_CAP
 * bytes) for an error message: printable ASCII as is, any other byte as
 * \xNN, cut after SPY_EXCERPT_BYTES with "...", so a hostile or huge
 * argument can neither garble the terminal nor push the reason out of the
 * message. Pass (size_t)-1 for a whole string. */
void spy_excerpt(const char *s, size_t n, char *out);

/* Non-zero if s needs no escaping. */
int spy_escape_is_clean(const char *s);

#endif
