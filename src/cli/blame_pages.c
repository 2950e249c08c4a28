/* blame_pages.c - `shmspy blame NAME --pages` (blame_pages.h).
 * TEMPORARY: the page-level mode is written on branch m-codeloc; until it
 * lands --pages is a usage error. */
#include "blame_pages.h"

#include "cli.h"

int cli_blame_pages(const cli_blame_req *q, const spy_name *name) {
    (void)q;
    (void)name;
    return cli_usage_error("blame", "--pages: not built yet");
}
