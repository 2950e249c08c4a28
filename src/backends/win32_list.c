/* win32_list.c - listing named sections: the object directories of the NT
 * namespace, read with ntdll's NtOpenDirectoryObject and
 * NtQueryDirectoryObject, and the section queries (NtQuerySection,
 * NtQueryObject).
 *
 * `Local\` names live in \Sessions\<session id>\BaseNamedObjects, `Global\`
 * names in \BaseNamedObjects. These calls are not in the Windows SDK's
 * import libraries for user programs: they are resolved from ntdll at run
 * time, and a missing one is an error message, never a crash. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win32_internal.h"

/* The NT types these calls take, as ntdll defines them. */
typedef struct spy__ustr {
    USHORT Length, MaximumLength; /* bytes, not characters */
    PWSTR Buffer;
} spy__ustr;

typedef struct spy__obj_attr {
    ULONG Length;
    HANDLE RootDirectory;
    spy__ustr *ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} spy__obj_attr;

typedef struct spy__dir_info {
    spy__ustr Name;
    spy__ustr TypeName;
} spy__dir_info;

typedef struct spy__obj_basic {
    ULONG Attributes;
    ACCESS_MASK GrantedAccess;
    ULONG HandleCount;
    ULONG PointerCount;
    ULONG Reserved[10];
} spy__obj_basic;

typedef LONG(NTAPI *open_dir_fn)(HANDLE *, ACCESS_MASK, spy__obj_attr *);
typedef LONG(NTAPI *query_dir_fn)(HANDLE, PVOID, ULONG, BOOLEAN, BOOLEAN,
                                  ULONG *, ULONG *);
typedef LONG(NTAPI *query_section_fn)(HANDLE, int, PVOID, SIZE_T, SIZE_T *);
typedef LONG(NTAPI *query_object_fn)(HANDLE, int, PVOID, ULONG, ULONG *);
typedef ULONG(NTAPI *status_to_error_fn)(LONG);

#define SPY_DIRECTORY_QUERY 0x0001
#define SPY_OBJ_CASE_INSENSITIVE 0x00000040L

static struct {
    int loaded;
    open_dir_fn open_dir;
    query_dir_fn query_dir;
    query_section_fn query_section;
    query_object_fn query_object;
    status_to_error_fn status_to_error;
} nt;

/* Resolves the ntdll calls once. ntdll is in every process, so
 * GetModuleHandle suffices; GetProcAddress returns FARPROC, cast through
 * a generic function pointer to the real signature. */
static void nt_load(void) {
    HMODULE m;
    if (nt.loaded)
        return;
    nt.loaded = 1;
    m = GetModuleHandleW(L"ntdll.dll");
    if (m == NULL)
        return;
#define SPY_NT(field, type, name)                                              \
    nt.field = (type)(void (*)(void))GetProcAddress(m, name)
    SPY_NT(open_dir, open_dir_fn, "NtOpenDirectoryObject");
    SPY_NT(query_dir, query_dir_fn, "NtQueryDirectoryObject");
    SPY_NT(query_section, query_section_fn, "NtQuerySection");
    SPY_NT(query_object, query_object_fn, "NtQueryObject");
    SPY_NT(status_to_error, status_to_error_fn, "RtlNtStatusToDosError");
#undef SPY_NT
}

LONG spy__nt_query_section(HANDLE section, spy__section_basic *out) {
    SIZE_T got = 0;
    nt_load();
    if (nt.query_section == NULL)
        return SPY_STATUS_NOT_IMPLEMENTED;
    /* Class 0: SectionBasicInformation. */
    return nt.query_section(section, 0, out, sizeof *out, &got);
}

long spy__nt_handle_count(HANDLE h) {
    spy__obj_basic b;
    ULONG got = 0;
    nt_load();
    /* Class 0: ObjectBasicInformation. */
    if (nt.query_object == NULL ||
        nt.query_object(h, 0, &b, sizeof b, &got) != SPY_STATUS_SUCCESS)
        return -1;
    return (long)b.HandleCount;
}

