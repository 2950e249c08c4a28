/* cmd_list.c - `shmspy list [--json] [--kind K]`. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/capacity.h"
#include "../core/escape.h"
#include "../core/explain.h"
#include "../core/json.h"
#include "../ops/list.h"
#include "../ops/locks.h"
#include "cli.h"
#include "../backends/seg.h"
#include "../backends/demo.h"

/* What the command line asks for. */
typedef struct list_req {
    int json, flags; /* flags: SPY_LIST_* */
} list_req;

/* Mappers and holders are counted for every kind that has them: one pass
 * over every process's mappings and descriptors serves them all. */
#define COUNTS (SPY_LIST_MAPPERS | SPY_LIST_HOLDERS)
static const cli_choice list_kinds[] = {
    {"posix", SPY_LIST_POSIX | COUNTS | SPY_LIST_SEM_STATE, 0, 0},
    {"sysv", SPY_LIST_SYSV, 0, 0},
    {"win", SPY_LIST_WIN, 0, 0},
    {"memfd", SPY_LIST_MEMFD | COUNTS, 0, 0},
    {"anon", SPY_LIST_ANON | COUNTS, 0, 0},
    {"file", SPY_LIST_FILES | COUNTS, 0, 0},
    {"all", SPY_LIST_ALL | COUNTS | SPY_LIST_SEM_STATE, 0, 0},
    {NULL, 0, 0, 0}};

static const cli_option list_options[] = {
    CLI_OPT(0, "json", CLI_FLAG, offsetof(list_req, json), NULL,
            "one JSON document (fields in 'man shmspy')"),
    CLI_OPT('k', "kind", CLI_ENUM, offsetof(list_req, flags), NULL,
            "only objects of this kind (default all)", .choices = list_kinds),
    {0}};

const cli_command cmd_list_spec = {
    "list",
    "list [--json] [--kind posix|sysv|win|memfd|anon|file|all]",
    "Lists POSIX shared memory objects (/dev/shm, named semaphores shown as\n"
    "kind sem; those removed but still mapped or held as pid:PID@ADDR),\n"
    "System V segments (as ipcs -m), memfds (memfd:NAME when the name is\n"
    "unique), anonymous shared memory shared across fork (pid:PID@ADDR),\n"
    "regular files mapped shared (file:PATH) and, on Windows, named\n"
    "sections and sections without a name (handle:PID:0xH; kind anon\n"
    "when the paging file backs them, file when a file does), with size,\n"
    "mode, owner, mapping and holding processes, memfd seals and times,\n"
    "then how full /dev/shm (on Windows, the commit limit) is.\n",
    list_options,
    NULL,
    NULL,
    NULL,
    NULL};

/* A memfd's seals as an array of names ("seal", "shrink", "grow",
 * "write", "future-write"), [] when none, null when unknown or no memfd. */
static void json_row(spy_json *j, const spy_list_row *s) {
    char mode[8];
    spy_json_obj_begin(j);
    spy_json_name(j, "name", s->name);
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
    /* nattch is -1 unless exact; nattch_min is what was seen. */
    spy_json_key(j, "nattch");
    spy_json_int(j, s->nattch);
    spy_json_key(j, "nattch_exact");
    spy_json_bool(j, s->nattch >= 0);
    spy_json_key(j, "nattch_min");
    spy_json_int(j, s->nattch_min);
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
        spy_json_key(j, "status");
        spy_json_str(j, spy_sysv_status_name(s->sysv_status));
        spy_json_key(j, "cuid");
        spy_json_uint(j, s->cuid);
        spy_json_key(j, "cgid");
        spy_json_uint(j, s->cgid);
        spy_json_key(j, "dtime");
        spy_json_int(j, s->dtime);
    }
    spy_json_key(j, "removed");
    spy_json_bool(j, s->removed == 1);
    spy_json_key(j, "allocated");
    spy_json_uint(j, s->allocated);
    spy_json_key(j, "holders");
    spy_json_int(j, s->holders);
    spy_json_key(j, "holders_exact");
    spy_json_bool(j, s->holders >= 0);
    spy_json_key(j, "holders_min");
    spy_json_int(j, s->holders_min);
    if (s->origin[0] != '\0') {
        spy_json_name(j, "origin", s->origin);
    } else {
        spy_json_key(j, "origin");
        spy_json_null(j);
    }
    spy_json_key(j, "seals");
    cli_json_seals(j, s->kind == SPY_KIND_MEMFD ? s->seals : -1);
    if (s->kind == SPY_KIND_SEM) { /* value and waiters; null: unknown */
        spy_sem_report v;
        if (spy_list_row_sem(s, &v)) {
            spy_sem_report_json_members(&v, j);
        } else {
            spy_json_key(j, "sem_value");
            spy_json_null(j);
            spy_json_key(j, "sem_waiters");
            spy_json_null(j);
            spy_json_key(j, "sem_waiting");
            spy_json_null(j);
        }
    }
    if (s->problem[0] != '\0') {
        spy_json_key(j, "problem");
        spy_json_str(j, s->problem);
    }
    spy_json_obj_end(j);
}

