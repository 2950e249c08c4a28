/* layout.h - a typed layout: the C types of a shared struct, resolved.
 *
 * A layout is a flat table of types, members and enumerators that refer to
 * each other by index (no pointers), so it is built, copied, written to a
 * layout file and read back without a graph walk. Whoever resolved the
 * types (the compiler's DWARF through backends/layoutsrc.h, a layout file
 * through spy_layout_parse, or a hand-written one) decided every offset and
 * size: nothing here computes an ABI, it only records one.
 *
 * Typedefs are not types of their own: a typedef name becomes a type entry
 * that copies its target's kind, size and member range under the
 * typedef's name (so `pthread_mutex_t` is a union named "pthread_mutex_t"
 * whose members are those of glibc's anonymous union). Lock decoding
 * (locks.h) finds locks by these names.
 *
 * The layout file ("shmspy-layout 1") is documented in the man page,
 * LAYOUT FILES; spy_layout_format writes it and spy_layout_parse reads it.
 * Ownership: a spy_layout owns every string and table in it;
 * spy_layout_free releases them. Nothing here does I/O. */
#ifndef SPY_LAYOUT_H
#define SPY_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "json.h"

#define SPY_LAYOUT_NONE UINT32_MAX /* "no type": void, unknown target */
#define SPY_LAYOUT_MAX_TYPES 200000u
#define SPY_LAYOUT_MAX_MEMBERS 1000000u
#define SPY_LAYOUT_MAX_NAME 256         /* bytes of a type or field name */
#define SPY_LAYOUT_MAX_FILE (64u << 20) /* a layout file is refused past it */
#define SPY_LAYOUT_MAX_CHAIN 64         /* pointers/arrays nested in one type */
#define SPY_LAYOUT_MAX_LINE 4096        /* bytes of one layout file line */

typedef enum spy_lkind {
    SPY_L_INT,     /* signed integer, size 1, 2, 4 or 8 */
    SPY_L_UINT,    /* unsigned integer, size 1, 2, 4 or 8 */
    SPY_L_CHAR,    /* char / signed char / unsigned char: size 1; an array
                      of it is shown as a string */
    SPY_L_BOOL,    /* _Bool, size 1 (or any size: zero is false) */
    SPY_L_FLOAT,   /* IEEE 754, size 4 or 8 (other sizes shown as bytes) */
    SPY_L_ENUM,    /* integer with named values: enums[first..first+count) */
    SPY_L_POINTER, /* an address in the writer's process; elem: target */
    SPY_L_STRUCT,  /* members[first..first+count) */
    SPY_L_UNION,   /* members[first..first+count), all at offset 0 */
    SPY_L_ARRAY,   /* nelem elements of type elem; nelem 0: flexible */
    SPY_L_OPAQUE   /* bytes of no known meaning (shown as hex) */
} spy_lkind;

typedef struct spy_ltype {
    char *name; /* as C spells it: "int", "struct shared",
                   "pthread_mutex_t", "char[64]"; anonymous types
                   get "struct (anonymous N)" */
    spy_lkind kind;
    int is_signed;  /* SPY_L_ENUM and SPY_L_CHAR: signed underlying */
    uint64_t size;  /* bytes; for a flexible array 0 */
    uint32_t first; /* STRUCT/UNION: first member; ENUM: first enumerator */
    uint32_t count; /* STRUCT/UNION: members; ENUM: enumerators */
    uint32_t elem;  /* ARRAY: element type; POINTER: target or NONE */
    uint64_t nelem; /* ARRAY: number of elements (0: flexible) */
} spy_ltype;

typedef struct spy_lmember {
    char *name;         /* "" for an anonymous struct/union member */
    uint32_t type;      /* index into types */
    uint64_t offset;    /* bytes from the start of the parent */
    uint8_t bit_size;   /* 0: not a bitfield; else 1..64 */
    uint8_t bit_offset; /* bitfield: bits from offset, counted from the
                           least significant bit of the little-endian
                           load at offset (0..63); in a big-endian
                           layout from the most significant bit of the
                           byte at offset (DWARF's data_bit_offset) */
} spy_lmember;

