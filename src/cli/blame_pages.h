/* blame_pages.h - the request of `shmspy blame` (cmd_blame.c) and the hook
 * of its page-level mode, `blame NAME --pages` (blame_pages.c: soft-dirty
 * bits, backends/dirtypages.h).
 *
 * cmd_blame.c parses the whole command line into a cli_blame_req (its
 * option table fills these members) and, when --pages was given, hands it
 * to cli_blame_pages after checking only the NAME; everything else about
 * --pages (which other options it accepts, its output) is
 * cli_blame_pages's to decide. A member or option row --pages needs is
 * added here and in cmd_blame.c's table. */
#ifndef SPY_CLI_BLAME_PAGES_H
#define SPY_CLI_BLAME_PAGES_H

#include <stdint.h>

#include "../core/name.h"
#include "../ops/typed.h"

typedef struct cli_blame_req {
    const char *name_text; /* NAME as given */
    char **offsets;        /* the OFFSET words, NULL-terminated (may be
                              empty) */
    uint64_t len;          /* --len (0: not given; default 4) */
    int access;            /* --access: 0 w, 1 rw */
    const char *for_text;  /* --for DURATION, or NULL */
    uint64_t count;        /* --count N (0: not given) */
    int json;              /* --json */
    int pages;             /* --pages */
    uint64_t base;         /* -s/--offset: where --type's struct starts */
    spy_typed_req typed;   /* --type ... (typed_opts.h) */
    const char *field;     /* --field PATH */
} cli_blame_req;

/* `shmspy blame NAME --pages ...`: name is q->name_text parsed. Returns
 * the exit code. */
int cli_blame_pages(const cli_blame_req *q, const spy_name *name);

#endif