/* Characters the name takes on screen as cli_put_name writes it
 * (escapes included; a UTF-8 sequence counts once). */
static int shown_width(const char *name) {
    static char buf[SPY_NAME_MAX * 4 + 1];
    const unsigned char *p = (const unsigned char *)buf;
    int w = 0;
    for (; name[w] != '\0'; w++) /* plain ASCII: its length, no escaping */
        if ((unsigned char)name[w] < 0x20 || (unsigned char)name[w] >= 0x7f ||
            name[w] == '\\')
            break;
    if (name[w] == '\0')
        return w;
    w = 0;
    spy_escape(name, buf, sizeof buf);
    for (; *p != '\0'; p++)
        w += (*p & 0xc0) != 0x80;
    /* cli_put_name writes the Local\ or Global\ backslash once. */
    if (strncmp(name, "Local\\", 6) == 0 || strncmp(name, "Global\\", 7) == 0)
        w--;
    return w;
}

/* The sections of the text listing, in their order. */
enum {
    G_POSIX = SPY_GROUP_POSIX,
    G_SYSV = SPY_GROUP_SYSV,
    G_WIN = SPY_GROUP_WIN,
    G_MEMFD = SPY_GROUP_MEMFD,
    G_ANON = SPY_GROUP_ANON,
    G_FILE = SPY_GROUP_FILE
};

/* The section of a row (ops/list.h's groups; a removed POSIX object is
 * shown in the POSIX section, marked). */
static int group_of(const spy_list_row *r) {
    spy_list_group g = spy_list_row_group(r);
    return (int)(g == SPY_GROUP_REMOVED ? SPY_GROUP_POSIX : g);
}

static int name_width(const spy_list *r, int group) {
    size_t i;
    int w = 4;
    for (i = 0; i < r->n; i++) {
        int l;
        if (group_of(&r->v[i]) != group)
            continue;
        l = shown_width(r->v[i].name);
        if (l > w)
            w = l;
    }
    return w > 40 ? 40 : w;
}

/* Appends s (n bytes, or strlen(s) when n is 0) left-aligned in a field
 * of width w: padded, never truncated. */
static char *put_field(char *p, const char *s, size_t n, size_t w) {
    if (n == 0)
        n = strlen(s);
    memcpy(p, s, n);
    for (p += n; n < w; n++)
        *p++ = ' ';
    return p;
}

/* Appends s right-aligned in a field of width w. */
static char *put_right(char *p, const char *s, size_t w) {
    size_t n = strlen(s);
    for (; n < w; w--)
        *p++ = ' ';
    return put_field(p, s, 0, 0);
}

/* Writes v in decimal ending just before end (a NUL goes at end - 1) and
 * returns its first digit. */
static const char *put_u64(char *end, uint64_t v) {
    char *p = end - 1;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return p;
}

