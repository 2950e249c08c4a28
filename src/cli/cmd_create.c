/* cmd_create.c - `shmspy create NAME SIZE [--mode MODE] [--force]`. */
#include "../core/num.h"
#include "cli.h"
#include "../backends/seg.h"

static const char create_usage[] =
    "usage: shmspy create NAME SIZE [--mode MODE] [--force]\n"
    "\n"
    "Creates NAME with SIZE bytes (zero-filled) and mode MODE (default 0600,\n"
    "whatever the umask). An existing NAME is an error unless --force, which\n"
    "reuses it and resizes it to SIZE.\n";

int cmd_create(int argc, char **argv) {
    static const cli_opt opts[] = {{"mode", 'm', 1, 1},
                                   {"force", 'f', 0, 2},
                                   {"help", 'h', 0, 3},
                                   {NULL, 0, 0, 0}};
    cli_args a;
    const char *val, *name_text = NULL, *size_text = NULL;
    int id, force = 0;
    uint32_t mode = 0600;
    uint64_t size;
    spy_name name;
    spy_seg *seg;
    spy_err e;

    cli_args_init(&a, "create", argc, argv);
    while ((id = cli_args_next(&a, opts, &val)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return SPY_EXIT_USAGE;
        case CLI_POS:
            if (name_text == NULL)
                name_text = val;
            else if (size_text == NULL)
                size_text = val;
            else
                return cli_usage_error("create", "unexpected argument '%s'",
                                       val);
            break;
        case 1:
            if (spy_parse_mode("--mode", val, &mode, &e) != 0)
                return cli_usage_error("create", "%s", e.msg);
            break;
        case 2:
            force = 1;
            break;
        case 3:
            fputs(create_usage, stdout);
            return cli_finish_stdout();
        }
    }
    if (name_text == NULL)
        return cli_usage_error("create", "missing NAME");
    if (size_text == NULL)
        return cli_usage_error("create", "missing SIZE");
    if (cli_number("create", "SIZE", size_text, &size) != 0)
        return SPY_EXIT_USAGE;
    if (cli_name("create", name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if (spy_seg_open(&name,
                     SPY_O_WRITE | SPY_O_CREATE | SPY_O_NOMAP |
                         (force ? 0 : SPY_O_EXCL),
                     size, mode, &seg, &e) != 0)
        return cli_fail(&e);
    spy_seg_close(seg);
    return SPY_EXIT_OK;
}
