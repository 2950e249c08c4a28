/* posix/codeloc.c - where in a process's code an address is
 * (backends/codeloc.h).
 *
 * spy_codeloc_prepare reads /proc/PID/maps into a table of file mappings
 * and, with libdw, reports the process's modules to a Dwfl of its own
 * (dwfl_linux_proc_report) and loads every module's ELF and DWARF right
 * away, so a process that exits afterwards is still symbolized from
 * memory. Files are opened as the process sees them: /proc/PID/root/PATH
 * first (another mount namespace), then /proc/PID/map_files/START-END (a
 * deleted file; needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE), then the
 * path itself. Separate debug files are looked for by build id under the
 * debug directories only: never debuginfod, never the network.
 *
 * A module's offset is the address less the module's lowest mapped
 * address, with or without libdw: for shared libraries and PIE
 * executables (all of Debian's) that is the address addr2line takes.
 * Entries are keyed by pid and start time (field 22 of /proc/PID/stat);
 * a pid seen again with another start time is read anew. */
#include "../codeloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef SPY_HAVE_LIBDW
#include <elfutils/libdwfl.h>
#endif

#define MAX_PROCS 4096 /* processes kept; the oldest go first past this */

typedef struct fmap {
    uint64_t start, end, off;
    char *path; /* as in /proc/PID/maps, " (deleted)" cut off */
    int deleted;
} fmap;

typedef struct proc {
    int pid;
    unsigned long long starttime;
    fmap *maps;
    size_t nmaps;
#ifdef SPY_HAVE_LIBDW
    Dwfl *dwfl;
#endif
} proc;

struct spy_codelocs {
    proc *procs;
    size_t n, cap;
};

static void copy_str(char *out, size_t cap, const char *s) {
    size_t n = strlen(s);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static void proc_free(proc *p) {
    size_t i;
    for (i = 0; i < p->nmaps; i++)
        free(p->maps[i].path);
    free(p->maps);
#ifdef SPY_HAVE_LIBDW
    if (p->dwfl != NULL)
        dwfl_end(p->dwfl);
#endif
    memset(p, 0, sizeof *p);
}

/* Field 22 of /proc/PID/stat, after the command in parentheses (which may
 * itself hold spaces and parentheses). */
static int start_time(int pid, unsigned long long *out) {
    char path[64], buf[1024], *p;
    size_t n;
    int i;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    f = fopen(path, "re");
    if (f == NULL)
        return -errno;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    if (p == NULL)
        return -EINVAL;
    p++;
    for (i = 3; i <= 22 && p != NULL; i++) { /* fields 3..22 follow */
        while (*p == ' ')
            p++;
        if (i == 22)
            return sscanf(p, "%llu", out) == 1 ? 0 : -EINVAL;
        p = strchr(p, ' ');
    }
    return -EINVAL;
}

static int sys_fail(spy_err *err, int e, int pid, const char *what) {
    int code = e == ENOENT || e == ESRCH   ? SPY_ENOENT
               : e == EACCES || e == EPERM ? SPY_EACCES
               : e == ENOMEM               ? SPY_ENOMEM
                                           : SPY_EIO;
    if (code == SPY_ENOENT)
        return spy_err_set(err, code, e, "process %d: no such process", pid);
    if (code == SPY_EACCES)
        return spy_err_set(err, code, e,
                           "process %d: %s: permission denied (its maps "
                           "need the same user or CAP_SYS_PTRACE)",
                           pid, what);
    return spy_err_set(err, code, e, "process %d: %s: %s", pid, what,
                       strerror(e));
}

/* The file mappings of pid, in address order. */
static int read_maps(proc *p, spy_err *err) {
    char path[64], line[4608];
    size_t cap = 0;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/maps", p->pid);
    f = fopen(path, "re");
    if (f == NULL)
        return sys_fail(err, errno, p->pid, "/proc/PID/maps");
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long long s, e, off;
        int pos = 0;
        size_t len;
        char *name;
        fmap *m;
        if (sscanf(line, "%llx-%llx %*4s %llx %*x:%*x %*u %n", &s, &e, &off,
                   &pos) < 3 ||
            pos == 0)
            continue;
        name = line + pos;
        len = strcspn(name, "\n");
        name[len] = '\0';
        if (name[0] != '/')
            continue; /* anonymous, [heap], [stack], [vdso]: no file */
        if (p->nmaps == cap) {
            size_t nc = cap ? cap * 2 : 64;
            fmap *nm = realloc(p->maps, nc * sizeof *nm);
            if (nm == NULL) {
                fclose(f);
                return spy_err_set(err, SPY_ENOMEM, ENOMEM,
                                   "process %d: out of memory", p->pid);
            }
            p->maps = nm;
            cap = nc;
        }
        m = &p->maps[p->nmaps];
        m->start = s;
        m->end = e;
        m->off = off;
        m->deleted = 0;
        if (len > 10 && strcmp(name + len - 10, " (deleted)") == 0) {
            name[len - 10] = '\0';
            m->deleted = 1;
        }
        m->path = strdup(name);
        if (m->path == NULL) {
            fclose(f);
            return spy_err_set(err, SPY_ENOMEM, ENOMEM,
                               "process %d: out of memory", p->pid);
        }
        p->nmaps++;
    }
    fclose(f);
    return 0;
}

