/* cmd_rm.c - `shmspy rm NAME...`. */
#include "cli.h"
#include "../backends/seg.h"

/* What the command line asks for. */
typedef struct rm_req {
    char **names; /* NULL-terminated */
} rm_req;

static const cli_option rm_options[] = {{0}};

static const cli_pos rm_args[] = {{"NAME", offsetof(rm_req, names),
                                   CLI_REQUIRED | CLI_MANY, NULL, CLI_V_NAME,
                                   NULL},
                                  {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_rm_spec = {
    "rm",
    "rm NAME...",
    "Removes each NAME (shm_unlink, IPC_RMID, unlink). Processes that map the\n"
    "object keep their mapping; the memory is freed at the last unmap.\n",
    rm_options,
    rm_args,
    NULL,
    NULL,
    NULL};

int cmd_rm(int argc, char **argv) {
    rm_req q = {NULL};
    char **p;
    int rc;
    spy_name name;
    spy_err e;

    if (!cli_parse(&cmd_rm_spec, argc, argv, &q, &rc))
        return rc;
    /* Validate every NAME before removing any. */
    for (p = q.names; *p != NULL; p++)
        if (cli_name("rm", *p, &name) != 0)
            return SPY_EXIT_USAGE;
    for (p = q.names; *p != NULL; p++) {
        cli_name("rm", *p, &name);
        if (spy_seg_unlink(&name, &e) != 0)
            rc = cli_fail(&e);
    }
    return rc;
}