void spy__win_dir_path(int global, WCHAR *buf, size_t cap) {
    DWORD session = 0;
    if (global || !ProcessIdToSessionId(GetCurrentProcessId(), &session)) {
        if (!global)
            session = 0; /* unknown: the global directory is all we have */
    }
    if (global)
        _snwprintf(buf, cap, L"\\BaseNamedObjects");
    else
        _snwprintf(buf, cap, L"\\Sessions\\%lu\\BaseNamedObjects",
                   (unsigned long)session);
    buf[cap - 1] = 0;
}

/* The GetLastError equivalent of an NTSTATUS, for spy__win_error. */
static DWORD status_error(LONG st) {
    if (nt.status_to_error != NULL)
        return (DWORD)nt.status_to_error(st);
    return ERROR_GEN_FAILURE;
}

static int is_section_type(const spy__ustr *t) {
    static const WCHAR section[] = L"Section";
    return t->Length == sizeof section - sizeof(WCHAR) &&
           memcmp(t->Buffer, section, t->Length) == 0;
}

/* Fills *info for the section `prefix\name` and reports it. A section we
 * may not open is still listed, size 0, with the reason. */
static int report(const char *prefix, const spy__ustr *name, spy_seg_info *info,
                  spy_list_cb cb, void *arg) {
    static WCHAR wide[1024];
    char utf8[SPY_NAME_MAX - 16];
    int wp;
    HANDLE h;

    if (spy__wide_to_utf8(name->Buffer, name->Length / (int)sizeof(WCHAR), utf8,
                          sizeof utf8) != 0)
        return 0; /* a name that is not UTF-16: skip it */
    spy_seg_info_init(info);
    info->kind = SPY_KIND_WIN_SECTION;
    snprintf(info->name, sizeof info->name, "%s\\%s", prefix, utf8);
    snprintf(info->owner, sizeof info->owner, "-");
    snprintf(info->group, sizeof info->group, "-");
    /* "Local\" or "Global\" and the name, as UTF-16 for the API. */
    wp = MultiByteToWideChar(CP_UTF8, 0, prefix, -1, wide, 16);
    if (wp <= 0 || (size_t)wp + name->Length / sizeof(WCHAR) + 1 >
                       sizeof wide / sizeof wide[0])
        return 0; /* longer than any name we can open: skip it */
    wide[wp - 1] = L'\\';
    memcpy(wide + wp, name->Buffer, name->Length);
    wide[wp + name->Length / sizeof(WCHAR)] = 0;
    /* Wine wants map access too before it answers NtQuerySection. */
    h = OpenFileMappingW(SECTION_QUERY | FILE_MAP_READ, FALSE, wide);
    if (h == NULL && GetLastError() == ERROR_ACCESS_DENIED)
        h = OpenFileMappingW(SECTION_QUERY, FALSE, wide);
    if (h != NULL) {
        spy__section_basic sb;
        if (spy__nt_query_section(h, &sb) == SPY_STATUS_SUCCESS) {
            info->size = (uint64_t)sb.MaximumSize.QuadPart;
            info->win_max_size = info->size;
        } else {
            snprintf(info->problem, sizeof info->problem,
                     "size unknown: NtQuerySection failed");
        }
        CloseHandle(h);
    } else if (GetLastError() == ERROR_FILE_NOT_FOUND) {
        return 0; /* its last handle went while we listed */
    } else {
        snprintf(info->problem, sizeof info->problem,
                 "size unknown: cannot open it (error %lu)",
                 (unsigned long)GetLastError());
    }
    return cb(info, arg);
}

