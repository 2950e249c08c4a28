/* typed_print.h - the typed front end shared by read, write, dump and
 * layout: loading the layout a command line asks for (usage errors as
 * usage errors), and the pretty print of a struct or field (an indented
 * tree `offset  name  type  = value`) with torn fields marked. */
#ifndef SPY_CLI_TYPED_PRINT_H
#define SPY_CLI_TYPED_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "../core/json.h"
#include "../ops/typed.h"

/* Exit code of a read whose value changed every time it was read (torn):
 * shmspy has no "partial" code before it; the man page, EXIT STATUS. */
#define CLI_EXIT_TORN 4

/* Loads q into *t for command cmd; returns 0, or the exit code after
 * printing the error (a bad combination as a usage error). */
int cli_typed_load(const char *cmd, const spy_typed_req *q, spy_typed *t);

/* 1 when field f prints as one value (a scalar, a char array, an
 * opaque blob), 0 for a struct, union or other array. */
int cli_typed_is_scalar(const spy_layout *l, const spy_lfield *f);

/* Prints the tree of field v->f (read with spy_typed_read, its bytes the
 * snapshot) to out, the first line labelled label: one line per field,
 * children indented, short arrays of scalars on one line (locks: their glibc
 * fields). When v is torn, each leaf is read again on its own
 * (spy_typed_read_at) and the leaves that stay torn are printed as torn.
 * Returns the number of torn leaves. */
unsigned cli_typed_tree(FILE *out, spy_seg *seg, const spy_typed *t,
                        const spy_typed_value *v, const char *label);

/* Writes v as members of j's open object: "offset", "size", "type",
 * "value" (spy_layout_value_json; null for a torn scalar), "torn_fields"
 * (the paths, under prefix, of the leaves that stayed torn) and "torn"
 * (whether any did). Returns the number of torn leaves. */
unsigned cli_typed_json_members(spy_json *j, spy_seg *seg, const spy_typed *t,
                                const spy_typed_value *v, const char *prefix);

#endif
