/* cmd_watch.c - `shmspy watch NAME [--hz N] [--write [--force]]`: the
 * live hex view. */
#include "../tui/tui.h"
#include "cli.h"

static const char watch_usage[] =
    "usage: shmspy watch NAME [--hz N] [--write [--force]]\n"
    "\n"
    "Live hex view of NAME: bytes that change are highlighted and fade.\n"
    "  --hz N    refresh rate, 1..60 (default 10)\n"
    "  --write   open read-write: type hex digits or text to edit in place\n"
    "  --force   with --write: edit even an object whose mode is read-only\n"
    "Press ? in the view for every key; q quits.\n";

int cmd_watch(int argc, char **argv) {
    static const cli_opt opts[] = {{"hz", 0, 1, 1},
                                   {"write", 'w', 0, 2},
                                   {"help", 'h', 0, 3},
                                   {"force", 0, 0, 4},
                                   {NULL, 0, 0, 0}};
    cli_args a;
    const char *val, *name_text = NULL;
    int id, rc;
    uint64_t hz;
    spy_tui_opts o = {10, 0, 0};
    spy_name name;
    spy_err e;

    cli_args_init(&a, "watch", argc, argv);
    while ((id = cli_args_next(&a, opts, &val)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return SPY_EXIT_USAGE;
        case CLI_POS:
            if (cli_one_name("watch", &name_text, val) != 0)
                return SPY_EXIT_USAGE;
            break;
        case 1:
            if (cli_number("watch", "--hz", val, &hz) != 0)
                return SPY_EXIT_USAGE;
            if (hz < 1 || hz > 60)
                return cli_usage_error("watch", "--hz: %s is not in 1..60",
                                       val);
            o.hz = (unsigned)hz;
            break;
        case 2:
            o.write = 1;
            break;
        case 3:
            fputs(watch_usage, stdout);
            return cli_finish_stdout();
        case 4:
            o.force = 1;
            break;
        }
    }
    if (o.force && !o.write)
        return cli_usage_error("watch", "--force applies only with --write");
    if (cli_name("watch", name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    spy_err_clear(&e);
    rc = spy_tui_watch(&name, &o, &e);
    if (rc != 0 && e.msg[0] != '\0')
        cli_fail(&e);
    return rc;
}
