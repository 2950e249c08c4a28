/* win32/mappers.c - spy_mappers on Windows: which processes hold the
 * section open.
 *
 * Windows has no /proc/PID/maps. What it does have is the system-wide
 * handle table (NtQuerySystemInformation, SystemExtendedHandleInformation):
 * process id, handle value, granted access and object type of every open
 * handle. Its Object field would identify the section directly, but it is
 * zero where the caller may not see kernel addresses (and always under
 * Wine), so each candidate handle of the section type is duplicated into
 * this process and its name compared with ours (NtQueryObject,
 * ObjectNameInformation): a named section has exactly one name. Only
 * handles of the section type are duplicated, never pipes or files, whose
 * name queries can block.
 *
 * What this cannot see: a process that mapped a view and then closed its
 * handle (the view keeps the section alive, but nothing names it), and
 * where in that process the views are (pagefile-backed views carry no
 * name). Rows say "handle 0x..." instead of an address range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* One entry of SystemExtendedHandleInformation, as ntdll defines it. */
typedef struct handle_entry {
    PVOID Object;
    ULONG_PTR UniqueProcessId;
    ULONG_PTR HandleValue;
    ULONG GrantedAccess;
    USHORT CreatorBackTraceIndex;
    USHORT ObjectTypeIndex;
    ULONG HandleAttributes;
    ULONG Reserved;
} handle_entry;

typedef struct handle_table {
    ULONG_PTR NumberOfHandles;
    ULONG_PTR Reserved;
    handle_entry Handles[1];
} handle_table;

typedef struct name_info { /* OBJECT_NAME_INFORMATION */
    USHORT Length, MaximumLength;
    PWSTR Buffer;
} name_info;

typedef LONG(NTAPI *query_system_fn)(ULONG, PVOID, ULONG, ULONG *);
typedef LONG(NTAPI *query_object_fn)(HANDLE, int, PVOID, ULONG, ULONG *);

#define SYSTEM_EXTENDED_HANDLE_INFORMATION 64
#define OBJECT_NAME_INFORMATION 1
#define STATUS_INFO_LENGTH_MISMATCH ((LONG)0xC0000004L)
#define TABLE_MAX (1u << 28) /* 256 MiB: about 6 million handles */

/* The two ntdll calls, resolved at run time; 0, or -1 if absent. */
static int nt_calls(query_system_fn *qs, query_object_fn *qo) {
    HMODULE m = GetModuleHandleW(L"ntdll.dll");
    if (m == NULL)
        return -1;
    *qs = (query_system_fn)(void (*)(void))GetProcAddress(
        m, "NtQuerySystemInformation");
    *qo = (query_object_fn)(void (*)(void))GetProcAddress(m, "NtQueryObject");
    return *qs != NULL && *qo != NULL ? 0 : -1;
}

/* Every open handle of the system, in a malloc'd table; NULL on failure.
 * The table grows while it is read, so the size is retried. */
static handle_table *all_handles(query_system_fn qs) {
    ULONG cap = 1u << 20, got = 0;
    handle_table *t = NULL;
    for (;;) {
        handle_table *n = realloc(t, cap);
        LONG st;
        if (n == NULL) {
            free(t);
            return NULL;
        }
        t = n;
        st = qs(SYSTEM_EXTENDED_HANDLE_INFORMATION, t, cap, &got);
        if (st == SPY_STATUS_SUCCESS)
            return t;
        if (st != STATUS_INFO_LENGTH_MISMATCH || cap >= TABLE_MAX) {
            free(t);
            return NULL;
        }
        cap = got > cap ? got + (got >> 2) : cap * 2;
        if (cap > TABLE_MAX)
            cap = TABLE_MAX;
    }
}

/* The object name of h, NUL-terminated, in buf (cap characters); -1 when
 * it has none or it does not fit. */
static int object_name(query_object_fn qo, HANDLE h, WCHAR *buf, size_t cap) {
    union {
        name_info ni;
        unsigned char raw[sizeof(name_info) + 2048];
    } u;
    ULONG got = 0;
    size_t n;
    if (qo(h, OBJECT_NAME_INFORMATION, &u, sizeof u, &got) !=
            SPY_STATUS_SUCCESS ||
        u.ni.Buffer == NULL || u.ni.Length == 0)
        return -1;
    n = u.ni.Length / sizeof(WCHAR);
    if (n + 1 > cap)
        return -1;
    memcpy(buf, u.ni.Buffer, n * sizeof(WCHAR));
    buf[n] = 0;
    return 0;
}

/* The file name of process pid's image ("writer.exe"), or "?" . */
static void process_name(HANDLE proc, char *out, size_t cap) {
    WCHAR path[MAX_PATH];
    DWORD n = MAX_PATH;
    char full[MAX_PATH * 3];
    const char *base;
    size_t len;
    snprintf(out, cap, "?");
    if (proc == NULL || !QueryFullProcessImageNameW(proc, 0, path, &n) ||
        spy__wide_to_utf8(path, (int)n, full, sizeof full) != 0)
        return;
    base = strrchr(full, '\\');
    base = base != NULL ? base + 1 : full;
    len = strlen(base);
    if (len >= cap) /* cut at a character boundary */
        for (len = cap - 1;
             len > 0 && ((unsigned char)base[len] & 0xc0) == 0x80; len--)
            ;
    memcpy(out, base, len);
    out[len] = '\0';
}

