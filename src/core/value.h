/* value.h - typed values: "--as TYPE" for read and write, and the data
 * inspector. TYPE is i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 str hex:N. */
#ifndef SPY_VALUE_H
#define SPY_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum spy_vkind {
    SPY_V_INT,   /* signed integer of width 1, 2, 4, 8 */
    SPY_V_UINT,  /* unsigned integer of width 1, 2, 4, 8 */
    SPY_V_FLOAT, /* IEEE 754 of width 4 or 8 */
    SPY_V_STR,   /* C string: bytes up to the first NUL */
    SPY_V_HEX    /* N raw bytes shown as hex */
} spy_vkind;

typedef struct spy_type {
    spy_vkind kind;
    size_t width; /* bytes; 0 for SPY_V_STR (variable) */
} spy_type;

/* Parses a TYPE name. Errors: SPY_EINVAL naming the text and the valid
 * types; hex:N with N of 0 or over 1 MiB is SPY_ERANGE. */
int spy_type_parse(const char *s, spy_type *out, spy_err *err);

/* The i-th TYPE name spy_type_parse accepts, NULL past the last: "i8" ...
 * "str", then "hex:" (which a byte count N follows). For completion. */
const char *spy_type_name(size_t i);

/* Encodes the text value for type t into buf (at least 8 bytes for numbers,
 * ignored width for str/hex which are not encodable here: SPY_EINVAL).
 * Integers accept decimal (with '-' for signed), 0x hex; range-checked
 * (SPY_ERANGE "300: out of range for u8"). Floats accept strtod syntax.
 * big_endian selects byte order. *len receives the width. */
int spy_value_encode(const spy_type *t, const char *text, int big_endian,
                     uint8_t *buf, size_t cap, size_t *len, spy_err *err);

/* Decodes len bytes (len >= t->width; for str, up to len) at p into
 * human text in out (NUL-terminated, truncated to cap). Strings are
 * printed quoted with non-printable bytes escaped (\n, \t, \xNN); hex as
 * "de ad be ef". Returns the number of bytes consumed. */
size_t spy_value_decode(const spy_type *t, const uint8_t *p, size_t len,
                        int big_endian, char *out, size_t cap);

#endif
