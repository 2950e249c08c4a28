/* diff.h - comparing two images of a segment (issue 19): the one
 * comparison behind `shmspy diff`, `shmspy log` and `replay --log`, the
 * per-field comparison with a typed layout, resolving a diff operand
 * (NAME, FILE@TIME, FILE) into bytes, and the one formatter of a change as
 * a line of text or JSON (`log` and `replay --log` print through it).
 *
 * Ranges. Two images a (na bytes) and b (nb bytes) differ at offset i when
 * i lies past the end of either (i >= min(na, nb), i < max(na, nb)) or
 * a[i] != b[i]. The ranges returned are sorted, disjoint, begin and end
 * with a differing byte, cover every differing byte, and are separated by
 * at least SPY_DIFF_GAP equal bytes: two differing stretches with fewer
 * equal bytes between them are one range (a changed u32 of which one byte
 * stayed is one range, not two). */
#ifndef SPY_OPS_DIFF_H
#define SPY_OPS_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"
#include "../core/layout.h"
#include "recording.h"

/* Stretches of differing bytes closer than this many equal bytes merge. */
#define SPY_DIFF_GAP 8

/* One range [off, off + len). */
typedef struct spy_diff_range {
    uint64_t off, len;
} spy_diff_range;

/* A growing list of ranges (zero-initialise; spy_diff_list_free). */
typedef struct spy_diff_list {
    spy_diff_range *v;
    size_t n, cap;
} spy_diff_list;

/* Appends to *out the ranges where a (na bytes) and b (nb bytes) differ,
 * each offset plus `base` (the images are windows starting at segment
 * offset base). A range that begins fewer than SPY_DIFF_GAP bytes after
 * the last range already in the list ends is merged into it, so windows
 * appended in order give the same list as one comparison. Errors:
 * SPY_ENOMEM. */
int spy_diff_ranges(const uint8_t *a, uint64_t na, const uint8_t *b,
                    uint64_t nb, uint64_t base, spy_diff_list *out,
                    spy_err *err);

/* Appends [off, off + len) to the list with the same merging rule (for a
 * stretch known to differ, such as the tail of a grown segment). */
int spy_diff_list_add(spy_diff_list *l, uint64_t off, uint64_t len,
                      spy_err *err);

/* Empties the list and frees its memory. */
void spy_diff_list_free(spy_diff_list *l);

/* ---- per field --------------------------------------------------------- */

/* One leaf field whose bytes differ. old / new_ point at the field's bytes
 * in each image (p[0] is the byte at f.offset), or are NULL when the field
 * does not fit in that image (the segment was smaller). */
typedef struct spy_diff_field {
    const char *path; /* "ring[2].seq" (under the top field's path) */
    spy_lfield f;
    const uint8_t *old, *new_;
} spy_diff_field;

/* Called per differing leaf, in offset order; non-zero stops the walk. */
typedef int (*spy_diff_field_cb)(const spy_diff_field *df, void *arg);

/* Walks the leaves of field `top` (path top_path, "" for a whole struct)
 * that overlap the ranges r[0..nr) (sorted, as spy_diff_ranges gives) and
 * calls cb for each whose bytes differ between a (na bytes, segment offset
 * 0) and b (nb bytes). A leaf is a scalar, a bitfield, or an array of
 * char (a string); structs, unions and other arrays are walked into (a
 * union's members each). Cost: the leaves under the ranges, not the size
 * of the layout (an array of 100,000 elements with one change visits one
 * element). Returns 0 when the walk ended, 1 when cb stopped it. */
int spy_diff_fields(const spy_layout *l, const spy_lfield *top,
                    const char *top_path, const uint8_t *a, uint64_t na,
                    const uint8_t *b, uint64_t nb, const spy_diff_range *r,
                    size_t nr, spy_diff_field_cb cb, void *arg);

/* ---- operands ---------------------------------------------------------- */

/* One side of a diff, as bytes. */
typedef struct spy_diff_image {
    uint8_t *bytes; /* malloc'd, size bytes (NULL when size is 0) */
    uint64_t size;
    int is_file;     /* 1: from a recording; 0: a live segment */
    uint64_t t_ns;   /* a recording: the time read */
    char label[600]; /* for headers: "/x", "rec.shmspy@1.500s" (raw) */
} spy_diff_image;

/* Resolves the operand text into *out:
 *  - FILE@TIME: text's last '@' splits a recording path from a TIME,
 *    "start", "end" or a duration (core/duration.h: "1.5s", "250ms"),
 *    when a file exists at that path (a time past the end is the end);
 *  - FILE: text names an existing file that opens as a recording (its
 *    end), or that names an existing file and spells a path (holds a
 *    '.', or a '/' after its first character): then its damage is the
 *    error;
 *  - else NAME: a live segment (core/name.h), read whole once (as
 *    torn as any read of a segment being written).
 * So a POSIX object "/x" is a NAME unless a recording exists at /x; a
 * file in the current directory that is not a recording and has neither
 * '.' nor '/' in its name is taken as a NAME ("x" is the object /x).
 * Errors: the name's (SPY_EINVAL: *usage set), the segment's, the
 * recording's (damage names the byte offset), a bad TIME (SPY_EINVAL,
 * *usage set). out->bytes is freed by spy_diff_image_free. */
int spy_diff_image_load(const char *text, spy_diff_image *out, int *usage,
                        spy_err *err);
void spy_diff_image_free(spy_diff_image *im);

/* A time in a recording: "start" (0), "end" (SPY_DIFF_END: the end,
 * whatever the duration) or a duration since the start ("1.5s"). Errors:
 * SPY_EINVAL / SPY_ERANGE from spy_parse_duration, naming "TIME". */