/* "rw-s" from a section handle's granted access. */
static void access_perms(ULONG a, char perms[5]) {
    perms[0] = (a & SECTION_MAP_READ) ? 'r' : '-';
    perms[1] = (a & SECTION_MAP_WRITE) ? 'w' : '-';
    perms[2] = (a & SECTION_MAP_EXECUTE) ? 'x' : '-';
    perms[3] = 's';
    perms[4] = '\0';
}

int spy_mappers(const spy_seg_info *info, spy_mapper_cb cb, void *arg,
                int *hidden, spy_err *err) {
    WCHAR wide[4096], mine[1024], theirs[1024];
    char canon[SPY_NAME_MAX];
    query_system_fn qs;
    query_object_fn qo;
    handle_table *t;
    spy_name n;
    HANDLE self_h, proc = NULL;
    ULONG_PTR self = GetCurrentProcessId(), proc_pid = 0, i;
    USHORT type = 0;
    int found_self = 0, denied = 0, rc = 0;

    if (hidden != NULL)
        *hidden = 0;
    if (info->kind != SPY_KIND_WIN_SECTION)
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: only sections have mappers to find on Windows",
                           info->name);
    if (spy_name_parse(info->name, &n, err) != 0 ||
        spy__win_section_name(&n, canon, sizeof canon, wide, 4096, err) != 0)
        return SPY_EINVAL;
    if (nt_calls(&qs, &qo) != 0)
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: ntdll lacks NtQuerySystemInformation",
                           info->name);
    self_h = OpenFileMappingW(SECTION_QUERY, FALSE, wide);
    if (self_h == NULL)
        return spy__win_error(canon, "open", GetLastError(), err);
    if (object_name(qo, self_h, mine, sizeof mine / sizeof mine[0]) != 0) {
        CloseHandle(self_h);
        return spy_err_set(err, SPY_EIO, 0, "%s: the section has no name",
                           canon);
    }
    if ((t = all_handles(qs)) == NULL) {
        CloseHandle(self_h);
        return spy_err_set(err, SPY_EIO, 0,
                           "%s: the system handle table could not be read",
                           canon);
    }
    /* Our own handle tells the section type's index. */
    for (i = 0; i < t->NumberOfHandles; i++)
        if (t->Handles[i].UniqueProcessId == self &&
            t->Handles[i].HandleValue == (ULONG_PTR)self_h) {
            type = t->Handles[i].ObjectTypeIndex;
            found_self = 1;
            break;
        }
    for (i = 0; found_self && i < t->NumberOfHandles && rc == 0; i++) {
        const handle_entry *h = &t->Handles[i];
        HANDLE dup = NULL;
        spy_mapper m;
        if (h->ObjectTypeIndex != type || h->UniqueProcessId == self)
            continue;
        if (h->UniqueProcessId != proc_pid) { /* handles come per process */
            if (proc == NULL && proc_pid != 0)
                denied++;
            if (proc != NULL)
                CloseHandle(proc);
            proc_pid = h->UniqueProcessId;
            proc = OpenProcess(PROCESS_DUP_HANDLE |
                                   PROCESS_QUERY_LIMITED_INFORMATION,
                               FALSE, (DWORD)proc_pid);
        }
        if (proc == NULL ||
            !DuplicateHandle(proc, (HANDLE)h->HandleValue, GetCurrentProcess(),
                             &dup, 0, FALSE, DUPLICATE_SAME_ACCESS))
            continue;
        if (object_name(qo, dup, theirs, sizeof theirs / sizeof theirs[0]) ==
                0 &&
            wcscmp(theirs, mine) == 0) {
            memset(&m, 0, sizeof m);
            m.fd = -1;
            m.pid = (int32_t)h->UniqueProcessId;
            process_name(proc, m.comm, sizeof m.comm);
            access_perms(h->GrantedAccess, m.perms);
            m.handle = (uint64_t)h->HandleValue;
            m.handle_only = 1;
            if (cb(&m, arg) != 0)
                rc = 1;
        }
        CloseHandle(dup);
    }
    if (proc == NULL && proc_pid != 0)
        denied++;
    if (proc != NULL)
        CloseHandle(proc);
    free(t);
    CloseHandle(self_h);
    if (hidden != NULL)
        *hidden = denied;
    return 0;
}

/* Windows knows holders only as handles: the section's handle holders are
 * exactly what spy_mappers reports. */
int spy_holders(const spy_seg_info *info, spy_mapper_cb cb, void *arg,
                int *hidden, spy_err *err) {
    return spy_mappers(info, cb, arg, hidden, err);
}