static void print_posix(const spy_list *r) {
    size_t i;
    int w = name_width(r, G_POSIX);
    printf("%-*s  %-5s %12s  %-4s  %-10s %7s  %s\n", w, "NAME", "KIND", "SIZE",
           "MODE", "OWNER", "MAPPERS", "MODIFIED");
    char t[32];
    int64_t t_of = INT64_MIN;
    for (i = 0; i < r->n; i++) {
        const spy_list_row *s = &r->v[i];
        /* The row after the name, built by hand: printf's format parsing
         * was most of the user time of listing 10,000 objects. */
        char row[256], num[24], *p = row;
        size_t len = (size_t)shown_width(s->name);
        if (group_of(s) != G_POSIX)
            continue;
        if (s->mtime != t_of) {
            cli_format_time(s->mtime, t, sizeof t);
            t_of = s->mtime;
        }
        cli_put_escaped(stdout, s->name);
        p = put_field(p, "", 0, w > (int)len ? (size_t)w - len : 0);
        p = put_field(p, "  ", 2, 0);
        p = put_field(p, spy_kind_name(s->kind), 0, 5);
        p = put_field(p, " ", 1, 0);
        p = put_right(p, put_u64(num + sizeof num, s->size), 12);
        p = put_field(p, "  ", 2, 0);
        *p++ = (char)('0' + (s->mode >> 9 & 7));
        *p++ = (char)('0' + (s->mode >> 6 & 7));
        *p++ = (char)('0' + (s->mode >> 3 & 7));
        *p++ = (char)('0' + (s->mode & 7));
        p = put_field(p, "  ", 2, 0);
        p = put_field(p, s->owner, 0, 10);
        p = put_field(p, " ", 1, 0);
        p = put_right(
            p,
            s->nattch < 0
                ? spy_nattch_text(s->nattch, s->nattch_min, num, sizeof num)
                : put_u64(num + sizeof num, (uint64_t)s->nattch),
            7);
        p = put_field(p, "  ", 2, 0);
        p = put_field(p, t, 0, 0);
        fwrite(row, 1, (size_t)(p - row), stdout);
        if (s->removed == 1 && s->origin[0] != '\0') {
            /* Removed but mapped or held: named through a process. */
            fputs("  (removed: was ", stdout);
            cli_put_escaped(stdout, s->origin);
            fputc(')', stdout);
        } else if (s->problem[0] != '\0') {
            fputs("  (", stdout);
            cli_put_escaped(stdout, s->problem);
            fputc(')', stdout);
        }
        if (s->kind == SPY_KIND_SEM) {
            spy_sem_report v;
            char text[512];
            if (spy_list_row_sem(s, &v)) {
                /* Numbers and escaped commands: printed as they are. */
                spy_sem_report_text(&v, text, sizeof text);
                printf("  (%s)", text);
            }
        }
        fputc('\n', stdout);
    }
}

/* A count for a column: exact, "N+" or "?" (spy_nattch_text). */
static const char *count_text(int32_t n, int32_t min, char *buf, size_t cap) {
    return spy_nattch_text(n, n >= 0 ? n : min, buf, cap);
}

/* memfd, anonymous and file rows: named through a process or by path. */
static void print_via(const spy_list *r, int group) {
    size_t i;
    /* A file's name is its path, often long: it goes last, unpadded. */
    int w = group == G_FILE ? 0 : name_width(r, group);
    if (group != G_FILE)
        printf("%-*s ", w, "NAME");
    printf("%12s  %-10s %7s", "SIZE", "OWNER", "MAPPERS");
    if (group == G_MEMFD) /* descriptors are looked for to memfds only */
        printf(" %7s", "HOLDERS");
    if (group == G_MEMFD)
        printf("  %-24s", "SEALS");
    if (group != G_ANON)
        printf("  %s", group == G_MEMFD ? "MEMFD NAME" : "NAME");
    fputc('\n', stdout);
    for (i = 0; i < r->n; i++) {
        const spy_list_row *s = &r->v[i];
        char num[24];
        int pad;
        if (group_of(s) != group)
            continue;
        if (group != G_FILE) {
            pad = w - shown_width(s->name);
            cli_put_escaped(stdout, s->name);
            printf("%*s ", pad > 0 ? pad : 0, "");
        }
        printf("%12" PRIu64 "  ", s->size);
        cli_put_escaped(stdout, s->owner);
        pad = 10 - (int)strlen(s->owner);
        printf("%*s %7s", pad > 0 ? pad : 0, "",
               count_text(s->nattch, s->nattch_min, num, sizeof num));
        if (group == G_MEMFD)
            printf(" %7s",
                   count_text(s->holders, s->holders_min, num, sizeof num));
        if (group == G_MEMFD) {
            char seals[64];
            printf("  %-24s", spy_seals_text(s->seals, seals, sizeof seals));
        }
        if (group == G_MEMFD && s->origin[0] != '\0') {
            fputs("  ", stdout);
            cli_put_escaped(stdout, s->origin);
        } else if (group == G_FILE) {
            fputs("  ", stdout);
            cli_put_escaped(stdout, s->name);
            if (s->removed == 1 && s->origin[0] != '\0') {
                fputs("  (deleted: was ", stdout);
                cli_put_escaped(stdout, s->origin);
                fputc(')', stdout);
            }
        }
        fputc('\n', stdout);
    }
}

/* Windows sections without a name (handle:PID:0xH), anon or file: mode
 * and owner as for named sections, HOLDERS the processes holding a handle
 * to the section (what a Windows row counts in nattch and holders alike),
 * ORIGIN what backs it: "paging file" or the file's path. */
