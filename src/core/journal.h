/* journal.h - the inject journal: what `shmspy inject` changed and the
 * original state needed to undo it exactly.
 *
 * Pure C11. The journal is a small text file, written and fsync'ed before
 * any change (see src/cli/cmd_inject.c); its format is line based:
 *
 *   shmspy-inject-journal 1
 *   fault corrupt                      flip set corrupt truncate unlink chmod
 *   name /demo                         canonical NAME, %XX for bytes outside
 *                                      '!'..'~' and for '%'
 *   dev 64769                          identity of the object (st_dev)
 *   ino 4711                           (st_ino)
 *   size 4096                          original size in bytes
 *   mode 0600                          original permission bits (octal)
 *   new-size 100                       truncate only: the size it was set to
 *   new-mode 0644                      chmod only: the mode it was set to
 *   seed 42                            corrupt only (informational)
 *   patch OFF LEN OLDHEX NEWHEX        byte faults: original and new bytes
 *   data OFF LEN HEX                   bytes a truncate cut off, or the whole
 *                                      content of an unlinked object
 *   end 0123456789abcdef               FNV-1a 64 of every byte before "end"
 *
 * Numbers are decimal. The parser trusts nothing: every line, number,
 * length and hex string is checked, sizes are bounded, and the checksum
 * must match, so a truncated, edited or hostile file is an error, never a
 * wrong undo. */
#ifndef SPY_JOURNAL_H
#define SPY_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "seginfo.h"

/* Bounds on what one journal may hold: bytes saved by truncate/unlink,
 * bytes in patches, and the number of patches. */
#define SPY_JOURNAL_DATA_MAX ((size_t)16 * 1024 * 1024)
#define SPY_JOURNAL_PATCH_BYTES_MAX ((size_t)1024 * 1024)
#define SPY_JOURNAL_PATCHES_MAX ((size_t)65536)
/* Largest journal file accepted by spy_journal_parse (hex doubles bytes). */
#define SPY_JOURNAL_FILE_MAX                                                   \
    (2 * SPY_JOURNAL_DATA_MAX + 4 * SPY_JOURNAL_PATCH_BYTES_MAX +              \
     48 * SPY_JOURNAL_PATCHES_MAX + 4 * SPY_NAME_MAX + 4096)

typedef enum spy_inject_kind {
    SPY_INJ_NONE = 0,
    SPY_INJ_FLIP,     /* one bit of one byte inverted */
    SPY_INJ_SET,      /* bytes overwritten at an offset */
    SPY_INJ_CORRUPT,  /* K random bytes changed */
    SPY_INJ_TRUNCATE, /* size changed */
    SPY_INJ_UNLINK,   /* name removed */
    SPY_INJ_CHMOD     /* permission bits changed */
} spy_inject_kind;

/* One changed range: len bytes at object offset off. The original bytes
 * are j->bytes[at .. at+len), the bytes written j->bytes[at+len ..
 * at+2*len). */
typedef struct spy_jpatch {
    uint64_t off;
    size_t len;
    size_t at;
} spy_jpatch;

/* A journal in memory. All pointers are owned by the journal: initialise
 * with spy_journal_init, release with spy_journal_free. */
typedef struct spy_journal {
    spy_inject_kind kind;
    char name[SPY_NAME_MAX]; /* canonical name, NUL-terminated */
    uint64_t dev, ino;       /* identity of the object */
    uint64_t size;           /* original size */
    uint32_t mode;           /* original permission bits */
    int has_new_size;        /* truncate: new_size is set */
    uint64_t new_size;
    int has_new_mode; /* chmod: new_mode is set */
    uint32_t new_mode;
    int has_seed; /* corrupt */
    uint64_t seed;
    spy_jpatch *patches; /* n_patches entries, in order of application */
    size_t n_patches, cap_patches;
    uint8_t *bytes; /* backing store of the patches */
    size_t n_bytes, cap_bytes;
    int has_data;      /* data below is meaningful */
    uint64_t data_off; /* object offset of data[0] */
    uint8_t *data;     /* saved bytes (truncate tail, unlinked content) */
    size_t data_len;
} spy_journal;

/* An empty journal (kind SPY_INJ_NONE, no patches, no data). */
void spy_journal_init(spy_journal *j);

/* Frees everything j owns and leaves it empty (as after init). */
void spy_journal_free(spy_journal *j);

/* Appends a patch of len (>= 1) bytes at off; old_bytes and new_bytes are
 * copied. SPY_ERANGE past the journal bounds, SPY_ENOMEM. */
int spy_journal_add_patch(spy_journal *j, uint64_t off,
                          const uint8_t *old_bytes, const uint8_t *new_bytes,
                          size_t len, spy_err *err);

/* Sets the saved bytes (copied; len may be 0). SPY_ERANGE above
 * SPY_JOURNAL_DATA_MAX, SPY_ENOMEM. */
int spy_journal_set_data(spy_journal *j, uint64_t off, const uint8_t *data,
                         size_t len, spy_err *err);

/* Checks that j is complete and consistent for its kind (patches inside
 * the original size, data where the kind needs it and nowhere else, ...).
 * SPY_EINVAL with the reason otherwise. */
int spy_journal_check(const spy_journal *j, spy_err *err);

/* Serialises a checked journal into a new malloc'd buffer *out of *len
 * bytes (the caller frees it; also NUL-terminated for convenience).
 * SPY_EINVAL if j does not pass spy_journal_check, SPY_ENOMEM. */
int spy_journal_format(const spy_journal *j, char **out, size_t *len,
                       spy_err *err);

/* Parses len bytes of text (not NUL-terminated; NUL bytes are errors) into
 * *j, which must be initialised and is overwritten; on error *j is left
 * empty. Errors: SPY_EINVAL "line N: reason" (or "not a shmspy journal",
 * "incomplete: no end line", "checksum mismatch"), SPY_ERANGE for sizes
 * above the bounds, SPY_ENOMEM. */
int spy_journal_parse(const char *text, size_t len, spy_journal *j,
                      spy_err *err);

/* "flip", "set", ... for a kind; "?" for none. */
const char *spy_inject_kind_name(spy_inject_kind k);

/* The kind for a name, or SPY_INJ_NONE. */
spy_inject_kind spy_inject_kind_parse(const char *s);

/* splitmix64: the pseudo-random generator of `inject corrupt`, so that a
 * seed gives the same faults on every platform. Advances *state. */
uint64_t spy_rand_next(uint64_t *state);

#endif
