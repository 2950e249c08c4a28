/* options.c - the option tables of the subcommands (cli.h): parsing,
 * --help, usage errors and --list-options, all read from one table per
 * command. */
#include <inttypes.h>
#include <string.h>

#include "../core/num.h"
#include "../core/value.h"
#include "cli.h"

/* Every command takes -h and --help; tables do not repeat them. */
static const cli_option help_row =
    CLI_OPT('h', "help", CLI_FLAG, 0, NULL, "show this help");

/* The column --help starts the help texts at. */
#define HELP_COL 24

static int lower_eq(const char *s, const char *word) {
    for (; *word != '\0'; s++, word++)
        if ((*s | 0x20) != *word)
            return 0;
    return *s == '\0';
}

/* "-5", "-0x10", "-.5", "-inf", "-nan": a negative number (a VALUE or an
 * offset), not an option. */
static int looks_negative(const char *s) {
    if (s[0] != '-')
        return 0;
    if (s[1] >= '0' && s[1] <= '9')
        return 1;
    if (s[1] == '.' && s[2] >= '0' && s[2] <= '9')
        return 1;
    return lower_eq(s + 1, "inf") || lower_eq(s + 1, "infinity") ||
           lower_eq(s + 1, "nan");
}

static int is_option(const cli_option *o) {
    return o->arg != CLI_END && o->arg != CLI_GROUP;
}

static const cli_option *find_long(const cli_option *opts, const char *name,
                                   size_t len) {
    for (; opts->arg != CLI_END; opts++)
        if (is_option(opts) && opts->lng != NULL && strlen(opts->lng) == len &&
            strncmp(opts->lng, name, len) == 0)
            return opts;
    return NULL;
}

static const cli_option *find_short(const cli_option *opts, char c) {
    for (; opts->arg != CLI_END; opts++)
        if (is_option(opts) && opts->shrt != 0 && opts->shrt == c)
            return opts;
    return NULL;
}

/* "--offset" or "-s": as typed when as_long says how, else the long one. */
static const char *spell(const cli_option *o, int as_long, char *buf,
                         size_t cap) {
    if ((as_long || o->shrt == 0) && o->lng != NULL)
        snprintf(buf, cap, "--%s", o->lng);
    else
        snprintf(buf, cap, "-%c", o->shrt);
    return buf;
}

/* The visible choices of an enum joined by sep, into buf. */
static const char *choices_text(const cli_option *o, const char *sep, char *buf,
                                size_t cap) {
    const cli_choice *ch;
    size_t n = 0;
    buf[0] = '\0';
    for (ch = o->choices; ch != NULL && ch->name != NULL; ch++) {
        if (ch->hidden)
            continue;
        n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s",
                              n > 0 ? sep : "", ch->name);
    }
    return buf;
}

/* Stores val (NULL for a flag) into the field of o; sp is how the option
 * was spelled. 0, or SPY_EXIT_USAGE after printing why not. */
static int store(const cli_command *c, const cli_option *o, const char *sp,
                 const char *val, char *req) {
    spy_err e;
    uint64_t v;
    const cli_choice *ch;
    char list[256];

    switch (o->arg) {
    case CLI_FLAG:
        *(int *)(void *)(req + o->field) = 1;
        break;
    case CLI_NUM:
        if (spy_parse_u64(sp, val, &v, &e) != 0)
            return cli_usage_error(c->name, "%s", e.msg);
        if (o->max != 0 && (v < o->min || v > o->max))
            return cli_usage_error(c->name,
                                   "%s: %s is not in %" PRIu64 "..%" PRIu64, sp,
                                   val, o->min, o->max);
        *(uint64_t *)(void *)(req + o->field) = v;
        break;
    case CLI_STR:
        *(const char **)(void *)(req + o->field) = val;
        break;
    case CLI_ENUM:
        for (ch = o->choices; ch->name != NULL; ch++)
            if (strcmp(ch->name, val) == 0)
                break;
        if (ch->name == NULL)
            return cli_usage_error(c->name, "%s: '%s' is not one of %s", sp,
                                   val,
                                   choices_text(o, ", ", list, sizeof list));
        *(int *)(void *)(req + o->field) = ch->value;
        break;
    case CLI_MODE:
        if (spy_parse_mode(sp, val, (uint32_t *)(void *)(req + o->field), &e) !=
            0)
            return cli_usage_error(c->name, "%s", e.msg);
        break;
    default:
        break;
    }
    if (o->sets_to != 0)
        *(int *)(void *)(req + o->sets) = o->sets_to;
    return 0;
}

/* 0, or SPY_EXIT_USAGE after printing, when o belongs to an exclusive
 * group of which another option was given already. */
