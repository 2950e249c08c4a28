/* cmd_stat.c - `shmspy stat NAME [--json]`: metadata, size explanation,
 * how the bytes are reached, every process mapping the object and every
 * descriptor held to it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../core/sizecheck.h"
#include "../ops/capacity.h"
#include "../ops/locks.h"
#include "cli.h"
#include "../backends/seg.h"
#include "../backends/demo.h"
#include "../backends/layoutsrc.h"
#include "../backends/mappers.h"
#include "../backends/process.h"

/* What the command line asks for. */
typedef struct stat_req {
    const char *name_text;
    int json;
} stat_req;

static const cli_option stat_options[] = {
    CLI_OPT(0, "json", CLI_FLAG, offsetof(stat_req, json), NULL,
            "one JSON document (fields in 'man shmspy')"),
    {0}};

static const cli_pos stat_args[] = {{"NAME", offsetof(stat_req, name_text),
                                     CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
                                    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_stat_spec = {
    "stat",
    "stat NAME [--json]",
    "Shows size (fstat / IPC_STAT), mode, owner, times and identity of NAME,\n"
    "how its bytes are reached (access), a memfd's seals, what it was or\n"
    "is called (origin), every process that maps it (pid, command, address\n"
    "range, permissions) and every descriptor held to it (holders),\n"
    "and explains size problems: never-sized objects, page rounding,\n"
    "mappings longer than the object (SIGBUS).\n",
    stat_options,
    stat_args,
    NULL,
    NULL,
    NULL};

/* A named semaphore's value and waiters (sem_read 1 when it was read). */
static spy_sem_report sem;
static int sem_read;

typedef struct mapper_list {
    spy_mapper *v;
    size_t n, cap;
    int oom;
} mapper_list;

static int collect_mapper(const spy_mapper *m, void *arg) {
    mapper_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        spy_mapper *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            l->oom = 1;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *m;
    return 0;
}

/* Fallback when the object cannot be opened (e.g. mode 0000 of another
 * user): its directory entry still tells size, mode and owner. */
typedef struct find_ctx {
    const char *name;
    spy_seg_info *out;
    int found;
} find_ctx;

static int find_entry(const spy_seg_info *info, void *arg) {
    find_ctx *f = arg;
    if (strcmp(info->name, f->name) == 0) {
        *f->out = *info;
        f->found = 1;
        return 1;
    }
    return 0;
}

typedef struct note_ctx {
    spy_json *json; /* NULL: print text */
    int count;
} note_ctx;

static void print_note(spy_note_level level, const char *text, void *arg) {
    note_ctx *c = arg;
    if (c->json != NULL) {
        spy_json_obj_begin(c->json);
        spy_json_key(c->json, "level");
        spy_json_str(c->json, level == SPY_NOTE_WARN ? "warning" : "info");
        spy_json_key(c->json, "text");
        spy_json_str(c->json, text);
        spy_json_obj_end(c->json);
    } else {
        if (c->count == 0)
            fputs("\nnotes:\n", stdout);
        printf("  %s %s\n", level == SPY_NOTE_WARN ? "warning:" : "-", text);
    }
    c->count++;
}

static size_t distinct_pids(const mapper_list *m) {
    size_t i, j, n = 0;
    for (i = 0; i < m->n; i++) {
        for (j = 0; j < i; j++)
            if (m->v[j].pid == m->v[i].pid)
                break;
        if (j == i)
            n++;
    }
    return n;
}

/* Windows sections: what NtQuerySection and VirtualQuery say, side by
 * side (the backend fills these fields only there). */
static void print_section(const spy_seg_info *s, uint64_t page) {
    if (s->win_section[0] != '\0')
        printf("section:   MaximumSize %" PRIu64
               " bytes (NtQuerySection), %s\n",
               s->win_max_size, s->win_section);
    if (s->win_region[0] != '\0') {
        printf("view:      RegionSize %" PRIu64 " bytes (VirtualQuery), %s\n",
               s->win_region_size, s->win_region);
        if (s->win_max_size != 0 && s->win_region_size > s->win_max_size)
            printf("           a view covers whole pages of %" PRIu64
                   " bytes: its last %" PRIu64 " bytes are not part of the "
                   "section and read as zero\n",
                   page, s->win_region_size - s->win_max_size);
    }
    if (s->win_handles > 0)
        printf("handles:   %d open (shmspy's own included)\n",
               (int)s->win_handles);
}

/* The word for how the bytes are read, as JSON "access.via". */
static const char *access_via(spy_access_kind k) {
    switch (k) {
    case SPY_ACCESS_DESCRIPTOR:
        return "descriptor";
    case SPY_ACCESS_VIEW:
        return "view";
    case SPY_ACCESS_PROCESS:
        return "process";
    case SPY_ACCESS_ATTACH_EACH:
        return "attach_each";
    case SPY_ACCESS_ATTACHED:
        return "attached";
    case SPY_ACCESS_HOLDER_FD:
        return "holder_fd";
    case SPY_ACCESS_MAP_FILES:
        return "map_files";
    default:
        return "none";
    }
}

static void print_access_json(spy_json *j, const spy_access *a) {
    spy_json_key(j, "access");
    spy_json_obj_begin(j);
    spy_json_key(j, "via");
    spy_json_str(j, access_via(a->kind));
    if (a->kind == SPY_ACCESS_PROCESS || a->kind == SPY_ACCESS_HOLDER_FD ||
        a->kind == SPY_ACCESS_MAP_FILES) {
        spy_json_key(j, "pid");
        spy_json_int(j, a->pid);
        spy_json_key(j, "comm");
        spy_json_str(j, a->comm);
        spy_json_key(j, "address");
        spy_json_uint(j, a->addr);
        if (a->kind == SPY_ACCESS_HOLDER_FD) {
            spy_json_key(j, "fd");
            spy_json_int(j, a->fd);
        }
    }
    spy_json_key(j, "text");
    spy_json_str(j, a->text);
    spy_json_obj_end(j);
}

/* Memory named through a process: its seals (memfd) and what it is or
 * was called where that is not its name. */
static void print_via_text(const spy_seg_info *s) {
    char seals[48];
    if (s->seals >= 0)
        printf("seals:     %s\n",
               spy_seals_text(s->seals, seals, sizeof seals));
    if (s->origin[0] != '\0') {
        fputs("origin:    ", stdout);
        cli_put_escaped(stdout, s->origin);
        fputs(s->kind == SPY_KIND_MEMFD ? " (the memfd's name)"
              : s->removed == 1         ? " (removed: the name no longer "
                                          "leads to it)"
                                        : "",
              stdout);
        fputc('\n', stdout);
    }
}

/* Processes holding a descriptor of it (spy_holders): mapping it or not,
 * the usual shape of a leak. hidden < 0: not looked for. */
static void print_holders_text(const mapper_list *h, int hidden) {
    size_t i;
    if (hidden < 0)
        return;
    if (hidden > 0 && h->n == 0) {
        printf("\nholders:   ? (none seen; processes that could not be "
               "inspected may hold it)\n");
        return;
    }
    printf("\nholders:   %s%zu descriptor%s\n", hidden > 0 ? "at least " : "",
           h->n, h->n == 1 ? "" : "s");
    if (h->n == 0)
        return;
    printf("  %-8s %-16s %s\n", "PID", "COMMAND", "FD");
    for (i = 0; i < h->n; i++) {
        const spy_mapper *p = &h->v[i];
        int pad = 16 - (int)strlen(p->comm);
        printf("  %-8d ", (int)p->pid);
        cli_put_escaped(stdout, p->comm);
        printf("%*s %d\n", pad > 0 ? pad : 0, "", (int)p->fd);
    }
}

static void print_holders_json(spy_json *j, const mapper_list *h, int hidden) {
    size_t i;
    spy_json_key(j, "holders");
    if (hidden < 0) {
        spy_json_null(j);
        return;
    }
    spy_json_arr_begin(j);
    for (i = 0; i < h->n; i++) {
        spy_json_obj_begin(j);
        spy_json_key(j, "pid");
        spy_json_int(j, h->v[i].pid);
        spy_json_key(j, "comm");
        spy_json_str(j, h->v[i].comm);
        spy_json_key(j, "fd");
        spy_json_int(j, h->v[i].fd);
        spy_json_obj_end(j);
    }
    spy_json_arr_end(j);
}

static void print_via_json(spy_json *j, const spy_seg_info *s) {
    spy_json_key(j, "seals");
    cli_json_seals(j, s->kind == SPY_KIND_MEMFD ? s->seals : -1);
    spy_json_key(j, "origin");
    if (s->origin[0] != '\0')
        spy_json_str(j, s->origin);
    else
        spy_json_null(j);
}

/* The STATUS of ipcs -m and lsipc -m, with what each word means. */
static void print_sysv_status(uint32_t status) {
    printf("status:    %s", status == 0 ? "-" : spy_sysv_status_name(status));
    if (status & SPY_SYSV_DEST)
        fputs(" (marked for removal: it goes when the last process "
              "detaches)",
              stdout);
    if (status & SPY_SYSV_LOCKED)
        fputs(" (locked in memory: SHM_LOCK)", stdout);
    fputc('\n', stdout);
}

/* The capacity warning (ops/capacity.h): a line under the size, or the
 * "holes" and "capacity_warning" members when j is set. */
static void print_capacity(const spy_seg_info *s, spy_json *j) {
    spy_capacity_check c;
    char line[256];
    spy_capacity_check_now(s, &c);
    if (c.warn)
        spy_capacity_warning(&c, line, sizeof line);
    if (j == NULL) {
        if (c.warn)
            printf("warning:   %s\n", line);
        return;
    }
    if (!c.known)
        return;
    spy_json_key(j, "holes");
    spy_json_uint(j, c.holes);
    spy_json_key(j, "capacity_warning");
    if (c.warn)
        spy_json_str(j, line);
    else
        spy_json_null(j);
}

static void print_text(const spy_seg_info *s, const mapper_list *m, int hidden,
                       const char *opened_note, const spy_access *acc,
                       const mapper_list *h, int hhidden) {
    char t[48], perms[10];
    uint64_t page = spy_page_size();
    size_t i;
    note_ctx nc = {NULL, 0};

    fputs("name:      ", stdout);
    cli_put_name(stdout, s->name);
    if (s->link[0] != '\0') {
        fputs("\nlink:      ", stdout);
        cli_put_escaped(stdout, s->link);
        fputs(" (a symbolic link, followed)", stdout);
    }
    printf("\nkind:      %s\n", spy_kind_name(s->kind));
    printf("size:      %" PRIu64 " bytes", s->size);
    if (page != 0 && s->size != 0)
        printf(" (%" PRIu64 " page%s of %" PRIu64 ")",
               (s->size + page - 1) / page,
               (s->size + page - 1) / page == 1 ? "" : "s", page);
    fputc('\n', stdout);
    print_capacity(s, NULL);
    cli_format_perms(s->mode, perms);
    printf("mode:      %04o (%s)\n", (unsigned)(s->mode & 07777), perms);
    printf("owner:     %s (uid %u), group %s (gid %u)\n", s->owner,
           (unsigned)s->uid, s->group, (unsigned)s->gid);
    if (s->kind == SPY_KIND_SYSV) {
        printf("key:       0x%08" PRIx32 "%s\n", (uint32_t)s->key,
               (s->sysv_status & SPY_SYSV_DEST)
                   ? " (IPC_PRIVATE since it was marked for removal)"
                   : "");
        printf("shmid:     %d\n", (int)s->shmid);
        print_sysv_status(s->sysv_status);
        printf("creator:   pid %d, uid %u (%s), gid %u (%s)\n", (int)s->cpid,
               (unsigned)s->cuid, s->cowner, (unsigned)s->cgid, s->cgroup);
        printf("last pid:  %d (last attach or detach)\n", (int)s->lpid);
        printf("nattch:    %d (kernel count)\n", (int)s->nattch);
    } else if (s->kind != SPY_KIND_WIN_SECTION) {
        printf("identity:  device %" PRIu64 ", inode %" PRIu64 "\n", s->dev,
               s->ino);
    }
    if (sem_read) { /* numbers and escaped commands only */
        char text[512];
        spy_sem_report_text(&sem, text, sizeof text);
        printf("semaphore: %s\n", text);
    }
    print_section(s, page);
    if (s->kind == SPY_KIND_SYSV) {
        /* ipcs -t's three times; 0 is "never" (ipcs: "Not set"). */
        cli_format_time(s->atime, t, sizeof t);
        printf("attached:  %s\n",
               s->atime == 0 ? "never (no process has attached it)" : t);
        cli_format_time(s->dtime, t, sizeof t);
        printf("detached:  %s\n", s->dtime == 0 ? "never" : t);
    } else {
        cli_format_time(s->mtime, t, sizeof t);
        printf("modified:  %s\n", t);
        cli_format_time(s->atime, t, sizeof t);
        printf("accessed:  %s\n", t);
    }
    cli_format_time(s->ctime, t, sizeof t);
    printf("changed:   %s\n", t);
    if (opened_note != NULL)
        printf("note:      %s\n", opened_note);
    if (acc != NULL) {
        /* The text holds a command name, which may hold anything. */
        fputs("access:    ", stdout);
        cli_put_escaped(stdout, acc->text);
        fputc('\n', stdout);
    }
    print_via_text(s);

    /* On Windows the rows are handles to the section (win32_mappers.c). */
    /* Processes that could not be inspected may map it too: then the
     * count is a lower bound, and none seen is "?", never 0. */
    if (hidden != 0 && m->n == 0)
        printf("\nmappers:   ? (none seen; processes that could not be "
               "inspected may %s it)\n",
               s->kind == SPY_KIND_WIN_SECTION ? "hold" : "map");
    else
        printf("\nmappers:   %s%zu process%s, %zu %s%s\n",
               hidden != 0 ? "at least " : "", distinct_pids(m),
               distinct_pids(m) == 1 ? "" : "es", m->n,
               s->kind == SPY_KIND_WIN_SECTION ? "handle" : "mapping",
               m->n == 1 ? "" : "s");
    if (m->n > 0) {
        printf("  %-8s %-16s %-37s %-5s %-8s %-5s %s\n", "PID", "COMMAND",
               "ADDRESS RANGE", "PERMS", "OFFSET", "DEBUG", "TITLE");
        for (i = 0; i < m->n; i++) {
            char range[64];
            const spy_mapper *p = &m->v[i];
            if (p->handle_only) /* Windows: a handle, views not known */
                snprintf(range, sizeof range, "handle 0x%" PRIx64, p->handle);
            else
                snprintf(range, sizeof range, "0x%" PRIx64 "-0x%" PRIx64,
                         p->start, p->end);
            printf("  %-8d ", (int)p->pid);
            cli_put_escaped(stdout, p->comm);
            printf("%*s %-37s %-5s ",
                   (int)(16 - strlen(p->comm)) > 0 ? (int)(16 - strlen(p->comm))
                                                   : 0,
                   "", range, p->perms);
            {
                char off[24];
                if (p->handle_only)
                    snprintf(off, sizeof off, "-");
                else
                    snprintf(off, sizeof off, "%" PRIu64, p->offset);
                printf("%-8s ", off);
            }
            /* Whether its executable carries DWARF (--type T --from PID
             * can read its structs); "-" where that is not known. */
            {
                int dbg = spy_layout_pid_has_debug((int)p->pid, NULL);
                printf("%-5s ", dbg < 0 ? "-" : dbg ? "yes" : "no");
            }
            /* The title is the process's own text: escaped. */
            cli_put_escaped(stdout, p->title[0] != '\0' ? p->title : "-");
            printf("%s\n", p->deleted == 1 ? "  (name removed)" : "");
        }
    }
    if (hidden > 0)
        printf("  (%d other process%s could not be inspected: permission "
               "denied)\n",
               hidden, hidden == 1 ? "" : "es");
    if (s->kind == SPY_KIND_WIN_SECTION && hidden >= 0)
        printf("  (processes holding a handle, shmspy apart; one that mapped "
               "a view and closed its handle cannot be seen)\n");
    if (s->kind != SPY_KIND_WIN_SECTION)
        print_holders_text(h, hhidden);
    spy_sizecheck(s, page, m->v, m->n, print_note, &nc);
}

static void print_json(const spy_seg_info *s, const mapper_list *m, int hidden,
                       const char *opened_note, const spy_access *acc,
                       const mapper_list *h, int hhidden) {
    spy_json j;
    char mode[8];
    size_t i;
    note_ctx nc;

    spy_json_init(&j, stdout, 1);
    spy_json_obj_begin(&j);
    spy_json_name(&j, "name", s->name);
    if (s->link[0] != '\0')
        spy_json_name(&j, "link", s->link);
    spy_json_key(&j, "kind");
    spy_json_str(&j, spy_kind_name(s->kind));
    spy_json_key(&j, "size");
    spy_json_uint(&j, s->size);
    spy_json_key(&j, "page_size");
    spy_json_uint(&j, spy_page_size());
    print_capacity(s, &j);
    spy_json_key(&j, "mode");
    snprintf(mode, sizeof mode, "%04o", (unsigned)(s->mode & 07777));
    spy_json_str(&j, mode);
    spy_json_key(&j, "uid");
    spy_json_uint(&j, s->uid);
    spy_json_key(&j, "owner");
    spy_json_str(&j, s->owner);
    spy_json_key(&j, "gid");
    spy_json_uint(&j, s->gid);
    spy_json_key(&j, "group");
    spy_json_str(&j, s->group);
    spy_json_key(&j, "atime");
    spy_json_int(&j, s->atime);
    spy_json_key(&j, "mtime");
    spy_json_int(&j, s->mtime);
    spy_json_key(&j, "ctime");
    spy_json_int(&j, s->ctime);
    spy_json_key(&j, "dev");
    spy_json_uint(&j, s->dev);
    spy_json_key(&j, "ino");
    spy_json_uint(&j, s->ino);
    /* The kernel's count for System V; otherwise the processes seen,
     * exact only when none was hidden (nattch -1 then, as in list). */
    {
        int exact = s->kind == SPY_KIND_SYSV ? s->nattch >= 0 : hidden == 0;
        int64_t seen = s->kind == SPY_KIND_SYSV && s->nattch >= 0
                           ? s->nattch
                           : (int64_t)distinct_pids(m);
        spy_json_key(&j, "nattch");
        spy_json_int(&j, exact ? seen : -1);
        spy_json_key(&j, "nattch_exact");
        spy_json_bool(&j, exact);
        spy_json_key(&j, "nattch_min");
        spy_json_int(&j, seen);
    }
    spy_json_key(&j, "removed");
    if (s->removed < 0)
        spy_json_null(&j);
    else
        spy_json_bool(&j, s->removed);
    if (sem_read)
        spy_sem_report_json_members(&sem, &j);
    if (s->kind == SPY_KIND_SYSV) {
        char key[16];
        snprintf(key, sizeof key, "0x%08" PRIx32, (uint32_t)s->key);
        spy_json_key(&j, "key");
        spy_json_str(&j, key);
        spy_json_key(&j, "shmid");
        spy_json_int(&j, s->shmid);
        spy_json_key(&j, "cpid");
        spy_json_int(&j, s->cpid);
        spy_json_key(&j, "lpid");
        spy_json_int(&j, s->lpid);
        spy_json_key(&j, "status");
        spy_json_str(&j, spy_sysv_status_name(s->sysv_status));
        spy_json_key(&j, "cuid");
        spy_json_uint(&j, s->cuid);
        spy_json_key(&j, "cowner");
        spy_json_str(&j, s->cowner);
        spy_json_key(&j, "cgid");
        spy_json_uint(&j, s->cgid);
        spy_json_key(&j, "cgroup");
        spy_json_str(&j, s->cgroup);
        spy_json_key(&j, "dtime");
        spy_json_int(&j, s->dtime);
    }
    if (s->win_section[0] != '\0') {
        spy_json_key(&j, "section_max_size");
        spy_json_uint(&j, s->win_max_size);
        spy_json_key(&j, "section_attributes");
        spy_json_str(&j, s->win_section);
    }
    if (s->win_region[0] != '\0') {
        spy_json_key(&j, "region_size");
        spy_json_uint(&j, s->win_region_size);
        spy_json_key(&j, "region");
        spy_json_str(&j, s->win_region);
    }
    if (s->win_handles > 0) {
        spy_json_key(&j, "handles");
        spy_json_int(&j, s->win_handles);
    }
    if (opened_note != NULL) {
        spy_json_key(&j, "note");
        spy_json_str(&j, opened_note);
    }
    if (acc != NULL)
        print_access_json(&j, acc);
    print_via_json(&j, s);
    spy_json_key(&j, "mappers");
    spy_json_arr_begin(&j);
    for (i = 0; i < m->n; i++) {
        const spy_mapper *p = &m->v[i];
        spy_json_obj_begin(&j);
        spy_json_key(&j, "pid");
        spy_json_int(&j, p->pid);
        spy_json_key(&j, "comm");
        spy_json_str(&j, p->comm);
        spy_json_key(&j, "start");
        spy_json_uint(&j, p->start);
        spy_json_key(&j, "end");
        spy_json_uint(&j, p->end);
        spy_json_key(&j, "offset");
        spy_json_uint(&j, p->offset);
        spy_json_key(&j, "perms");
        spy_json_str(&j, p->perms);
        spy_json_key(&j, "title");
        if (p->title[0] != '\0')
            spy_json_str(&j, p->title);
        else
            spy_json_null(&j);
        spy_json_key(&j, "deleted");
        if (p->deleted < 0)
            spy_json_null(&j);
        else
            spy_json_bool(&j, p->deleted);
        {
            int dbg = spy_layout_pid_has_debug((int)p->pid, NULL);
            spy_json_key(&j, "debug_info");
            if (dbg < 0)
                spy_json_null(&j);
            else
                spy_json_bool(&j, dbg);
        }
        if (p->handle_only) {
            spy_json_key(&j, "handle");
            spy_json_uint(&j, p->handle);
        }
        spy_json_obj_end(&j);
    }
    spy_json_arr_end(&j);
    print_holders_json(&j, h, hhidden);
    spy_json_key(&j, "hidden_processes");
    spy_json_int(&j, hidden < 0 ? 0 : hidden);
    spy_json_key(&j, "notes");
    spy_json_arr_begin(&j);
    nc.json = &j;
    nc.count = 0;
    spy_sizecheck(s, spy_page_size(), m->v, m->n, print_note, &nc);
    spy_json_arr_end(&j);
    spy_json_obj_end(&j);
    spy_json_end(&j);
}

int cmd_stat(int argc, char **argv) {
    stat_req q = {NULL, 0};
    const char *opened_note = NULL;
    int json, hidden = 0, rc;
    spy_name name;
    spy_seg *seg = NULL;
    spy_seg_info *info;
    mapper_list m = {NULL, 0, 0, 0}, h = {NULL, 0, 0, 0};
    int hhidden = 0;
    spy_access acc;
    int have_acc = 0;
    spy_err e;

    if (!cli_parse(&cmd_stat_spec, argc, argv, &q, &rc))
        return rc;
    json = q.json;
    if (cli_name("stat", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;

    info = malloc(sizeof *info);
    if (info == NULL) {
        spy_err_set(&e, SPY_ENOMEM, 0, "stat: out of memory");
        return cli_fail(&e);
    }
    if (spy_seg_open(&name, SPY_O_NOMAP, 0, 0, &seg, &e) == 0) {
        rc = spy_seg_stat(seg, info, &e);
        /* How read, dump and watch would reach the bytes (nothing is
         * attached to find out). */
        have_acc = rc == 0 && spy_seg_access(seg, &acc, NULL) == 0;
        /* A named semaphore: its value and who sleeps on it. */
        if (rc == 0 && info->kind == SPY_KIND_SEM) {
            spy_err se;
            spy_sem_report_read(seg, &sem, &se);
            sem_read = 1;
        }
        spy_seg_close(seg);
    } else if (e.code == SPY_EACCES && !spy_name_via_process(&name)) {
        /* Not ours to open, but the directory entry is readable. */
        find_ctx f;
        spy_err le;
        char canon[SPY_NAME_MAX];
        spy_name_format(&name, canon, sizeof canon);
        f.name = canon;
        f.out = info;
        f.found = 0;
        rc = spy_backend_list(SPY_LIST_ALL, find_entry, &f, &le);
        if (rc == 0 && !f.found)
            rc = e.code;
        else
            opened_note = "could not open the object (permission denied); "
                          "shown from its directory entry";
    } else {
        rc = e.code;
    }
    if (rc != 0) {
        free(info);
        return cli_fail(&e);
    }

    if (spy_mappers(info, collect_mapper, &m, &hidden, &e) != 0) {
        /* Mappers are a bonus; the metadata above is still true. */
        hidden = -1;
    }
    /* Descriptor holders: every descriptor of every process (Windows:
     * the handles are the mappers above already). */
    if (info->kind == SPY_KIND_WIN_SECTION || info->kind == SPY_KIND_SYSV ||
        spy_platform_get() == SPY_PLATFORM_WINDOWS ||
        spy_holders(info, collect_mapper, &h, &hhidden, NULL) != 0)
        hhidden = -1;
    if (json)
        print_json(info, &m, hidden, opened_note, have_acc ? &acc : NULL, &h,
                   hhidden);
    else
        print_text(info, &m, hidden, opened_note, have_acc ? &acc : NULL, &h,
                   hhidden);
    if (hidden < 0 && !json) {
        fputs("shmspy: ", stderr);
        cli_put_name(stderr, e.msg);
        fputc('\n', stderr);
    }
    free(m.v);
    free(h.v);
    free(info);
    spy_sem_report_free(&sem);
    return cli_finish_stdout();
}
