/* explain.c - why an address faulted, in words a student can follow. */
#include "explain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void spy_human_size(uint64_t n, char *buf, size_t cap) {
    static const char *units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)n;
    int u = -1;
    if (n < 1024) {
        snprintf(buf, cap, "%" PRIu64 " byte%s", n, n == 1 ? "" : "s");
        return;
    }
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[u]);
}

spy_sigbus_cause spy_explain_sigbus(const spy_sigbus_facts *f,
                                    const char *code_name, char *buf,
                                    size_t cap) {
    char fr[32];
    if (f->size >= 0 && f->off >= (uint64_t)f->size) {
        snprintf(buf, cap,
                 "SIGBUS past the end: the object was truncated. The "
                 "address is %s, but the object is only %" PRId64 " bytes "
                 "now: the mapping is longer than the file (it was "
                 "truncated, or never ftruncate'd to the mapped length). "
                 "Pages wholly past the end of the file have no data behind "
                 "them, and touching them raises SIGBUS (%s) instead of "
                 "SIGSEGV.",
                 f->what, f->size, code_name);
        return SPY_SIGBUS_PAST_END;
    }
    if (f->size < 0 || !f->has_free) {
        snprintf(buf, cap,
                 "SIGBUS (%s): the address is mapped, but the object behind "
                 "it cannot supply this page: a file or shared memory object "
                 "shorter than its mapping, or a full file system.",
                 code_name);
        return SPY_SIGBUS_UNKNOWN;
    }
    spy_human_size(f->free, fr, sizeof fr);
    if (f->free < (f->page ? f->page : 1)) {
        snprintf(buf, cap,
                 "SIGBUS with offset < object size on a full %s: no %s to "
                 "back the page (%s full: %" PRIu64
                 " bytes free). The address is %s and "
                 "the object is %" PRId64 " bytes, so nothing was "
                 "truncated: the page is a hole (never written), and the "
                 "kernel allocates a hole's page on first touch; with no "
                 "room left it raises SIGBUS (%s). Write the whole object "
                 "once after ftruncate (or fallocate it) to reserve its "
                 "memory up front, and keep %s from filling up.",
                 f->tmpfs ? "tmpfs" : "file system",
                 f->tmpfs ? "memory" : "space",
                 f->tmpfs ? "tmpfs" : "file system", f->free, f->what, f->size,
                 code_name, f->tmpfs ? "the tmpfs" : "the file system");
        return SPY_SIGBUS_FS_FULL;
    }
    snprintf(buf, cap,
             "SIGBUS (%s) inside the object: the address is %s and the "
             "object is %" PRId64 " bytes, so it was not cut off. Its file "
             "system has %s free now; it was probably full when the page "
             "was touched (a hole's page is allocated on first touch).",
             code_name, f->what, f->size, fr);
    return SPY_SIGBUS_UNKNOWN;
}

static const char *describe_path(const spy_map_entry *e) {
    if (e->path[0] == '\0')
        return "anonymous memory";
    return e->path;
}

static void entry_text(const spy_map_entry *e, char *buf, size_t cap) {
    char sz[32];
    spy_human_size(e->end - e->start, sz, sizeof sz);
    snprintf(buf, cap, "0x%" PRIx64 "-0x%" PRIx64 " %s %s (%s)", e->start,
             e->end, e->perms, describe_path(e), sz);
}

static const char lesson[] =
    "A pointer value means something only inside the process that "
    "produced it. Every process has its own address space, laid out anew "
    "(randomised) at every run, so an address printed by another program "
    "is just a number here. Shared memory itself appears at different "
    "addresses in different processes: processes that share memory must "
    "exchange offsets from the start of the segment, never pointers.";