static void print_unnamed(const spy_list *r, int group) {
    size_t i;
    int w = name_width(r, group);
    printf("%-*s %12s  %-4s  %-10s %7s  %s\n", w, "NAME", "SIZE", "MODE",
           "OWNER", "HOLDERS", "ORIGIN");
    for (i = 0; i < r->n; i++) {
        const spy_list_row *s = &r->v[i];
        char num[24];
        int pad;
        if (group_of(s) != group)
            continue;
        pad = w - shown_width(s->name);
        cli_put_escaped(stdout, s->name);
        printf("%*s %12" PRIu64 "  %04o  ", pad > 0 ? pad : 0, "", s->size,
               (unsigned)(s->mode & 07777));
        cli_put_escaped(stdout, s->owner);
        pad = 10 - (int)strlen(s->owner);
        printf("%*s %7s  ", pad > 0 ? pad : 0, "",
               count_text(s->holders, s->holders_min, num, sizeof num));
        cli_put_escaped(stdout, s->origin[0] != '\0' ? s->origin : "?");
        if (s->problem[0] != '\0') {
            fputs("  (", stdout);
            cli_put_escaped(stdout, s->problem);
            fputc(')', stdout);
        }
        fputc('\n', stdout);
    }
}

/* "/dev/shm: 12.0 MiB used of 3.9 GiB (0%), 3.9 GiB free". */
static void print_capacity(const spy_capacity *c) {
    char used[32], total[32], avail[32];
    spy_human_size(c->used, used, sizeof used);
    spy_human_size(c->total, total, sizeof total);
    spy_human_size(c->avail, avail, sizeof avail);
    printf("%s: %s used of %s (%d%%), %s free\n", c->where, used, total,
           c->total > 0 ? (int)((c->used * 100 + c->total / 2) / c->total) : 0,
           avail);
}

static void print_sysv(const spy_list *r) {
    size_t i;
    printf("%-10s  %-10s %-10s %-5s %12s %7s %8s %8s  %s\n", "KEY", "SHMID",
           "OWNER", "PERMS", "BYTES", "NATTCH", "CPID", "LPID", "STATUS");
    for (i = 0; i < r->n; i++) {
        const spy_list_row *s = &r->v[i];
        if (s->kind != SPY_KIND_SYSV)
            continue;
        const char *st = spy_sysv_status_name(s->sysv_status);
        /* STATUS as lsipc writes it (dest, locked, dest,locked); a
         * segment marked dest has lost its key (IPC_PRIVATE, 0). */
        printf("0x%08" PRIx32 "  %-10d %-10s %-5o %12" PRIu64
               " %7d %8d %8d%s%s\n",
               (uint32_t)s->key, (int)s->shmid, s->owner, (unsigned)s->mode,
               s->size, (int)s->nattch, (int)s->cpid, (int)s->lpid,
               st[0] != '\0' ? "  " : "", st);
    }
}

/* Sections: HANDLES counts those of other processes (stat names them). */
static void print_win(const spy_list *r) {
    size_t i;
    printf("%-40s %12s  %-4s  %-10s %7s\n", "NAME", "SIZE", "MODE", "OWNER",
           "HANDLES");
    for (i = 0; i < r->n; i++) {
        const spy_list_row *s = &r->v[i];
        int pad;
        if (s->kind != SPY_KIND_WIN_SECTION)
            continue;
        pad = 40 - shown_width(s->name);
        cli_put_name(stdout, s->name);
        printf("%*s %12" PRIu64 "  %04o  ", pad > 0 ? pad : 0, "", s->size,
               (unsigned)(s->mode & 07777));
        cli_put_escaped(stdout, s->owner);
        printf("%*s ",
               10 - (int)strlen(s->owner) > 0 ? 10 - (int)strlen(s->owner) : 0,
               "");
        {
            char num[16];
            printf("%7s",
                   spy_nattch_text(s->nattch, s->nattch_min, num, sizeof num));
        }
        if (s->problem[0] != '\0') {
            fputs("  (", stdout);
            cli_put_escaped(stdout, s->problem);
            fputc(')', stdout);
        }
        fputc('\n', stdout);
    }
}

static size_t count_group(const spy_list *r, int group) {
    size_t i, n = 0;
    for (i = 0; i < r->n; i++)
        n += group_of(&r->v[i]) == group;
    return n;
}

