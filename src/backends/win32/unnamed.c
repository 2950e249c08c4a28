/* win32/unnamed.c - sections without a name: found in the system handle
 * table, named by one of their handles ("handle:PID:0xH"), reached by
 * duplicating that handle.
 *
 * A section made with CreateFileMapping(..., NULL) has no name in any
 * object directory (win32/list.c cannot see it); processes share it by
 * handle inheritance or DuplicateHandle. The system handle table
 * (SystemExtendedHandleInformation, read by win32/mappers.c) has every
 * handle of every process with its object type. Each handle of the
 * section type in another process is duplicated into this one (which
 * needs PROCESS_DUP_HANDLE on its process: the same user, or
 * SeDebugPrivilege), and:
 *   - skipped if the section has a name (win32/list.c lists those);
 *   - skipped if it is SEC_IMAGE: an executable or DLL loaded as an
 *     image, which is code shared by the loader, not shared memory (every
 *     process holds several);
 *   - grouped with the other handles to the same section. The table's
 *     Object field (the kernel object's address) identifies the section
 *     where it is filled; it is zero where kernel addresses are hidden
 *     from the caller (Windows 11 24H2 without SeDebugPrivilege, always
 *     under Wine), and then NtCompareObjects tells whether two duplicates
 *     are the same object. It is asked only of sections with the same
 *     MaximumSize and allocation attributes, so handles compare against
 *     few candidates. Where neither is available, each handle is its own
 *     row (never two sections merged into one).
 * A row is named by the lowest-pid holder's lowest handle; its kind is
 * anon for a pagefile-backed section and file for a file-backed one
 * (origin: the file, from a view and GetMappedFileNameW).
 *
 * What this cannot see: a section whose every handle was closed while
 * views of it live on (nothing in the table names it), and the sections
 * of processes we may not open (counted: the holder counts of every row
 * become lower bounds). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#include <psapi.h> /* GetMappedFileNameW; needs windows.h first */

#define SPY_SEC_FILE 0x800000u
#define SPY_SEC_IMAGE 0x1000000u
#define SPY_STATUS_NOT_SAME_OBJECT ((LONG)0xC00001ACL)
#define SPY_OBJECT_NAME_INFORMATION 1
#define SPY_OBJECT_TYPE_INFORMATION 2

typedef LONG(NTAPI *compare_fn)(HANDLE, HANDLE);
typedef LONG(NTAPI *query_object_fn)(HANDLE, int, PVOID, ULONG, ULONG *);

typedef struct type_info { /* PUBLIC_OBJECT_TYPE_INFORMATION's start */
    USHORT Length, MaximumLength;
    PWSTR Buffer;
} type_info;

/* NtCompareObjects (Windows 10 and later, Wine), or NULL. */
static compare_fn compare_call(void) {
    static int loaded;
    static compare_fn fn;
    if (!loaded) {
        HMODULE m = GetModuleHandleW(L"ntdll.dll");
        loaded = 1;
        if (m != NULL)
            fn = (compare_fn)(void (*)(void))GetProcAddress(m,
                                                            "NtCompareObjects");
    }
    return fn;
}

/* The object type of h ("Section", "File", "Event") as UTF-8; -1 when it
 * cannot be asked. A type query never blocks, whatever the object. */
static int handle_type(HANDLE h, char *out, size_t cap) {
    union {
        type_info ti;
        unsigned char raw[1024];
    } u;
    HMODULE m = GetModuleHandleW(L"ntdll.dll");
    query_object_fn qo = m == NULL
                             ? NULL
                             : (query_object_fn)(void (*)(void))GetProcAddress(
                                   m, "NtQueryObject");
    ULONG got = 0;
    if (qo == NULL ||
        qo(h, SPY_OBJECT_TYPE_INFORMATION, &u, sizeof u, &got) !=
            SPY_STATUS_SUCCESS ||
        u.ti.Buffer == NULL || u.ti.Length == 0)
        return -1;
    return spy__wide_to_utf8(u.ti.Buffer, u.ti.Length / (int)sizeof(WCHAR), out,
                             cap);
}

