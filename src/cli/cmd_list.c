/* cmd_list.c - `shmspy list [--json] [--kind K]`. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../json.h"
#include "cli.h"

static const char list_usage[] =
    "usage: shmspy list [--json] [--kind posix|sysv|win|all]\n"
    "\n"
    "Lists POSIX shared memory objects (/dev/shm, named semaphores shown as\n"
    "kind sem), System V segments (as ipcs -m) and, on Windows, named\n"
    "sections, with size, mode, owner, mapping processes and times.\n"
    "  --json      one JSON document (fields in 'man shmspy')\n"
    "  --kind K    only objects of kind K (default all)\n";

typedef struct list_rows {
    spy_seg_info *v;
    size_t n, cap;
} list_rows;

static int collect(const spy_seg_info *info, void *arg) {
    list_rows *r = arg;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        spy_seg_info *v = realloc(r->v, cap * sizeof *v);
        if (v == NULL)
            return 1;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = *info;
    return 0;
}

static int by_name(const void *a, const void *b) {
    const spy_seg_info *x = a, *y = b;
    if (x->kind == SPY_KIND_SYSV && y->kind == SPY_KIND_SYSV)
        return (x->shmid > y->shmid) - (x->shmid < y->shmid);
    return strcmp(x->name, y->name);
}

static void json_row(spy_json *j, const spy_seg_info *s) {
    char mode[8];
    spy_json_obj_begin(j);
    spy_json_key(j, "name");
    spy_json_str(j, s->name);
    spy_json_key(j, "kind");
    spy_json_str(j, spy_kind_name(s->kind));
    spy_json_key(j, "size");
    spy_json_uint(j, s->size);
    spy_json_key(j, "mode");
    snprintf(mode, sizeof mode, "%04o", (unsigned)(s->mode & 07777));
    spy_json_str(j, mode);
    spy_json_key(j, "uid");
    spy_json_uint(j, s->uid);
    spy_json_key(j, "owner");
    spy_json_str(j, s->owner);
    spy_json_key(j, "gid");
    spy_json_uint(j, s->gid);
    spy_json_key(j, "group");
    spy_json_str(j, s->group);
    spy_json_key(j, "nattch");
    spy_json_int(j, s->nattch);
    spy_json_key(j, "atime");
    spy_json_int(j, s->atime);
    spy_json_key(j, "mtime");
    spy_json_int(j, s->mtime);
    spy_json_key(j, "ctime");
    spy_json_int(j, s->ctime);
    if (s->kind == SPY_KIND_SYSV) {
        char key[16];
        snprintf(key, sizeof key, "0x%08" PRIx32, (uint32_t)s->key);
        spy_json_key(j, "key");
        spy_json_str(j, key);
        spy_json_key(j, "shmid");
        spy_json_int(j, s->shmid);
        spy_json_key(j, "cpid");
        spy_json_int(j, s->cpid);
        spy_json_key(j, "lpid");
        spy_json_int(j, s->lpid);
    }
    if (s->problem[0] != '\0') {
        spy_json_key(j, "problem");
        spy_json_str(j, s->problem);
    }
    spy_json_obj_end(j);
}

static int name_width(const list_rows *r, spy_kind want_sysv) {
    size_t i;
    int w = 4;
    for (i = 0; i < r->n; i++) {
        int l = (int)strlen(r->v[i].name);
        if ((r->v[i].kind == SPY_KIND_SYSV) == (want_sysv == SPY_KIND_SYSV) &&
            l > w)
            w = l;
    }
    return w > 40 ? 40 : w;
}

static void print_posix(const list_rows *r) {
    size_t i;
    int w = name_width(r, SPY_KIND_POSIX);
    printf("%-*s  %-5s %12s  %-4s  %-10s %7s  %s\n", w, "NAME", "KIND", "SIZE",
           "MODE", "OWNER", "MAPPERS", "MODIFIED");
    for (i = 0; i < r->n; i++) {
        const spy_seg_info *s = &r->v[i];
        char t[32], nat[16];
        int pad;
        if (s->kind == SPY_KIND_SYSV || s->kind == SPY_KIND_WIN_SECTION)
            continue;
        cli_format_time(s->mtime, t, sizeof t);
        if (s->nattch < 0)
            snprintf(nat, sizeof nat, "?");
        else
            snprintf(nat, sizeof nat, "%d", (int)s->nattch);
        cli_put_escaped(stdout, s->name);
        pad = w - (int)strlen(s->name);
        printf("%*s  %-5s %12" PRIu64 "  %04o  %-10s %7s  %s",
               pad > 0 ? pad : 0, "", spy_kind_name(s->kind), s->size,
               (unsigned)s->mode, s->owner, nat, t);
        if (s->problem[0] != '\0') {
            fputs("  (", stdout);
            cli_put_escaped(stdout, s->problem);
            fputc(')', stdout);
        }
        fputc('\n', stdout);
    }
}

static void print_sysv(const list_rows *r) {
    size_t i;
    printf("%-10s  %-10s %-10s %-5s %12s %7s %8s %8s\n", "KEY", "SHMID",
           "OWNER", "PERMS", "BYTES", "NATTCH", "CPID", "LPID");
    for (i = 0; i < r->n; i++) {
        const spy_seg_info *s = &r->v[i];
        if (s->kind != SPY_KIND_SYSV)
            continue;
        printf("0x%08" PRIx32 "  %-10d %-10s %-5o %12" PRIu64 " %7d %8d %8d\n",
               (uint32_t)s->key, (int)s->shmid, s->owner, (unsigned)s->mode,
               s->size, (int)s->nattch, (int)s->cpid, (int)s->lpid);
    }
}

static void print_win(const list_rows *r) {
    size_t i;
    printf("%-40s %12s\n", "NAME", "SIZE");
    for (i = 0; i < r->n; i++) {
        const spy_seg_info *s = &r->v[i];
        if (s->kind != SPY_KIND_WIN_SECTION)
            continue;
        cli_put_escaped(stdout, s->name);
        printf(" %12" PRIu64 "\n", s->size);
    }
}

static size_t count_kind(const list_rows *r, int sysv, int win) {
    size_t i, n = 0;
    for (i = 0; i < r->n; i++) {
        int is_sysv = r->v[i].kind == SPY_KIND_SYSV;
        int is_win = r->v[i].kind == SPY_KIND_WIN_SECTION;
        if (is_sysv == sysv && is_win == win)
            n++;
    }
    return n;
}

int cmd_list(int argc, char **argv) {
    static const cli_opt opts[] = {{"json", 0, 0, 1},
                                   {"kind", 'k', 1, 2},
                                   {"help", 'h', 0, 3},
                                   {NULL, 0, 0, 0}};
    cli_args a;
    const char *val;
    int id, json = 0, rc;
    unsigned flags = SPY_LIST_ALL | SPY_LIST_MAPPERS;
    list_rows rows = {NULL, 0, 0};
    spy_err e;

    cli_args_init(&a, "list", argc, argv);
    while ((id = cli_args_next(&a, opts, &val)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return SPY_EXIT_USAGE;
        case CLI_POS:
            return cli_usage_error("list", "unexpected argument '%s'", val);
        case 1:
            json = 1;
            break;
        case 2:
            if (strcmp(val, "posix") == 0)
                flags = SPY_LIST_POSIX | SPY_LIST_MAPPERS;
            else if (strcmp(val, "sysv") == 0)
                flags = SPY_LIST_SYSV;
            else if (strcmp(val, "win") == 0)
                flags = SPY_LIST_WIN;
            else if (strcmp(val, "all") == 0)
                flags = SPY_LIST_ALL | SPY_LIST_MAPPERS;
            else
                return cli_usage_error(
                    "list", "--kind: '%s' is not one of posix, sysv, win, all",
                    val);
            break;
        case 3:
            fputs(list_usage, stdout);
            return cli_finish_stdout();
        }
    }

    if (spy_backend_list(flags, collect, &rows, &e) != 0) {
        free(rows.v);
        if (json)
            cli_json_error(&e);
        return cli_fail(&e);
    }
    if (rows.n > 1)
        qsort(rows.v, rows.n, sizeof rows.v[0], by_name);

    if (json) {
        spy_json j;
        size_t i;
        spy_json_init(&j, stdout, 1);
        spy_json_obj_begin(&j);
        spy_json_key(&j, "segments");
        spy_json_arr_begin(&j);
        for (i = 0; i < rows.n; i++)
            json_row(&j, &rows.v[i]);
        spy_json_arr_end(&j);
        spy_json_obj_end(&j);
        spy_json_end(&j);
    } else {
        int first = 1;
        if ((flags & SPY_LIST_POSIX) != 0) {
            printf("POSIX shared memory (%zu)\n", count_kind(&rows, 0, 0));
            print_posix(&rows);
            first = 0;
        }
        if ((flags & SPY_LIST_SYSV) != 0 && count_kind(&rows, 1, 0) > 0) {
            printf("%sSystem V shared memory (%zu)\n", first ? "" : "\n",
                   count_kind(&rows, 1, 0));
            print_sysv(&rows);
            first = 0;
        } else if ((flags & SPY_LIST_SYSV) != 0) {
            printf("%sSystem V shared memory (0)\n", first ? "" : "\n");
            first = 0;
        }
        if (count_kind(&rows, 0, 1) > 0) {
            printf("%sNamed sections (%zu)\n", first ? "" : "\n",
                   count_kind(&rows, 0, 1));
            print_win(&rows);
        }
    }
    free(rows.v);
    rc = cli_finish_stdout();
    return rc;
}
