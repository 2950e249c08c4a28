/* until.h - the --until condition of `shmspy record` (issue 19): a data
 * breakpoint at sampling resolution. Pure C.
 *
 * Grammar (words separated by spaces):
 *   CONDITION := WHERE [len=N] [TYPE [be|le]] OP [VALUE]
 *   WHERE     := off=N | field=PATH
 *   TYPE      := u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 (core/value.h)
 *   OP        := == | != | < | > | changes
 * N is a number as core/num.h reads it (decimal, 0x hex, K/M/G). VALUE is
 * a number of TYPE (decimal, 0x hex, '-' for signed, strtod syntax for
 * floats), required by ==, != , < and >, absent after `changes`.
 * Examples: "off=0x40 u32 == 0", "off=64 len=8 changes",
 * "off=0x10 i16 < -3", "off=0x10 f64 > 1.5", "field=ring[2].seq == 7",
 * "field=state changes".
 *
 * With off=, a comparison needs TYPE; `changes` needs TYPE or len=N. With
 * field=, the caller resolves PATH in its typed layout (ops/typed.h) and
 * calls spy_until_resolve with the field's offset, length and type (a
 * TYPE written in the condition then overrides the layout's).
 *
 * Evaluation is on every sample (the first included: a condition already
 * true at the start holds at once): ==, !=, <, > compare the value in the
 * new sample (false when the range lies past its end; NaN compares
 * unequal); `changes` holds when the range's bytes differ between the two
 * successive samples (or the range is within one and not the other). */
#ifndef SPY_UNTIL_H
#define SPY_UNTIL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "value.h"

typedef enum spy_until_op {
    SPY_UNTIL_EQ,
    SPY_UNTIL_NE,
    SPY_UNTIL_LT,
    SPY_UNTIL_GT,
    SPY_UNTIL_CHANGES
} spy_until_op;

typedef struct spy_until {
    char text[256];  /* the condition as given (raw: escape to print) */
    char field[256]; /* field=PATH: the path, else "" */
    int resolved;    /* 1 once off/len/type are known (off= at parse) */
    uint64_t off;    /* first byte */
    uint64_t len;    /* bytes looked at (the type's width, or len=) */
    int has_type;    /* a numeric type is known */
    spy_type type;
    int big_endian;
    spy_until_op op;
    char value[64]; /* the VALUE as written ("" for changes) */
    uint8_t raw[8]; /* VALUE encoded in type (once resolved) */
} spy_until;

/* Parses s into *out. Errors: SPY_EINVAL (or SPY_ERANGE for a value out
 * of its type's range) with one line naming the condition and the reason:
 * "--until: unknown operator '=>' (use ==, !=, <, >, changes)". */
int spy_until_parse(const char *s, spy_until *out, spy_err *err);

/* For field=PATH: the field's place and type, found by the caller in its
 * layout. `t` may be NULL for a field that is not a number (then only
 * `changes` is allowed), or is ignored when the condition names a TYPE
 * itself (its width must then fit in len). Errors as spy_until_parse. */
int spy_until_resolve(spy_until *u, uint64_t off, uint64_t len,
                      const spy_type *t, spy_err *err);

/* 1 if the condition holds at the sample `now` (now_size bytes) that
 * follows `old` (old_size bytes; NULL for the first sample), else 0. A
 * condition not resolved never holds. */
int spy_until_eval(const spy_until *u, const uint8_t *old, uint64_t old_size,
                   const uint8_t *now, uint64_t now_size);

/* The name of an operator ("==", ..., "changes"). */
const char *spy_until_op_name(spy_until_op op);

#endif