static int check_exclusive(const cli_command *c, const cli_option *o,
                           const unsigned char *seen) {
    const char *const(*g)[CLI_EXCL_MAX];
    size_t i, n;
    for (g = c->exclusive; g != NULL && (*g)[0] != NULL; g++) {
        int mine = 0, other = 0;
        for (i = 0; i < CLI_EXCL_MAX && (*g)[i] != NULL; i++) {
            const cli_option *p =
                find_long(c->options, (*g)[i], strlen((*g)[i]));
            if (p == o)
                mine = 1;
            else if (p != NULL && seen[p - c->options])
                other = 1;
        }
        if (mine && other) {
            char list[256];
            for (i = 0, n = 0; i < CLI_EXCL_MAX && (*g)[i] != NULL; i++)
                n += (size_t)snprintf(list + n,
                                      n < sizeof list ? sizeof list - n : 0,
                                      "%s--%s", i > 0 ? ", " : "", (*g)[i]);
            return cli_usage_error(c->name, "give only one of %s", list);
        }
    }
    return 0;
}

/* 1 when c takes --json and argv asks for it anywhere before "--": errors
 * found before the parser reaches it (or after, in the positionals and
 * the required options) are then reported in JSON too. "--json=..." asks
 * for it as well (and is the usage error that it takes no value). */
static int asks_json(const cli_command *c, int argc, char **argv) {
    int i;
    if (find_long(c->options, "json", 4) == NULL)
        return 0;
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strncmp(argv[i], "--json", 6) == 0 &&
            (argv[i][6] == '\0' || argv[i][6] == '='))
            return 1;
    return 0;
}

