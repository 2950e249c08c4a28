/* layoutsrc.h - where a typed layout comes from: the writer's C header
 * (compiled by the system C compiler with -g, its DWARF read back), the
 * writer's binary or debug file, or a running writer (its executable and
 * shared libraries). DWARF is read with elfutils' libdw; a build without it
 * (Windows, or Linux without libdw-dev) answers SPY_ENOTSUP with the
 * sentence "this build reads no debug information (libdw): use --layout
 * FILE", so a layout file written elsewhere is the way in.
 *
 * posix/layoutsrc.c (compile, cache, /proc/PID/exe and maps),
 * posix/dwarf.c (libdw -> spy_layout), win32/layoutsrc.c (the refusals).
 *
 * Cache: a layout resolved from a header or binary is written as a layout
 * file under $XDG_CACHE_HOME/shmspy/layouts (else ~/.cache/...), named by
 * a hash of the source's identity (header: path, size, mtime and inode of
 * the header, the cflags, the type name and the compiler's path and
 * mtime; binary: path, device, inode, size, mtime, type name). A hit is
 * read with spy_layout_parse; a damaged entry is ignored and rewritten. */
#ifndef SPY_LAYOUTSRC_H
#define SPY_LAYOUTSRC_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/layout.h"

typedef struct spy_layout_src {
    const char *type;   /* "struct shared", "shared", a typedef name */
    const char *header; /* compile this header, or NULL */
    const char *cflags; /* extra compiler words for the header, or NULL
                           (split on blanks; quotes are not interpreted) */
    const char *from;   /* a binary / debug file path, or a PID, or NULL */
    int no_cache;       /* 1: neither read nor write the cache */
} spy_layout_src;

typedef struct spy_layout_origin {
    int cached;        /* 1: read from the cache */
    double resolve_ms; /* wall time spent resolving (compile included) */
    double compile_ms; /* the compiler's share, 0 when not run */
    char where[512];   /* the file the DWARF came from */
} spy_layout_origin;

/* 1 when this build reads DWARF (libdw), 0 otherwise. */
int spy_layout_dwarf_available(void);
/* Resolves src->type from src->header or src->from into *out (initialised
 * by the call, root set to the type; freed on error). origin may be NULL.
 * Errors: SPY_EINVAL "shared.h: does not compile: shared.h:3:5: error:
 * ..." (the compiler's first error line) or "struct shared: no such type
 * in <file> (did you mean struct shared_hdr?)"; SPY_ENOENT for a missing
 * header, binary or process; SPY_EACCES naming what was refused;
 * SPY_ENOTSUP (no libdw; no debug information in the file: "built
 * without -g?"). */
int spy_layout_resolve_src(const spy_layout_src *src, spy_layout *out,
                           spy_layout_origin *origin, spy_err *err);
/* Whether the executable of process pid carries DWARF debug information
 * (a .debug_info section, in the file or a separate debug file found by
 * build id): 1 yes, 0 no, negative SPY_E* when it cannot be read. */
int spy_layout_pid_has_debug(int pid, spy_err *err);
/* Reads a layout file (at most SPY_LAYOUT_MAX_FILE bytes) and parses it.
 * Errors: the file's open/read error naming the path; the parser's
 * "PATH: line N: <why>". */
int spy_layout_load_file(const char *path, spy_layout *out, spy_err *err);
/* Writes text (len bytes) to path atomically (a temporary in the same
 * directory, fsync, rename); an existing path is replaced only when
 * `replace`, else SPY_EEXIST. Mode 0644. */
int spy_layout_save_file(const char *path, const char *text, size_t len,
                         int replace, spy_err *err);

#endif