/* Appends the nearest regions below and above addr to buf (n used). */
static void append_neighbours(char *buf, size_t cap, int n, uint64_t addr,
                              const spy_region *r, const char *what) {
    char a[400], gap[32];
    if (n < 0 || (size_t)n >= cap)
        return;
    if (r->has_below) {
        entry_text(&r->below, a, sizeof a);
        spy_human_size(addr - r->below.end, gap, sizeof gap);
        n += snprintf(buf + n, cap - (size_t)n,
                      " The nearest %s below is %s, ending %s before it.", what,
                      a, gap);
    } else {
        n += snprintf(buf + n, cap - (size_t)n, " No %s lies below it.", what);
    }
    if (n < 0 || (size_t)n >= cap)
        return;
    if (r->has_above) {
        entry_text(&r->above, a, sizeof a);
        spy_human_size(r->above.start - addr, gap, sizeof gap);
        snprintf(buf + n, cap - (size_t)n,
                 " The nearest above is %s, starting %s after it.", a, gap);
    } else {
        snprintf(buf + n, cap - (size_t)n, " No %s lies above it.", what);
    }
}

static void explain_outside(uint64_t addr, const spy_region *r,
                            const spy_fault *f, uint64_t page_size,
                            spy_explain_cb cb, void *arg) {
    char buf[1024];
    int n;
    if (addr < page_size * 16) {
        snprintf(buf, sizeof buf,
                 "0x%" PRIx64 " is at or near address 0, the null pointer. "
                 "The lowest pages of every process are never mapped, "
                 "precisely so that following a NULL (or NULL plus a small "
                 "offset, like a field of a NULL struct pointer) faults at "
                 "once instead of reading garbage.",
                 addr);
        cb("why", buf, arg);
        return;
    }
    if (f->sig != 0 && strcmp(f->code_name, "SI_KERNEL") == 0)
        /* No page was missing: the CPU refused the address itself. */
        n = snprintf(buf, sizeof buf,
                     "0x%" PRIx64 " lies in no mapping of this process, and "
                     "the fault came from the kernel itself (SI_KERNEL, no "
                     "fault address) rather than from a missing page: the "
                     "CPU refused the address as such. On x86-64 that is a "
                     "general protection fault for a non-canonical address "
                     "(one between 0x0000800000000000 and "
                     "0xffff7fffffffffff, which no mapping can ever cover).",
                     addr);
    else
        n = snprintf(buf, sizeof buf,
                     "0x%" PRIx64 " lies in no mapping of this process: no "
                     "memory exists at that address here, so the access "
                     "raised SIGSEGV (SEGV_MAPERR).",
                     addr);
    append_neighbours(buf, sizeof buf, n, addr, r, "mapping");
    cb("where", buf, arg);
}

/* "The read of 8 bytes worked: this address is mapped readable ...". */
static void worked_text(char *buf, size_t cap, const char *access, size_t len,
                        int write, const char *how) {
    snprintf(buf, cap,
             "The %s of %zu byte%s worked: this address is %s%s in this "
             "process. That says nothing about what the same number means "
             "in any other process.",
             access, len, len == 1 ? "" : "s", how,
             write ? "writable" : "readable");
}

/* What a VirtualQuery type means. */
static const char *vq_type_words(const char *type) {
    if (strcmp(type, "MEM_IMAGE") == 0)
        return "part of a loaded executable or DLL";
    if (strcmp(type, "MEM_MAPPED") == 0)
        return "a view of a section (a file mapping)";
    if (strcmp(type, "MEM_PRIVATE") == 0)
        return "private memory: heap, stack or VirtualAlloc";
    return "memory of unknown type";
}

static int has(const char *s, const char *word) {
    return strstr(s, word) != NULL;
}

/* Windows: the same three paragraphs, from VirtualQuery's facts and the
 * exception (r->vq_max is set). */
