/* cmd_rm.c - `shmspy rm NAME...`. */
#include "cli.h"
#include "../backends/seg.h"

static const char rm_usage[] =
    "usage: shmspy rm NAME...\n"
    "\n"
    "Removes each NAME (shm_unlink, IPC_RMID, unlink). Processes that map the\n"
    "object keep their mapping; the memory is freed at the last unmap.\n";

int cmd_rm(int argc, char **argv) {
    static const cli_opt opts[] = {{"help", 'h', 0, 1}, {NULL, 0, 0, 0}};
    cli_args a;
    const char *val;
    int id, i, rc = SPY_EXIT_OK, count = 0;
    spy_name name;
    spy_err e;

    /* Validate every NAME before removing any. */
    cli_args_init(&a, "rm", argc, argv);
    while ((id = cli_args_next(&a, opts, &val)) != CLI_END) {
        if (id == CLI_BAD)
            return SPY_EXIT_USAGE;
        if (id == 1) {
            fputs(rm_usage, stdout);
            return cli_finish_stdout();
        }
        if (cli_name("rm", val, &name) != 0)
            return SPY_EXIT_USAGE;
        count++;
    }
    if (count == 0)
        return cli_usage_error("rm", "missing NAME");
    cli_args_init(&a, "rm", argc, argv);
    for (i = 0; i < count; i++) {
        while (cli_args_next(&a, opts, &val) != CLI_POS)
            ;
        cli_name("rm", val, &name);
        if (spy_seg_unlink(&name, &e) != 0)
            rc = cli_fail(&e);
    }
    return rc;
}