int cmd_list(int argc, char **argv) {
    list_req q = {0, SPY_LIST_ALL | COUNTS | SPY_LIST_SEM_STATE};
    int json, rc, have_cap;
    spy_capacity cap;
    unsigned flags;
    spy_list rows;
    spy_err e;

    if (!cli_parse(&cmd_list_spec, argc, argv, &q, &rc))
        return rc;
    json = q.json;
    flags = (unsigned)q.flags;

    /* 10,000 rows are about 1 MiB of text: 64 KiB writes, not 4 KiB. */
    setvbuf(stdout, NULL, _IOFBF, 64 * 1024);
    if (spy_list_gather(flags, &rows, &e) != 0) {
        spy_list_free(&rows);
        return cli_fail(&e);
    }
    spy_list_sort(&rows, SPY_ORDER_NAME, 0);
    have_cap = spy_shm_capacity(&cap, NULL) == 0;

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
        /* How full the memory behind shared memory is (null: unknown). */
        spy_json_key(&j, "capacity");
        if (have_cap) {
            spy_json_obj_begin(&j);
            spy_json_key(&j, "where");
            spy_json_str(&j, cap.where);
            spy_json_key(&j, "total");
            spy_json_uint(&j, cap.total);
            spy_json_key(&j, "used");
            spy_json_uint(&j, cap.used);
            spy_json_key(&j, "avail");
            spy_json_uint(&j, cap.avail);
            spy_json_obj_end(&j);
        } else {
            spy_json_null(&j);
        }
        spy_json_obj_end(&j);
        spy_json_end(&j);
    } else {
        int first = 1, win = spy_platform_get() == SPY_PLATFORM_WINDOWS;
        /* Windows has neither POSIX objects nor System V segments: say
         * nothing of them unless asked for by --kind. */
        if (win && (flags & SPY_LIST_ALL) == SPY_LIST_ALL)
            flags &= ~(unsigned)(SPY_LIST_POSIX | SPY_LIST_SYSV);
        if ((flags & SPY_LIST_POSIX) != 0) {
            printf("POSIX shared memory (%zu)\n", count_group(&rows, G_POSIX));
            print_posix(&rows);
            first = 0;
        }
        if ((flags & SPY_LIST_SYSV) != 0 && count_group(&rows, G_SYSV) > 0) {
            printf("%sSystem V shared memory (%zu)\n", first ? "" : "\n",
                   count_group(&rows, G_SYSV));
            print_sysv(&rows);
            first = 0;
        } else if ((flags & SPY_LIST_SYSV) != 0) {
            printf("%sSystem V shared memory (0)\n", first ? "" : "\n");
            first = 0;
        }
        /* On Windows the named sections' table is there unless --kind
         * asked for other kinds only. */
        if (count_group(&rows, G_WIN) > 0 ||
            (win && (flags & SPY_LIST_WIN) != 0)) {
            printf("%sNamed sections (%zu)\n", first ? "" : "\n",
                   count_group(&rows, G_WIN));
            print_win(&rows);
            first = 0;
        }
        {
            static const struct {
                int group;
                unsigned flag;
                const char *title;
            } via[] = {{G_MEMFD, SPY_LIST_MEMFD, "memfd"},
                       {G_ANON, SPY_LIST_ANON, "Anonymous shared memory"},
                       {G_FILE, SPY_LIST_FILES, "Files mapped shared"}};
            size_t k;
            for (k = 0; k < sizeof via / sizeof via[0]; k++) {
                size_t n = count_group(&rows, via[k].group);
                /* Windows has no memfds: not announced there unless some
                 * row is one. Its anon and file rows are sections without
                 * a name (handle:PID:0xH), in tables of their own. */
                if (win && via[k].group != G_MEMFD) {
                    if (!(flags & via[k].flag) && n == 0)
                        continue;
                    printf("%sUnnamed sections, %s (%zu)\n", first ? "" : "\n",
                           via[k].group == G_ANON ? "backed by the paging file"
                                                  : "backed by a file",
                           n);
                    if (n > 0)
                        print_unnamed(&rows, via[k].group);
                    first = 0;
                    continue;
                }
                if (n == 0 && (!(flags & via[k].flag) || win))
                    continue;
                printf("%s%s (%zu)\n", first ? "" : "\n", via[k].title, n);
                if (n > 0)
                    print_via(&rows, via[k].group);
                first = 0;
            }
        }
        if (have_cap) {
            printf("%s", first ? "" : "\n");
            print_capacity(&cap);
        }
    }
    spy_list_free(&rows);
    rc = cli_finish_stdout();
    return rc;
}