/* The lowest address at which path is mapped in p (its base). */
static uint64_t module_base(const proc *p, const char *path) {
    uint64_t base = UINT64_MAX;
    size_t i;
    for (i = 0; i < p->nmaps; i++)
        if (strcmp(p->maps[i].path, path) == 0 && p->maps[i].start < base)
            base = p->maps[i].start;
    return base;
}

#ifdef SPY_HAVE_LIBDW

/* The process being reported: find_elf has no other way to know it. */
static _Thread_local const proc *reporting;

/* Opens a module's file as the process sees it (see the top). */
static int find_elf(Dwfl_Module *mod, void **user, const char *name,
                    Dwarf_Addr base, char **file_name, Elf **elfp) {
    const proc *p = reporting;
    char path[4400], clean[4096];
    size_t i, len;
    int fd;
    if (p != NULL && name[0] == '/') {
        copy_str(clean, sizeof clean, name);
        len = strlen(clean);
        if (len > 10 && strcmp(clean + len - 10, " (deleted)") == 0)
            clean[len - 10] = '\0';
        snprintf(path, sizeof path, "/proc/%d/root%s", p->pid, clean);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        for (i = 0; fd < 0 && i < p->nmaps; i++) {
            if (strcmp(p->maps[i].path, clean) != 0)
                continue;
            snprintf(path, sizeof path,
                     "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, p->pid,
                     p->maps[i].start, p->maps[i].end);
            fd = open(path, O_RDONLY | O_CLOEXEC);
        }
        if (fd >= 0) {
            *file_name = strdup(path);
            return fd;
        }
    }
    return dwfl_linux_proc_find_elf(mod, user, name, base, file_name, elfp);
}

/* Separate debug files by build id in the debug directories only: the
 * standard callback would also ask debuginfod servers over the network
 * when DEBUGINFOD_URLS is set. */
static int find_debuginfo(Dwfl_Module *mod, void **user, const char *modname,
                          Dwarf_Addr base, const char *file,
                          const char *debuglink, GElf_Word crc, char **name) {
    return dwfl_build_id_find_debuginfo(mod, user, modname, base, file,
                                        debuglink, crc, name);
}

static char *debuginfo_path = NULL;

static const Dwfl_Callbacks callbacks = {
    .find_elf = find_elf,
    .find_debuginfo = find_debuginfo,
    .debuginfo_path = &debuginfo_path,
};

/* Loads a module's ELF and DWARF now, while its files can be opened. */
static int load_module(Dwfl_Module *mod, void **user, const char *name,
                       Dwarf_Addr start, void *arg) {
    Dwarf_Addr bias;
    (void)user;
    (void)name;
    (void)start;
    (void)arg;
    (void)dwfl_module_getelf(mod, &bias);
    (void)dwfl_module_getdwarf(mod, &bias);
    (void)dwfl_module_getsymtab(mod);
    return DWARF_CB_OK;
}

/* Reports p's modules; failures leave p->dwfl NULL (module and offset from
 * the maps table are still given). */