/* 1 if the section h has a name in an object directory that
 * win32/list.c reads (\BaseNamedObjects, \Sessions\N\BaseNamedObjects:
 * the `Global\` and `Local\` names), else 0. Other names are not a
 * section's own: Wine answers the backing file's path ("\??\C:\x") for
 * a file-backed section that has none, where Windows answers an empty
 * name. Only for sections: a name query of a pipe can block. */
static int listed_name(HANDLE h) {
    static const WCHAR global[] = L"\\BaseNamedObjects\\";
    static const WCHAR sessions[] = L"\\Sessions\\";
    enum { CAP = 65536 + 64 }; /* the longest name: 32767 UTF-16 units */
    HMODULE m = GetModuleHandleW(L"ntdll.dll");
    query_object_fn qo = m == NULL
                             ? NULL
                             : (query_object_fn)(void (*)(void))GetProcAddress(
                                   m, "NtQueryObject");
    type_info *ni; /* OBJECT_NAME_INFORMATION has the same shape */
    ULONG got = 0;
    size_t n;
    int listed = 0;

    if (qo == NULL || (ni = malloc(CAP)) == NULL)
        return 0;
    if (qo(h, SPY_OBJECT_NAME_INFORMATION, ni, CAP, &got) ==
            SPY_STATUS_SUCCESS &&
        ni->Buffer != NULL) {
        n = ni->Length / sizeof(WCHAR);
        listed = (n > wcslen(global) &&
                  wcsncmp(ni->Buffer, global, wcslen(global)) == 0) ||
                 (n > wcslen(sessions) &&
                  wcsncmp(ni->Buffer, sessions, wcslen(sessions)) == 0);
    }
    free(ni);
    return listed;
}

/* 1 if a and b are handles to one object, 0 if not, -1 if unknown. */
static int same_object(HANDLE a, HANDLE b) {
    compare_fn cmp = compare_call();
    LONG st;
    if (cmp == NULL)
        return -1;
    st = cmp(a, b);
    if (st == SPY_STATUS_SUCCESS)
        return 1;
    return st == SPY_STATUS_NOT_SAME_OBJECT ? 0 : -1;
}

/* Duplicates `value` of proc into this process, trying the accesses in
 * order (0: DUPLICATE_SAME_ACCESS); NULL and the last error when none is
 * granted. */
static HANDLE dup_first(HANDLE proc, ULONG_PTR value, const DWORD *tries, int n,
                        DWORD *e) {
    HANDLE d = NULL;
    int i;
    *e = 0;
    for (i = 0; i < n; i++) {
        if (i > 0 && tries[i] == tries[i - 1])
            continue;
        if (DuplicateHandle(proc, (HANDLE)value, GetCurrentProcess(), &d,
                            tries[i], FALSE,
                            tries[i] == 0 ? DUPLICATE_SAME_ACCESS : 0))
            return d;
        *e = GetLastError();
        if (*e != ERROR_ACCESS_DENIED)
            break;
    }
    return NULL;
}