int cli_parse(const cli_command *c, int argc, char **argv, void *req,
              int *exit_code) {
    unsigned char seen[CLI_OPTS_MAX] = {0}, as_long[CLI_OPTS_MAX] = {0};
    char *r = req, sp[64];
    int i, npos = 0, nargs = 0, many = 0, only_pos = 0;
    const cli_option *o;
    const cli_pos *p;
    const char *const(*need)[2];

    *exit_code = SPY_EXIT_USAGE;
    cli_set_json_errors(asks_json(c, argc, argv));
    for (o = c->options; o->arg != CLI_END; o++)
        ;
    if (o - c->options > CLI_OPTS_MAX) { /* a table too long for seen[] */
        cli_usage_error(c->name, "internal error: more than %d options",
                        CLI_OPTS_MAX);
        return 0;
    }
    for (p = c->args; p != NULL && p->name != NULL; p++, nargs++)
        many = (p->flags & CLI_MANY) != 0;
    for (i = 1; i < argc; i++) {
        char *s = argv[i];
        const char *val = NULL;
        int lng, idx;

        if (only_pos || s[0] != '-' || s[1] == '\0' || looks_negative(s)) {
            if (npos >= nargs && !many) {
                cli_usage_error(c->name, "unexpected argument '%s'", s);
                return 0;
            }
            argv[1 + npos++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_pos = 1;
            continue;
        }
        lng = s[1] == '-';
        if (lng) {
            const char *name = s + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(c->options, name, len);
            if (o == NULL && len == 4 && strncmp(name, "help", 4) == 0)
                o = &help_row;
            if (o == NULL) {
                cli_usage_error(c->name, "unknown option '--%.*s'", (int)len,
                                name);
                return 0;
            }
            if (eq != NULL)
                val = eq + 1;
        } else {
            o = find_short(c->options, s[1]);
            if (o == NULL && s[1] == 'h')
                o = &help_row;
            if (o == NULL) {
                cli_usage_error(c->name, "unknown option '-%c'", s[1]);
                return 0;
            }
            if (s[2] != '\0')
                val = s + 2;
        }
        spell(o, lng, sp, sizeof sp);
        if (o->arg == CLI_FLAG && val != NULL) {
            cli_usage_error(c->name, "option '%s' takes no value", sp);
            return 0;
        }
        if (o == &help_row) {
            cli_help(c, stdout);
            *exit_code = cli_finish_stdout();
            return 0;
        }
        if (o->arg != CLI_FLAG && val == NULL) {
            if (i + 1 >= argc) {
                cli_usage_error(c->name, "option '%s' needs a value", sp);
                return 0;
            }
            val = argv[++i];
        }
        idx = (int)(o - c->options);
        /* A flag may be repeated; a value given twice is a mistake. */
        if (seen[idx] && o->arg != CLI_FLAG) {
            cli_usage_error(c->name, "option '%s' given twice", sp);
            return 0;
        }
        if (check_exclusive(c, o, seen) != 0 || store(c, o, sp, val, r) != 0)
            return 0;
        seen[idx] = 1;
        as_long[idx] = (unsigned char)lng;
    }

    /* Positional arguments, in order; a CLI_MANY one takes the rest. */
    for (i = 0, p = c->args; p != NULL && p->name != NULL; p++, i++) {
        if (i >= npos && (p->flags & CLI_REQUIRED)) {
            cli_usage_error(c->name, "missing %s",
                            p->missing ? p->missing : p->name);
            return 0;
        }
        if (p->flags & CLI_MANY) {
            argv[1 + npos] = NULL;
            *(char ***)(void *)(r + p->field) = &argv[1 + i];
        } else if (i < npos) {
            *(const char **)(void *)(r + p->field) = argv[1 + i];
        }
    }
    for (o = c->options; o->arg != CLI_END; o++)
        if (is_option(o) && (o->flags & CLI_REQUIRED) &&
            !seen[o - c->options]) {
            cli_usage_error(c->name, "missing %s %s",
                            spell(o, 1, sp, sizeof sp), o->metavar);
            return 0;
        }
    for (need = c->needs; need != NULL && (*need)[0] != NULL; need++) {
        const cli_option *a =
            find_long(c->options, (*need)[0], strlen((*need)[0]));
        const cli_option *b =
            find_long(c->options, (*need)[1], strlen((*need)[1]));
        if (a != NULL && b != NULL && seen[a - c->options] &&
            !seen[b - c->options]) {
            cli_usage_error(c->name, "%s applies only with --%s",
                            spell(a, as_long[a - c->options], sp, sizeof sp),
                            b->lng);
            return 0;
        }
    }
    *exit_code = SPY_EXIT_OK;
    return 1;
}

/* One option's line(s) in --help. */
static void help_row_put(FILE *f, const cli_option *o) {
    char left[160], list[128];
    const char *meta = o->metavar, *h;
    int n;

    if (o->arg == CLI_ENUM && meta == NULL)
        meta = choices_text(o, "|", list, sizeof list);
    n = snprintf(left, sizeof left, "  %c%c%s%s%s%s%s", o->shrt ? '-' : ' ',
                 o->shrt ? o->shrt : ' ', o->shrt && o->lng ? ", " : "  ",
                 o->lng ? "--" : "", o->lng ? o->lng : "", meta ? " " : "",
                 meta ? meta : "");
    fputs(left, f);
    if (n >= HELP_COL - 1)
        fprintf(f, "\n%*s", HELP_COL, "");
    else
        fprintf(f, "%*s", HELP_COL - n, "");
    for (h = o->help; *h != '\0'; h++) {
        fputc(*h, f);
        if (*h == '\n')
            fprintf(f, "%*s", HELP_COL, "");
    }
    fputc('\n', f);
}

void cli_help(const cli_command *c, FILE *f) {
    const cli_option *o;
    int headed = 0;

    fprintf(f, "usage: shmspy %s\n", c->usage);
    if (c->about != NULL)
        fprintf(f, "\n%s", c->about);
    for (o = c->options; o->arg != CLI_END; o++) {
        if (o->arg == CLI_GROUP) {
            fprintf(f, "\n%s\n", o->help);
            headed = 1;
            continue;
        }
        if (!headed) {
            fputs("\noptions:\n", f);
            headed = 1;
        }
        help_row_put(f, o);
    }
    if (!headed)
        fputs("\noptions:\n", f);
    help_row_put(f, &help_row);
    if (c->notes != NULL)
        fprintf(f, "\n%s", c->notes);
}

void cli_list_options(const cli_command *c, FILE *f) {
    static const char *const kinds[] = {"",     "flag", "num", "str",
                                        "enum", "mode", ""};
    const cli_option *o;
    char sp[64], list[256];
    size_t t;
    int k;

    for (o = c->options; o->arg != CLI_END; o++) {
        if (!is_option(o))
            continue;
        for (k = 0; k < 2; k++) {
            if ((k == 0 && o->shrt == 0) || (k == 1 && o->lng == NULL))
                continue;
            fprintf(f, "%s %s %s", c->name, spell(o, k, sp, sizeof sp),
                    o->value == CLI_V_FILE   ? "file"
                    : o->value == CLI_V_TYPE ? "type"
                                             : kinds[o->arg]);
            if (o->arg == CLI_ENUM)
                fprintf(f, " %s", choices_text(o, " ", list, sizeof list));
            if (o->value == CLI_V_TYPE)
                for (t = 0; spy_type_name(t) != NULL; t++)
                    fprintf(f, " %s", spy_type_name(t));
            fputc('\n', f);
        }
    }
}
