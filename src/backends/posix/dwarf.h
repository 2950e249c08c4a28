/* posix/dwarf.h - reading a C type out of an ELF file's DWARF with
 * elfutils' libdw into a spy_layout (posix/dwarf.c), for posix/layoutsrc.c.
 * Built without libdw (SPY_HAVE_LIBDW undefined) every call answers
 * SPY_ENOTSUP. Private to src/backends/posix/. */
#ifndef SPY_POSIX_DWARF_H
#define SPY_POSIX_DWARF_H

#include <stddef.h>

#include "../../core/err.h"
#include "../../core/layout.h"

/* The sentence of every refusal of a build without libdw. */
#define SPY__NO_LIBDW                                                          \
    "this build reads no debug information (libdw): use --layout FILE"

/* Resolves the type `type` ("struct X", "union X", "enum X", or a bare
 * name: a tag of any kind, a typedef or a base type) from the DWARF of the
 * ELF file at `path` (shown as `label` in messages), or, when the file has
 * none, from its separate debug file found by build id under
 * /usr/lib/debug/.build-id. Only the types reachable from it are built;
 * out is initialised by the call, its root set (freed on error). `where`
 * (cap bytes, may be NULL) gets the path the DWARF was read from.
 * Errors: SPY_ENOENT/SPY_EACCES opening the file; SPY_ENOTSUP "LABEL: no
 * debug information (built without -g?)"; SPY_EINVAL "TYPE: no such type
 * in LABEL (did you mean X?)", or a DWARF the layout cannot hold. */
int spy__dwarf_resolve(const char *path, const char *label, const char *type,
                       spy_layout *out, char *where, size_t cap, spy_err *err);

/* 1 when the ELF file at path has a .debug_info section (or a separate
 * debug file by build id that has one), 0 when not, negative SPY_E* when
 * it cannot be opened or is not ELF. */
int spy__dwarf_has_debug(const char *path, spy_err *err);

#endif