/* Lists the sections of one object directory. */
static int list_dir(int global, spy_list_cb cb, void *arg, spy_seg_info *info,
                    int *stopped, spy_err *err) {
    WCHAR path[128];
    spy__ustr upath;
    spy__obj_attr oa;
    HANDLE dir = NULL;
    ULONG cap = 16384, ctx = 0, got = 0;
    BOOLEAN restart = TRUE, single = FALSE;
    uint8_t *buf = NULL;
    LONG st;
    int rc = 0, stop = 0;
    const char *prefix = global ? "Global" : "Local";

    *stopped = 0;

    spy__win_dir_path(global, path, sizeof path / sizeof path[0]);
    upath.Buffer = path;
    upath.Length = (USHORT)(wcslen(path) * sizeof(WCHAR));
    upath.MaximumLength = (USHORT)(upath.Length + sizeof(WCHAR));
    memset(&oa, 0, sizeof oa);
    oa.Length = sizeof oa;
    oa.ObjectName = &upath;
    oa.Attributes = SPY_OBJ_CASE_INSENSITIVE;
    st = nt.open_dir(&dir, SPY_DIRECTORY_QUERY, &oa);
    if (st == SPY_STATUS_OBJECT_NAME_NOT_FOUND ||
        st == SPY_STATUS_OBJECT_PATH_NOT_FOUND)
        return 0; /* no such directory (no session objects yet) */
    if (st != SPY_STATUS_SUCCESS) {
        char what[64];
        snprintf(what, sizeof what, "%s sections", prefix);
        return spy__win_error(what, "NtOpenDirectoryObject", status_error(st),
                              err);
    }
    while (!stop) {
        uint8_t *nb;
        spy__dir_info *e;
        if (buf == NULL) {
            nb = malloc(cap);
            if (nb == NULL) {
                rc = spy_err_set(err, SPY_ENOMEM, 0, "list: out of memory");
                break;
            }
            buf = nb;
        }
        st = nt.query_dir(dir, buf, cap, single, restart, &ctx, &got);
        if (st == SPY_STATUS_NO_MORE_ENTRIES)
            break;
        if (st == SPY_STATUS_NOT_IMPLEMENTED && !single) {
            /* Some implementations return one entry per call only. */
            single = TRUE;
            restart = TRUE;
            ctx = 0;
            continue;
        }
        if (st == SPY_STATUS_BUFFER_TOO_SMALL ||
            (st == SPY_STATUS_MORE_ENTRIES && got == 0)) {
            /* Not even one entry fits: grow and ask again from the same
             * place (ctx is unchanged by a failed call). */
            if (cap >= (1u << 26)) {
                rc = spy_err_set(err, SPY_ENOMEM, 0,
                                 "list: a directory entry larger than 64 MiB");
                break;
            }
            cap *= 2;
            free(buf);
            buf = NULL;
            continue;
        }
        if (st != SPY_STATUS_SUCCESS && st != SPY_STATUS_MORE_ENTRIES) {
            rc = spy__win_error(prefix, "NtQueryDirectoryObject",
                                status_error(st), err);
            break;
        }
        /* The buffer holds an array of entries ended by an all-zero one;
         * the strings follow the array. */
        for (e = (spy__dir_info *)(void *)buf; e->Name.Buffer != NULL && !stop;
             e++) {
            if (is_section_type(&e->TypeName))
                stop = report(prefix, &e->Name, info, cb, arg);
            if (single)
                break;
        }
        restart = FALSE;
        if (st == SPY_STATUS_MORE_ENTRIES && cap < (1u << 20)) {
            /* More than fit: continue from ctx with a larger buffer. */
            cap *= 2;
            free(buf);
            buf = NULL;
        }
    }
    free(buf);
    CloseHandle(dir);
    *stopped = stop;
    return rc;
}

int spy_backend_list(unsigned flags, spy_list_cb cb, void *arg, spy_err *err) {
    spy_seg_info *info;
    int rc, stopped = 0;

    if (!(flags & SPY_LIST_WIN))
        return 0; /* POSIX and System V objects do not exist here */
    nt_load();
    if (nt.open_dir == NULL || nt.query_dir == NULL)
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "list: ntdll lacks NtOpenDirectoryObject or "
                           "NtQueryDirectoryObject");
    /* One record reused for every row: it holds a 4 KiB name. */
    info = malloc(sizeof *info);
    if (info == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "list: out of memory");
    rc = list_dir(0, cb, arg, info, &stopped, err);
    if (rc == 0 && !stopped)
        rc = list_dir(1, cb, arg, info, &stopped, err);
    free(info);
    return rc;
}