int spy__dup_section(int32_t pid, uint64_t value, DWORD access,
                     const char *canon, HANDLE *out, spy_err *err) {
    /* Without READ_CONTROL (the owner, for stat), then without
     * SECTION_QUERY (the size then comes from a view). */
    DWORD tries[3];
    char type[64];
    HANDLE proc, any;
    DWORD e;

    *out = NULL;
    tries[0] = access;
    tries[1] = access & ~(DWORD)READ_CONTROL;
    tries[2] = access & ~(DWORD)(READ_CONTROL | SECTION_QUERY);
    proc = OpenProcess(PROCESS_DUP_HANDLE, FALSE, (DWORD)pid);
    if (proc == NULL) {
        e = GetLastError();
        if (e == ERROR_INVALID_PARAMETER)
            return spy_err_set(err, SPY_ENOENT, (int)e,
                               "%s: no process %d (it has exited, or the pid "
                               "is wrong)",
                               canon, (int)pid);
        if (e == ERROR_ACCESS_DENIED)
            return spy_err_set(err, SPY_EACCES, (int)e,
                               "%s: process %d refuses PROCESS_DUP_HANDLE "
                               "(copying its handles needs the same user, or "
                               "SeDebugPrivilege)",
                               canon, (int)pid);
        return spy__win_error(canon, "OpenProcess", e, err);
    }
    /* First as it is, to say what it is: a handle of another type is
     * named as such, never opened. */
    if (!DuplicateHandle(proc, (HANDLE)(ULONG_PTR)value, GetCurrentProcess(),
                         &any, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
        e = GetLastError();
        CloseHandle(proc);
        if (e == ERROR_INVALID_HANDLE || e == ERROR_NOT_SUPPORTED ||
            e == ERROR_INVALID_PARAMETER)
            return spy_err_set(err, SPY_ENOENT, (int)e,
                               "%s: process %d has no handle 0x%" PRIx64
                               " (closed, or never opened)",
                               canon, (int)pid, value);
        return spy__win_error(canon, "DuplicateHandle", e, err);
    }
    if (handle_type(any, type, sizeof type) == 0 &&
        strcmp(type, "Section") != 0) {
        CloseHandle(any);
        CloseHandle(proc);
        return spy_err_set(err, SPY_ETYPE, 0,
                           "%s: is a %s handle, not a section", canon, type);
    }
    CloseHandle(any);
    if (access == 0) {
        if (!DuplicateHandle(proc, (HANDLE)(ULONG_PTR)value,
                             GetCurrentProcess(), out, 0, FALSE,
                             DUPLICATE_SAME_ACCESS)) {
            *out = NULL;
            e = GetLastError();
        }
    } else {
        *out = dup_first(proc, (ULONG_PTR)value, tries, 3, &e);
    }
    CloseHandle(proc);
    if (*out == NULL) {
        if (e == ERROR_ACCESS_DENIED)
            return spy_err_set(err, SPY_EACCES, (int)e,
                               "%s: the section refuses %s access to a "
                               "duplicate of the handle (its security "
                               "descriptor)",
                               canon,
                               (access & FILE_MAP_WRITE) ? "write" : "read");
        return spy__win_error(canon, "DuplicateHandle", e, err);
    }
    return 0;
}

/* Turns "\Device\HarddiskVolume3\x" (what Windows answers) into "C:\x"
 * when a drive letter names that device (QueryDosDevice); leaves it as it
 * is otherwise. */
static void dos_path(WCHAR *path, size_t cap) {
    WCHAR drive[3] = L"A:", dev[512];
    /* "\??\C:\x" (what Wine answers): the DOS devices directory. */
    if (wcsncmp(path, L"\\??\\", 4) == 0 && path[4] != 0 && path[5] == L':') {
        memmove(path, path + 4, (wcslen(path + 4) + 1) * sizeof(WCHAR));
        return;
    }
    for (; drive[0] <= L'Z'; drive[0]++) {
        size_t dl;
        if (QueryDosDeviceW(drive, dev, sizeof dev / sizeof dev[0]) == 0)
            continue;
        dl = wcslen(dev);
        if (dl > 0 && wcsncmp(path, dev, dl) == 0 && path[dl] == L'\\') {
            size_t rest = wcslen(path + dl);
            if (2 + rest + 1 > cap)
                return;
            memmove(path + 2, path + dl, (rest + 1) * sizeof(WCHAR));
            path[0] = drive[0];
            path[1] = L':';
            return;
        }
    }
}

int spy__mapped_file(HANDLE proc, const void *view, char *out, size_t cap) {
    WCHAR path[1024];
    DWORD n = GetMappedFileNameW(proc, (LPVOID)(uintptr_t)view, path,
                                 sizeof path / sizeof path[0]);
    if (n == 0 || n >= sizeof path / sizeof path[0])
        return -1;
    path[n] = 0;
    dos_path(path, sizeof path / sizeof path[0]);
    if (spy__wide_to_utf8(path, -1, out, cap) != 0)
        return -1;
    return 0;
}

/* ---- the scan ----------------------------------------------------------
 */

/* One handle to an unnamed section, in a process other than ours. */
typedef struct holder {
    DWORD pid;
    ULONG_PTR value;
    ULONG access;
    size_t group;
} holder;

/* One section: a duplicate of its first handle found, kept open for the
 * comparisons and for the row. */
typedef struct group {
    HANDLE rep;
    PVOID object; /* the table's Object, NULL when hidden */
    spy__section_basic sb;
    int have_sb;
} group;

typedef struct scan {
    holder *h;
    size_t nh, caph;
    group *g;
    size_t ng, capg;
    int hidden; /* processes holding sections we may not open */
} scan;

static void scan_free(scan *s) {
    size_t i;
    for (i = 0; i < s->ng; i++)
        CloseHandle(s->g[i].rep);
    free(s->g);
    free(s->h);
    memset(s, 0, sizeof *s);
}

static int grow(void **v, size_t *cap, size_t n, size_t size) {
    void *nv;
    size_t c;
    if (n < *cap)
        return 0;
    c = *cap ? *cap * 2 : 64;
    nv = realloc(*v, c * size);
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = c;
    return 0;
}

/* The group of duplicate d (Object o), or (size_t)-1 for a new one. */
static size_t find_group(const scan *s, HANDLE d, PVOID o,
                         const spy__section_basic *sb, int have_sb) {
    size_t i;
    for (i = 0; i < s->ng; i++) {
        const group *g = &s->g[i];
        if (o != NULL && g->object != NULL) {
            if (g->object == o)
                return i;
            continue;
        }
        if (g->have_sb != have_sb ||
            (have_sb &&
             (g->sb.MaximumSize.QuadPart != sb->MaximumSize.QuadPart ||
              g->sb.AllocationAttributes != sb->AllocationAttributes)))
            continue;
        if (same_object(g->rep, d) == 1)
            return i;
    }
    return (size_t)-1;
}

/* The section type's index in the handle table: that of a section we
 * make for the purpose (reserved, so nothing is charged to commit). 0 and
 * the table in *out (caller frees), or -1. */
static int read_table(spy__handle_table **out, USHORT *type) {
    HANDLE probe =
        CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                           PAGE_READWRITE | SEC_RESERVE, 0, 4096, NULL);
    ULONG_PTR self = GetCurrentProcessId(), i;
    spy__handle_table *t;
    int found = 0;

    *out = NULL;
    if (probe == NULL)
        return -1;
    t = spy__handles_read();
    for (i = 0; t != NULL && i < t->NumberOfHandles; i++)
        if (t->Handles[i].UniqueProcessId == self &&
            t->Handles[i].HandleValue == (ULONG_PTR)probe) {
            *type = t->Handles[i].ObjectTypeIndex;
            found = 1;
            break;
        }
    CloseHandle(probe);
    if (!found) {
        free(t);
        return -1;
    }
    *out = t;
    return 0;
}