static void explain_windows(uint64_t addr, size_t len, int write,
                            const spy_region *r, const spy_fault *f,
                            spy_explain_cb cb, void *arg) {
    char buf[1024], e[400];
    const char *access = write ? "write" : "read";
    int n;

    if (addr > r->vq_max) {
        n = snprintf(buf, sizeof buf,
                     "0x%" PRIx64 " lies above 0x%" PRIx64 ", the highest "
                     "address a program may use here: everything above "
                     "belongs to the kernel, so no access from user mode "
                     "can succeed.",
                     addr, r->vq_max);
        append_neighbours(buf, sizeof buf, n, addr, r, "region");
        cb("where", buf, arg);
    } else if (!r->inside && addr < 65536) {
        snprintf(buf, sizeof buf,
                 "0x%" PRIx64 " is at or near address 0, the null pointer. "
                 "The lowest 64 KiB of every Windows process are never "
                 "allocated (VirtualQuery: MEM_FREE), precisely so that "
                 "following a NULL (or NULL plus a small offset, like a "
                 "field of a NULL struct pointer) faults at once instead of "
                 "reading garbage.",
                 addr);
        cb("where", buf, arg);
    } else if (!r->inside) {
        n = snprintf(buf, sizeof buf,
                     "0x%" PRIx64 " lies in free address space (VirtualQuery: "
                     "MEM_FREE): nothing is reserved or committed there in "
                     "this process.",
                     addr);
        append_neighbours(buf, sizeof buf, n, addr, r, "region");
        cb("where", buf, arg);
    } else {
        entry_text(&r->at, e, sizeof e);
        snprintf(buf, sizeof buf,
                 "0x%" PRIx64 " lies inside %s. VirtualQuery says %s%s%s, "
                 "%s: %s.",
                 addr, e, r->vq_state, r->vq_protect[0] ? ", " : "",
                 r->vq_protect, r->vq_type, vq_type_words(r->vq_type));
        cb("where", buf, arg);
    }

    if (f->sig == 0) {
        worked_text(buf, sizeof buf, access, len, write, "committed and ");
    } else if (f->kind == SPY_FAULT_NOBACKING) {
        snprintf(buf, sizeof buf,
                 "%s: the address is in a view, but the page could not be "
                 "brought in from the file or section behind it (the file "
                 "shrank, a network share went away, or the disk failed). "
                 "Linux calls the same event SIGBUS.",
                 f->sig_name);
    } else if (has(f->sig_name, "GUARD_PAGE")) {
        snprintf(buf, sizeof buf,
                 "The page is a guard page (PAGE_GUARD): its first touch "
                 "raises STATUS_GUARD_PAGE_VIOLATION and clears the guard "
                 "flag. That is how a thread's stack grows, a page at a "
                 "time, and how programs watch for an overrun. This probe "
                 "used the guard up: a second access would work.");
    } else if (!r->inside || addr > r->vq_max) {
        snprintf(buf, sizeof buf,
                 "A %s where no memory exists raises %s (%s): the Windows "
                 "counterpart of SIGSEGV with SEGV_MAPERR.",
                 access, f->sig_name, f->code_name);
    } else if (strcmp(r->vq_state, "MEM_RESERVE") == 0) {
        snprintf(buf, sizeof buf,
                 "The range is reserved (MEM_RESERVE) but not committed: an "
                 "allocation set these addresses aside (VirtualAlloc with "
                 "MEM_RESERVE, the unused part of a thread's stack, or a "
                 "section reserved with SEC_RESERVE) with no storage behind "
                 "them yet. Any access raises %s until the pages are "
                 "committed (VirtualAlloc with MEM_COMMIT).",
                 f->sig_name);
    } else if (has(r->vq_protect, "PAGE_NOACCESS")) {
        snprintf(buf, sizeof buf,
                 "The page is committed but PAGE_NOACCESS: it exists, yet "
                 "no access of any kind is allowed, typically a barrier "
                 "placed on purpose so that running off the end of "
                 "something faults. %s (%s) means: there, but not for this "
                 "access.",
                 f->sig_name, f->code_name);
    } else if (write && f->code == 1 && !has(r->vq_protect, "READWRITE") &&
               !has(r->vq_protect, "WRITECOPY")) {
        snprintf(buf, sizeof buf,
                 "The page is %s, not writable: %s. A write raises %s with "
                 "ExceptionInformation[0] = 1 (a write): mapped, but not for "
                 "writing.",
                 r->vq_protect,
                 strcmp(r->vq_type, "MEM_MAPPED") == 0
                     ? "a view mapped with FILE_MAP_READ (open and map with "
                       "FILE_MAP_WRITE to write)"
                 : strcmp(r->vq_type, "MEM_IMAGE") == 0
                     ? "code or constant data of a loaded module"
                     : "memory protected read-only (VirtualProtect)",
                 f->sig_name);
    } else if (f->code == 8) {
        snprintf(buf, sizeof buf,
                 "ExceptionInformation[0] = 8: data execution prevention "
                 "stopped an attempt to run code from a page that is %s.",
                 r->vq_protect);
    } else {
        snprintf(buf, sizeof buf,
                 "The %s raised %s (%s) although the address is %s %s.", access,
                 f->sig_name, f->code_name, r->vq_state, r->vq_protect);
    }
    cb("why", buf, arg);
    cb("lesson", lesson, arg);
}

