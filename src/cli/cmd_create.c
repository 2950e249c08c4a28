/* cmd_create.c - `shmspy create NAME SIZE [--mode MODE] [--force
 * [--follow]]`. */
#include "../core/num.h"
#include "cli.h"
#include "../backends/seg.h"

/* What the command line asks for. */
typedef struct create_req {
    const char *name_text, *size_text;
    uint32_t mode;
    int force, follow;
} create_req;

#define F(member) offsetof(create_req, member)

static const cli_option create_options[] = {
    CLI_OPT('m', "mode", CLI_MODE, F(mode), "MODE",
            "permission bits, octal (default 0600, whatever the umask)"),
    CLI_OPT('f', "force", CLI_FLAG, F(force), NULL,
            "reuse an existing NAME and resize it to SIZE"),
    CLI_OPT(0, "follow", CLI_FLAG, F(follow), NULL,
            "with --force: NAME is a file:PATH that is a symbolic link:\n"
            "resize where it points (never a link fs.protected_symlinks\n"
            "forbids; a link is never created through)"),
    {0}};

static const char *const create_needs[][2] = {{"follow", "force"},
                                              {NULL, NULL}};

static const cli_pos create_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, 0, NULL},
    {"SIZE", F(size_text), CLI_REQUIRED, NULL, 0, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_create_spec = {
    "create",
    "create NAME SIZE [--mode MODE] [--force [--follow]]",
    "Creates NAME with SIZE bytes (zero-filled) and mode MODE (default 0600,\n"
    "whatever the umask). An existing NAME is an error unless --force, which\n"
    "reuses it and resizes it to SIZE.\n",
    create_options,
    create_args,
    NULL,
    create_needs,
    NULL};

int cmd_create(int argc, char **argv) {
    create_req q = {NULL, NULL, 0600, 0, 0};
    int rc;
    uint64_t size;
    spy_name name;
    spy_seg *seg;
    spy_err e;

    if (!cli_parse(&cmd_create_spec, argc, argv, &q, &rc))
        return rc;
    if (cli_number("create", "SIZE", q.size_text, &size) != 0)
        return SPY_EXIT_USAGE;
    if (cli_name("create", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if (spy_seg_open(&name,
                     SPY_O_WRITE | SPY_O_CREATE | SPY_O_NOMAP |
                         (q.force ? 0 : SPY_O_EXCL) |
                         (q.follow ? SPY_O_FOLLOW : 0),
                     size, q.mode, &seg, &e) != 0)
        return cli_fail(&e);
    spy_seg_close(seg);
    return SPY_EXIT_OK;
}