/* Fills *s with every unnamed, non-image section of every process we may
 * open (ours excluded: shmspy's own handles are not what is looked for). */
static int scan_all(scan *s, spy_err *err) {
    static const DWORD tries[3] = {SECTION_QUERY | SECTION_MAP_READ |
                                       READ_CONTROL,
                                   SECTION_QUERY | SECTION_MAP_READ, 0};
    spy__handle_table *t;
    ULONG_PTR self = GetCurrentProcessId(), proc_pid = 0, i;
    HANDLE proc = NULL;
    USHORT type = 0;

    memset(s, 0, sizeof *s);
    if (read_table(&t, &type) != 0)
        return spy_err_set(err, SPY_EIO, 0,
                           "list: the system handle table could not be read "
                           "(unnamed sections)");
    for (i = 0; i < t->NumberOfHandles; i++) {
        const spy__handle_entry *e = &t->Handles[i];
        spy__section_basic sb;
        int have_sb;
        size_t g;
        HANDLE d;
        DWORD why;
        if (e->ObjectTypeIndex != type || e->UniqueProcessId == self)
            continue;
        if (e->UniqueProcessId != proc_pid) { /* handles come per process */
            if (proc != NULL)
                CloseHandle(proc);
            proc_pid = e->UniqueProcessId;
            proc = OpenProcess(PROCESS_DUP_HANDLE, FALSE, (DWORD)proc_pid);
            if (proc == NULL)
                s->hidden++;
        }
        if (proc == NULL)
            continue;
        d = dup_first(proc, e->HandleValue, tries, 3, &why);
        if (d == NULL)
            continue;
        if (listed_name(d)) { /* win32/list.c's business */
            CloseHandle(d);
            continue;
        }
        have_sb = spy__nt_query_section(d, &sb) == SPY_STATUS_SUCCESS;
        if (have_sb && (sb.AllocationAttributes & SPY_SEC_IMAGE)) {
            CloseHandle(d); /* a loaded executable: code, not shared data */
            continue;
        }
        g = find_group(s, d, e->Object, &sb, have_sb);
        if (g == (size_t)-1) {
            if (grow((void **)&s->g, &s->capg, s->ng, sizeof *s->g) != 0)
                goto oom;
            g = s->ng++;
            s->g[g].rep = d;
            s->g[g].object = e->Object;
            s->g[g].sb = sb;
            s->g[g].have_sb = have_sb;
        } else {
            CloseHandle(d);
        }
        if (grow((void **)&s->h, &s->caph, s->nh, sizeof *s->h) != 0)
            goto oom;
        s->h[s->nh].pid = (DWORD)e->UniqueProcessId;
        s->h[s->nh].value = e->HandleValue;
        s->h[s->nh].access = e->GrantedAccess;
        s->h[s->nh].group = g;
        s->nh++;
    }
    if (proc != NULL)
        CloseHandle(proc);
    free(t);
    return 0;
oom:
    if (proc != NULL)
        CloseHandle(proc);
    free(t);
    scan_free(s);
    return spy_err_set(err, SPY_ENOMEM, 0, "list: out of memory");
}