static void report_modules(proc *p) {
    Dwfl *d = dwfl_begin(&callbacks);
    if (d == NULL)
        return;
    reporting = p;
    dwfl_report_begin(d);
    if (dwfl_linux_proc_report(d, p->pid) != 0 ||
        dwfl_report_end(d, NULL, NULL) != 0) {
        reporting = NULL;
        dwfl_end(d);
        return;
    }
    (void)dwfl_getmodules(d, load_module, NULL, 0);
    reporting = NULL;
    p->dwfl = d;
}

/* Function and source line of addr from p's Dwfl, where known. */
static void describe(const proc *p, uint64_t addr, spy_codeloc *out) {
    Dwfl_Module *mod;
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *fn;
    Dwfl_Line *line;
    if (p->dwfl == NULL)
        return;
    mod = dwfl_addrmodule(p->dwfl, addr);
    if (mod == NULL)
        return;
    fn = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
    if (fn != NULL) {
        copy_str(out->function, sizeof out->function, fn);
        out->func_off = off;
    }
    line = dwfl_module_getsrc(mod, addr);
    if (line != NULL) {
        int lineno = 0;
        const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
        if (file != NULL && lineno > 0) {
            copy_str(out->file, sizeof out->file, file);
            out->line = lineno;
        }
    }
}

#else

static void report_modules(proc *p) {
    (void)p;
}

static void describe(const proc *p, uint64_t addr, spy_codeloc *out) {
    (void)p;
    (void)addr;
    (void)out;
}

#endif

int spy_codelocs_open(spy_codelocs **out, spy_err *err) {
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return spy_err_set(err, SPY_ENOMEM, ENOMEM,
                           "code locations: out of memory");
    return 0;
}

/* The newest entry for pid, or NULL. */
static proc *lookup(spy_codelocs *c, int pid) {
    size_t i;
    for (i = c->n; i-- > 0;)
        if (c->procs[i].pid == pid)
            return &c->procs[i];
    return NULL;
}

int spy_codeloc_prepare(spy_codelocs *c, int pid, spy_err *err) {
    unsigned long long st;
    proc *old = lookup(c, pid), p;
    int rc = start_time(pid, &st);
    if (rc < 0)
        return sys_fail(err, -rc, pid, "/proc/PID/stat");
    if (old != NULL && old->starttime == st)
        return 0; /* seen already */
    memset(&p, 0, sizeof p);
    p.pid = pid;
    p.starttime = st;
    rc = read_maps(&p, err);
    if (rc != 0) {
        proc_free(&p);
        return rc;
    }
    report_modules(&p);
    if (c->n == MAX_PROCS) {
        proc_free(&c->procs[0]);
        memmove(c->procs, c->procs + 1, (c->n - 1) * sizeof *c->procs);
        c->n--;
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        proc *np = realloc(c->procs, nc * sizeof *np);
        if (np == NULL) {
            proc_free(&p);
            return spy_err_set(err, SPY_ENOMEM, ENOMEM,
                               "process %d: out of memory", pid);
        }
        c->procs = np;
        c->cap = nc;
    }
    c->procs[c->n++] = p;
    return 0;
}

int spy_codeloc_find(spy_codelocs *c, int pid, uint64_t addr, spy_codeloc *out,
                     spy_err *err) {
    proc *p = lookup(c, pid);
    size_t i;
    memset(out, 0, sizeof *out);
    if (p == NULL) {
        int rc = spy_codeloc_prepare(c, pid, err);
        if (rc != 0)
            return rc;
        p = lookup(c, pid);
    }
    for (i = 0; i < p->nmaps; i++) {
        const fmap *m = &p->maps[i];
        if (addr >= m->start && addr < m->end) {
            copy_str(out->module, sizeof out->module, m->path);
            out->module_off = addr - module_base(p, m->path);
            describe(p, addr, out);
            return 0;
        }
    }
    return spy_err_set(err, SPY_ENOENT, 0,
                       "process %d: address 0x%" PRIx64 " is in no file "
                       "it maps (anonymous or generated code)",
                       pid, addr);
}

void spy_codelocs_close(spy_codelocs *c) {
    size_t i;
    if (c == NULL)
        return;
    for (i = 0; i < c->n; i++)
        proc_free(&c->procs[i]);
    free(c->procs);
    free(c);
}
