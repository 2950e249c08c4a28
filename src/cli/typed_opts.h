/* typed_opts.h - the option-table rows of typed layouts, one spelling for
 * read, write, dump, watch and `layout` (issue 17):
 *
 *   --type T  --header H  --cflags 'WORDS'  --from PID|PATH  --layout FILE
 *   --no-cache                                  (CLI_TYPED_OPTIONS)
 *   --field PATH                                (CLI_TYPED_FIELD_OPTION)
 *
 * For a request struct that embeds `spy_typed_req typed;` (ops/typed.h)
 * and, for --field, a `const char *field;`. F is the command's offsetof
 * macro (`#define F(m) offsetof(read_req, m)`), used as F(typed.type).
 * Use inside an option table:
 *
 *   static const cli_option watch_options[] = {
 *       ...,
 *       CLI_TYPED_OPTIONS(F),
 *       CLI_TYPED_FIELD_OPTION(F),
 *       {0}};
 *
 * The combination (one source; --type unless --layout; --cflags with
 * --header) is checked by spy_typed_load, which returns the usage
 * sentence; the front end prints it with cli_usage_error. */
#ifndef SPY_CLI_TYPED_OPTS_H
#define SPY_CLI_TYPED_OPTS_H

#include "../ops/typed.h"
#include "cli.h"

/* The six rows of the layout source, in this order. */
#define CLI_TYPED_OPTIONS(F)                                                   \
    CLI_OPT(0, "type", CLI_STR, F(typed.type), "T",                            \
            "typed: the struct (or typedef), from the layout\n"                \
            "source below (with --layout: default the file's root)"),          \
        CLI_OPT(0, "header", CLI_STR, F(typed.header), "H",                    \
                "typed: compile header H (cc -g) for --type's layout",         \
                .value = CLI_V_FILE),                                          \
        CLI_OPT(0, "cflags", CLI_STR, F(typed.cflags), "WORDS",                \
                "typed: extra compiler words for --header (-I, -D, -std)"),    \
        CLI_OPT(0, "from", CLI_STR, F(typed.from), "PID|PATH",                 \
                "typed: --type's layout from the debug info of process PID\n"  \
                "or binary PATH",                                              \
                .value = CLI_V_FILE),                                          \
        CLI_OPT(0, "layout", CLI_STR, F(typed.layout_file), "FILE",            \
                "typed: read the layout from a layout file\n"                  \
                "(`shmspy layout ... -o FILE`)",                               \
                .value = CLI_V_FILE),                                          \
        CLI_OPT(0, "no-cache", CLI_FLAG, F(typed.no_cache), NULL,              \
                "typed: resolve --header/--from again, not from the cache")

/* The --field row: a path into --type, as a.b[3].c. */
#define CLI_TYPED_FIELD_OPTION(F)                                              \
    CLI_OPT(0, "field", CLI_STR, F(field), "PATH",                             \
            "typed: the field of --type, as a.b[3].c")

#endif