static int holder_cmp(const void *pa, const void *pb) {
    const holder *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->pid != b->pid)
        return a->pid < b->pid ? -1 : 1;
    return a->value < b->value ? -1 : a->value > b->value;
}

/* The row of group g, whose holders are h[0..n) sorted by pid. */
static void fill_row(const scan *s, size_t g, const holder *h, size_t n,
                     spy_seg_info *info) {
    const group *gr = &s->g[g];
    size_t i, pids = 0;
    int writable = 0;
    void *view;

    spy_seg_info_init(info);
    snprintf(info->name, sizeof info->name, "handle:%lu:0x%llx",
             (unsigned long)h[0].pid, (unsigned long long)h[0].value);
    snprintf(info->owner, sizeof info->owner, "-");
    snprintf(info->group, sizeof info->group, "-");
    info->kind = SPY_KIND_ANON;
    for (i = 0; i < n; i++) {
        pids += i == 0 || h[i].pid != h[i - 1].pid;
        writable |= (h[i].access & SECTION_MAP_WRITE) != 0;
    }
    /* A lower bound when processes could not be looked into. */
    info->holders_min = info->nattch_min = (int32_t)pids;
    info->holders = info->nattch = s->hidden ? -1 : (int32_t)pids;
    info->win_handles = (int32_t)spy__nt_handle_count(gr->rep);
    if (gr->have_sb) {
        info->size = (uint64_t)gr->sb.MaximumSize.QuadPart;
        info->win_max_size = info->size;
    }
    /* The backing file, if any, from a view of its first page. */
    view = MapViewOfFile(gr->rep, FILE_MAP_READ, 0, 0,
                         gr->have_sb && info->size < 4096 ? (SIZE_T)info->size
                                                          : 4096);
    if (view != NULL) {
        if (!gr->have_sb) {
            MEMORY_BASIC_INFORMATION mbi;
            if (VirtualQuery(view, &mbi, sizeof mbi) != 0)
                info->size = (uint64_t)mbi.RegionSize; /* whole pages */
        }
        if (spy__mapped_file(GetCurrentProcess(), view, info->origin,
                             sizeof info->origin) == 0)
            info->kind = SPY_KIND_FILE;
        UnmapViewOfFile(view);
    }
    if (info->kind == SPY_KIND_ANON && gr->have_sb &&
        (gr->sb.AllocationAttributes & SPY_SEC_FILE)) {
        info->kind = SPY_KIND_FILE; /* its file's name could not be read */
        snprintf(info->origin, sizeof info->origin, "?");
    }
    if (info->kind == SPY_KIND_ANON)
        snprintf(info->origin, sizeof info->origin, "paging file");
    spy__win_owner(gr->rep, info->owner, sizeof info->owner);
    if (spy__win_mode(gr->rep, &info->mode) != 0)
        info->mode = writable ? 0666 : 0444;
    if (!gr->have_sb && view == NULL)
        snprintf(info->problem, sizeof info->problem,
                 "size unknown: neither NtQuerySection nor a view answered");
}