typedef struct spy_lenum {
    char *name;
    int64_t value;
} spy_lenum;

typedef struct spy_layout {
    spy_ltype *types;
    size_t ntypes, types_cap;
    spy_lmember *members;
    size_t nmembers, members_cap;
    spy_lenum *enums;
    size_t nenums, enums_cap;
    uint32_t root;        /* the type the layout was resolved for, or NONE */
    uint8_t pointer_size; /* 8 or 4 */
    int big_endian;       /* byte order of the writer; 0 on x86, arm64 */
    char *source;         /* one line: where it came from, or NULL */
} spy_layout;

/* --- building (the DWARF reader, the parser) ------------------------- */

/* An empty layout: no types, root NONE, pointer size 8, little-endian. */
void spy_layout_init(spy_layout *l);
/* Frees everything l owns and leaves it as spy_layout_init does. */
void spy_layout_free(spy_layout *l);
/* Appends a type (name copied); its index in *idx. Members and enumerators
 * are appended after with spy_layout_add_member / _enum, which extend the
 * LAST struct/union/enum added: set first/count by calling them right
 * after. Errors: SPY_ENOMEM; SPY_ERANGE past SPY_LAYOUT_MAX_TYPES. */
int spy_layout_add_type(spy_layout *l, const spy_ltype *t, uint32_t *idx,
                        spy_err *err);
/* Appends a member to type `owner` (a struct or union whose members are
 * the last ones appended: owner.first + owner.count == nmembers). */
int spy_layout_add_member(spy_layout *l, uint32_t owner, const spy_lmember *m,
                          spy_err *err);
/* Appends an enumerator to enum type `owner` (same rule). */
int spy_layout_add_enum(spy_layout *l, uint32_t owner, const char *name,
                        int64_t value, spy_err *err);
/* Sets l->source (copied). */
int spy_layout_set_source(spy_layout *l, const char *source, spy_err *err);
/* The index of the type named name ("struct shared", "shared" also finds
 * "struct shared", "union shared" or a typedef "shared"), or NONE. */
uint32_t spy_layout_find(const spy_layout *l, const char *name);
/* Checks every index, size and offset: members inside their parent,
 * element sizes times counts equal array sizes, no cycles through
 * by-value members. The parser runs it; builders should too. Errors:
 * SPY_EINVAL naming the type and what is wrong. */
int spy_layout_check(const spy_layout *l, spy_err *err);

/* --- the layout file ------------------------------------------------- */

/* Writes l as a "shmspy-layout 1" file into a malloc'd, NUL-terminated
 * buffer (caller frees); *len its length without the NUL. Only the types
 * reachable from root are written when root is set. NULL on ENOMEM. */
char *spy_layout_format(const spy_layout *l, size_t *len);
/* Parses a layout file of len bytes (need not be NUL-terminated) into out
 * (initialised by the call; freed on error). Errors: SPY_EINVAL "line N:
 * <why>", SPY_ERANGE for numbers or counts past the limits above. Never
 * reads past len. */
int spy_layout_parse(const char *text, size_t len, spy_layout *out,
                     spy_err *err);

/* --- fields ---------------------------------------------------------- */

/* One field of a layout at a fixed place in the segment. */
typedef struct spy_lfield {
    uint32_t type;    /* the field's type */
    uint64_t offset;  /* bytes from the start of the segment */
    uint64_t size;    /* bytes it occupies (bitfield: bytes it spans) */
    uint8_t bit_size; /* as in spy_lmember */
    uint8_t bit_offset;
} spy_lfield;

/* Finds the field PATH ("counter", "items[3].name", "a.b[2][1]"; "" or
 * NULL: the whole root) inside type `root` placed at segment offset base.
 * Array indexes are checked against the count (a flexible array's against
 * `avail`, the bytes from base to the end of the segment). Errors:
 * SPY_EINVAL "PATH: no field NAME in struct X (fields: a, b, c)",
 * SPY_ERANGE "PATH: index 9 past the end of items[8]". */