#define SPY_DIFF_END UINT64_MAX
int spy_diff_parse_time(const char *text, uint64_t *ns, spy_err *err);

/* Reads the whole of the live segment `seg` into a new malloc'd buffer
 * (*out, *size; NULL for an empty segment): snapshot and diff share it. A
 * segment that shrinks while read is read again at its new size (at most
 * a few times); errors are spy_seg_read's. */
struct spy_seg;
int spy_diff_read_segment(struct spy_seg *seg, uint8_t **out, uint64_t *size,
                          spy_err *err);

/* ---- the change log: one line per change ----------------------------- */

/* 1 when the locale (LC_ALL, else LC_CTYPE, else LANG) names UTF-8: text
 * output then uses "→", else "->". */
int spy_diff_locale_utf8(void);

/* The arrow between old and new in text output. */
const char *spy_diff_arrow(int utf8);

/* Formats up to `max` bytes of p[0..n) as "29 00 0a" into out (cap
 * bytes), then " ..." (or " …" when utf8) when n > max. p NULL: "-". */
void spy_diff_hex_text(const uint8_t *p, uint64_t n, unsigned max, int utf8,
                       char *out, size_t cap);

typedef struct spy_changelog_opts {
    FILE *out; /* where lines go (not owned) */
    int json;  /* newline-delimited JSON objects instead of text */
    int utf8;  /* text: "→" rather than "->" */
    /* With a layout: fields instead of bytes. The struct (type root) is at
     * segment offset base; field: a path limiting it to a subtree (NULL or
     * "": the whole struct). Not owned; must outlive the log. */
    const spy_layout *layout;
    uint32_t root;
    uint64_t base;
    const char *field;
} spy_changelog_opts;

/* A change log: keeps the segment's image (two copies: as before and
 * after the record being printed), so each delta's exact changed bytes
 * (and fields) are told with their old values. */
typedef struct spy_changelog spy_changelog;

/* Text lines (times from spy_format_seconds, 16 bytes at most of a run
 * then "..."; the length column gives the count):
 *   12.345s  0x40  4  29 00 00 00 -> 2a 00 00 00
 *   12.345s  ring[2].seq  41 -> 42
 *   12.345s  resized 4096 -> 8192 bytes
 *   12.345s  removed | recreated (8192 bytes) | missed 3 samples |
 *            triggered: COND at 0x40 (4 bytes) | cut: 1.000s dropped |
 *            note: TEXT
 *   12.345s  hit 0x40 4 = 2a 00 00 00 by pid 12 tid 13 (comm) at WHERE
 * Bytes past the end of the image before (a grown segment) or after
 * (a shrunk one) are "-". JSON objects, one a line, flushed:
 *   {"t":12.345,"off":64,"len":4,"old":"29000000","new":"2a000000"}
 *   {"t":..,"field":"ring[2].seq","off":72,"len":4,"old":41,"new":42}
 *   {"t":..,"event":"resized","old_size":4096,"new_size":8192}
 *   {"t":..,"event":"removed"|"recreated"(,"size")|"missed"(,"samples")|
 *    "triggered"(,"condition","off","len")|"cut"(,"dropped")|"note"
 *    (,"text")}
 *   {"t":..,"event":"hit","pid","tid","comm","off","len","value","ip",
 *    "where"}
 * ("old"/"new" hex of a missing side is null; runs longer than
 * SPY_CHANGELOG_JSON_MAX are cut there with "truncated": true.) */
#define SPY_CHANGELOG_TEXT_BYTES 16
#define SPY_CHANGELOG_JSON_MAX (64u << 10)

int spy_changelog_new(const spy_changelog_opts *o, spy_changelog **out,
                      spy_err *err);

/* The time of spy_changelog_print that prints no time (diff). */
#define SPY_CHANGELOG_NO_TIME UINT64_MAX

/* Prints the changes from a (na bytes) to b (nb bytes) within the ranges
 * r[0..nr) (from spy_diff_ranges) as the lines above, at time t_ns
 * (SPY_CHANGELOG_NO_TIME: without the time column or "t" member): bytes,
 * or with o->layout the fields. *lines (if non-NULL) grows by the lines
 * printed. Errors: a --field path that does not exist in the layout. */
int spy_changelog_print(const spy_changelog_opts *o, uint64_t t_ns,
                        const uint8_t *a, uint64_t na, const uint8_t *b,
                        uint64_t nb, const spy_diff_range *r, size_t nr,
                        uint64_t *lines, spy_err *err);

/* A keyframe: the whole image. The first one only sets the image; a
 * later one (a recreated object, a periodic keyframe) prints what differs
 * from the image before. */
int spy_changelog_key(spy_changelog *cl, uint64_t t_ns, const uint8_t *img,
                      uint64_t size, spy_err *err);

/* A delta: the segment is `size` bytes, runs hold new bytes (block runs:
 * only the bytes that differ are printed). Bytes past the previous size
 * not covered by a run read as 0 (as in a timeline). */
int spy_changelog_delta(spy_changelog *cl, uint64_t t_ns, uint64_t size,
                        const spy_rec_run *runs, size_t nruns, spy_err *err);

/* An event or a hit: one line. */
int spy_changelog_event(spy_changelog *cl, uint64_t t_ns,
                        const spy_rec_event *ev, spy_err *err);
int spy_changelog_hit(spy_changelog *cl, uint64_t t_ns, const spy_rec_hit *hit,
                      spy_err *err);

/* Lines printed so far. */
uint64_t spy_changelog_lines(const spy_changelog *cl);

void spy_changelog_free(spy_changelog *cl);

#endif