int spy__unnamed_list(unsigned flags, spy_list_cb cb, void *arg, spy_err *err) {
    spy_seg_info *info;
    scan s;
    size_t i, j;
    int rc, stop = 0;

    if (!(flags & (SPY_LIST_ANON | SPY_LIST_FILES)))
        return 0;
    if ((rc = scan_all(&s, err)) != 0)
        return rc;
    info = malloc(sizeof *info);
    if (info == NULL) {
        scan_free(&s);
        return spy_err_set(err, SPY_ENOMEM, 0, "list: out of memory");
    }
    qsort(s.h, s.nh, sizeof *s.h, holder_cmp);
    for (i = 0; i < s.nh && !stop; i = j) {
        for (j = i; j < s.nh && s.h[j].group == s.h[i].group; j++)
            ;
        fill_row(&s, s.h[i].group, s.h + i, j - i, info);
        if (info->kind == SPY_KIND_ANON ? (flags & SPY_LIST_ANON)
                                        : (flags & SPY_LIST_FILES))
            stop = cb(info, arg);
    }
    free(info);
    scan_free(&s);
    return 0;
}

int spy__unnamed_holders(const spy_name *n, spy_mapper_cb cb, void *arg,
                         int *hidden, spy_err *err) {
    char canon[SPY_NAME_MAX];
    spy__handle_table *t;
    ULONG_PTR self = GetCurrentProcessId(), proc_pid = 0, i;
    HANDLE target, proc = NULL;
    PVOID object = NULL;
    USHORT type = 0;
    int found = 0, denied = 0, rc = 0, have_compare;

    if (hidden != NULL)
        *hidden = 0;
    spy_name_format(n, canon, sizeof canon);
    if ((rc = spy__dup_section((int32_t)n->id, n->addr, 0, canon, &target,
                               err)) != 0)
        return rc;
    if ((t = spy__handles_read()) == NULL) {
        CloseHandle(target);
        return spy_err_set(err, SPY_EIO, 0,
                           "%s: the system handle table could not be read",
                           canon);
    }
    for (i = 0; i < t->NumberOfHandles; i++)
        if (t->Handles[i].UniqueProcessId == (ULONG_PTR)n->id &&
            t->Handles[i].HandleValue == (ULONG_PTR)n->addr) {
            type = t->Handles[i].ObjectTypeIndex;
            object = t->Handles[i].Object;
            found = 1;
            break;
        }
    /* Without the kernel address nor NtCompareObjects, only the handle
     * that names it is known to hold it. */
    have_compare = object != NULL || compare_call() != NULL;
    for (i = 0; found && i < t->NumberOfHandles && rc == 0; i++) {
        const spy__handle_entry *h = &t->Handles[i];
        int same;
        HANDLE dup = NULL;
        spy_mapper m;
        if (h->ObjectTypeIndex != type || h->UniqueProcessId == self)
            continue;
        if (h->UniqueProcessId != proc_pid) {
            if (proc != NULL)
                CloseHandle(proc);
            proc_pid = h->UniqueProcessId;
            proc = OpenProcess(PROCESS_DUP_HANDLE |
                                   PROCESS_QUERY_LIMITED_INFORMATION,
                               FALSE, (DWORD)proc_pid);
            if (proc == NULL)
                denied++;
        }
        if (h->UniqueProcessId == (ULONG_PTR)n->id &&
            h->HandleValue == (ULONG_PTR)n->addr) {
            same = 1;
        } else if (!have_compare) {
            same = 0;
        } else if (object != NULL && h->Object != NULL) {
            same = h->Object == object;
        } else {
            if (proc == NULL || !DuplicateHandle(proc, (HANDLE)h->HandleValue,
                                                 GetCurrentProcess(), &dup, 0,
                                                 FALSE, DUPLICATE_SAME_ACCESS))
                continue;
            same = same_object(target, dup) == 1;
            CloseHandle(dup);
        }
        if (!same)
            continue;
        memset(&m, 0, sizeof m);
        m.fd = -1;
        m.pid = (int32_t)h->UniqueProcessId;
        spy__process_image(proc, m.comm, sizeof m.comm);
        spy__section_perms(h->GrantedAccess, m.perms);
        m.handle = (uint64_t)h->HandleValue;
        m.handle_only = 1;
        if (cb(&m, arg) != 0)
            rc = 1;
    }
    if (proc != NULL)
        CloseHandle(proc);
    free(t);
    CloseHandle(target);
    if (hidden != NULL)
        *hidden = denied;
    return 0;
}