int spy_layout_field(const spy_layout *l, uint32_t root, uint64_t base,
                     uint64_t avail, const char *path, spy_lfield *out,
                     spy_err *err);

/* --- values ---------------------------------------------------------- */

#define SPY_LVALUE_MAX 512 /* text of one scalar value, with its NUL */

/* Formats the scalar field f (int, uint, char, bool, float, enum, pointer,
 * bitfield; a char array as a quoted, escaped string; any other aggregate
 * or opaque type as hex of at most 16 bytes with "...") from bytes `p`,
 * which hold the field's bytes (p[0] is the byte at f->offset; n >= the
 * bytes needed, else "?" is written). Never writes a control character.
 * Enums print their name, or the number and "(no name)"; pointers print
 * "0x... (address in the writer)"; NULL pointers "NULL". */
void spy_layout_value_text(const spy_layout *l, const spy_lfield *f,
                           const uint8_t *p, size_t n, char *out, size_t cap);
/* Writes the field's value as one JSON value: numbers as numbers, bools,
 * strings for char arrays and enum names, arrays and objects for
 * aggregates (recursively, arrays of more than `max_elems` elements cut
 * with a final {"truncated": N} element; max_elems 0: no limit). */
void spy_layout_value_json(const spy_layout *l, const spy_lfield *f,
                           const uint8_t *p, size_t n, size_t max_elems,
                           spy_json *j);
/* Encodes text for field f into out (cap >= f->size): integers and enums
 * (by name or number), bools (true, false, 0, 1), floats, chars ('a' or a
 * number), char arrays (the text as is, not quoted, if it fits with its
 * NUL; the rest of the array is zero-filled), pointers (a number or
 * NULL). Integers are decimal or 0x hex with an optional sign. A bitfield is
 * merged into `old` (the field's current f->size bytes) so the neighbouring
 * bits are kept. Errors: SPY_ERANGE "300: out of range for unsigned char
 * (0..255)", "8: out of range for 3-bit field (0..7)"; SPY_EINVAL for text
 * that is not a value of the type, or a type that cannot be written as
 * one value (struct, union). */
int spy_layout_value_encode(const spy_layout *l, const spy_lfield *f,
                            const char *text, const uint8_t *old, uint8_t *out,
                            size_t cap, spy_err *err);
/* 1 when field f's bytes differ between two reads a and b of the same
 * range (both start at byte `a_off` of the segment; f must lie inside
 * [a_off, a_off + n)): a value changing while it was read is torn. */
int spy_layout_torn(const spy_lfield *f, uint64_t a_off, const uint8_t *a,
                    const uint8_t *b, size_t n);

/* --- walking --------------------------------------------------------- */

/* The children of an aggregate field, in order: for a struct or union its
 * members, for an array its elements. spy_layout_nchildren says how many
 * (0 for a scalar or bitfield; nelem for an array; for a flexible one the
 * elements that fit in `avail`, the bytes from f->offset to the end of
 * the segment), spy_layout_child gives the i-th as a field plus its label
 * ("name", "[i]", "(anonymous union)"; escaped; label may be NULL) in
 * label (cap bytes); it returns 0, SPY_ERANGE past the last member or
 * fixed array's element, SPY_EINVAL for a scalar. O(1) per call, so a
 * view draws a window of a 100,000-element array without walking it. */
uint64_t spy_layout_nchildren(const spy_layout *l, const spy_lfield *f,
                              uint64_t avail);
int spy_layout_child(const spy_layout *l, const spy_lfield *f, uint64_t i,
                     spy_lfield *out, char *label, size_t cap);
/* Writes the C spelling of f's type with bitfield width ("unsigned int:3")
 * into out. */
void spy_layout_type_text(const spy_layout *l, const spy_lfield *f, char *out,
                          size_t cap);

#endif