void spy_explain_probe(uint64_t addr, size_t len, int write,
                       const spy_region *r, const spy_fault *f,
                       uint64_t page_size, spy_explain_cb cb, void *arg) {
    char buf[1024], e[400];
    const char *access = write ? "write" : "read";

    if (r->vq_max != 0) {
        explain_windows(addr, len, write, r, f, cb, arg);
        return;
    }

    if (!r->inside) {
        explain_outside(addr, r, f, page_size, cb, arg);
    } else {
        entry_text(&r->at, e, sizeof e);
        snprintf(buf, sizeof buf, "0x%" PRIx64 " lies inside %s.", addr, e);
        cb("where", buf, arg);
    }

    if (f->sig == 0) {
        worked_text(buf, sizeof buf, access, len, write, "mapped ");
        cb("why", buf, arg);
    } else if (r->inside && strcmp(f->code_name, "SEGV_ACCERR") == 0) {
        if (r->at.perms[0] == '-' && r->at.perms[1] == '-')
            snprintf(buf, sizeof buf,
                     "The mapping exists but allows no access at all "
                     "(permissions %s, PROT_NONE): typically a guard page "
                     "between stacks or heap areas, placed there so that "
                     "running off the end of something faults. SIGSEGV with "
                     "SEGV_ACCERR means: mapped, but not for this kind of "
                     "access.",
                     r->at.perms);
        else if (write && r->at.perms[1] != 'w')
            snprintf(buf, sizeof buf,
                     "The mapping is not writable (permissions %s): code, "
                     "constants, or a view mapped with PROT_READ. A write "
                     "raises SIGSEGV with SEGV_ACCERR — mapped, but not for "
                     "writing.",
                     r->at.perms);
        else
            snprintf(buf, sizeof buf,
                     "The mapping does not allow this %s (permissions %s): "
                     "SIGSEGV with SEGV_ACCERR means the address is mapped "
                     "but not for this kind of access.",
                     access, r->at.perms);
        cb("why", buf, arg);
    } else if (f->sig != 0 && strcmp(f->sig_name, "SIGBUS") == 0) {
        uint64_t file_off = r->inside ? r->at.offset + (addr - r->at.start) : 0;
        if (r->inside && r->file_size >= 0) {
            spy_sigbus_facts sf;
            char what[320];
            snprintf(what, sizeof what, "file offset %" PRIu64 " of %s",
                     file_off, r->at.path);
            sf.off = file_off;
            sf.size = r->file_size;
            sf.has_free = r->has_fs_free;
            sf.free = r->fs_free;
            sf.tmpfs = r->fs_tmpfs;
            sf.page = page_size;
            sf.what = what;
            spy_explain_sigbus(&sf, f->code_name, buf, sizeof buf);
        } else
            snprintf(buf, sizeof buf,
                     "SIGBUS (%s): the address is mapped, but the object "
                     "behind it cannot supply this page — usually a file or "
                     "shared memory object shorter than its mapping.",
                     f->code_name);
        cb("why", buf, arg);
    } else if (r->inside && strcmp(r->at.path, "[vsyscall]") == 0) {
        snprintf(buf, sizeof buf,
                 "This is the [vsyscall] page, a fixed address that old "
                 "programs call for gettimeofday and time. Modern kernels "
                 "keep it execute-only (permissions %s) or emulate it: "
                 "reading it raises %s (%s) although it is listed as "
                 "mapped.",
                 r->at.perms, f->sig_name, f->code_name);
        cb("why", buf, arg);
    } else if (r->inside) {
        snprintf(buf, sizeof buf,
                 "The access raised %s (%s) although the address is "
                 "mapped.",
                 f->sig_name, f->code_name);
        cb("why", buf, arg);
    }
    cb("lesson", lesson, arg);
}