int spy__pid_view_mapper(const spy_name *n, spy_mapper_cb cb, void *arg,
                         spy_err *err) {
    MEMORY_BASIC_INFORMATION mbi;
    char canon[SPY_NAME_MAX];
    spy_mapper m;
    uint64_t base, q;
    HANDLE proc = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, (DWORD)n->id);

    spy_name_format(n, canon, sizeof canon);
    if (proc == NULL)
        return spy_err_set(err, SPY_ENOENT, (int)GetLastError(),
                           "%s: process %d cannot be asked", canon, (int)n->id);
    if (VirtualQueryEx(proc, (LPCVOID)(uintptr_t)n->addr, &mbi, sizeof mbi) ==
            0 ||
        mbi.Type != MEM_MAPPED) {
        CloseHandle(proc);
        return spy_err_set(err, SPY_ENOENT, 0,
                           "%s: no view of a section holds the address", canon);
    }
    memset(&m, 0, sizeof m);
    m.fd = -1;
    m.pid = (int32_t)n->id;
    m.perms[0] = 'r';
    m.perms[1] =
        (mbi.Protect & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE)) ? 'w' : '-';
    m.perms[2] = (mbi.Protect & 0xf0) ? 'x' : '-';
    m.perms[3] = 's';
    base = (uint64_t)(uintptr_t)mbi.AllocationBase;
    for (q = base;
         VirtualQueryEx(proc, (LPCVOID)(uintptr_t)q, &mbi, sizeof mbi) != 0 &&
         (uint64_t)(uintptr_t)mbi.AllocationBase == base && mbi.RegionSize > 0;)
        q = (uint64_t)(uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    m.start = base;
    m.end = q;
    m.deleted = -1;
    CloseHandle(proc);
    proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)n->id);
    spy__process_image(proc, m.comm, sizeof m.comm);
    if (proc != NULL)
        CloseHandle(proc);
    cb(&m, arg);
    return 0;
}
