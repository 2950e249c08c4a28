/* win32/list.c - listing named sections: the object directories of the NT
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

#include "internal.h"

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
typedef LONG(NTAPI *open_section_fn)(HANDLE *, ACCESS_MASK, spy__obj_attr *);
typedef LONG(NTAPI *query_section_fn)(HANDLE, int, PVOID, SIZE_T, SIZE_T *);
typedef LONG(NTAPI *query_object_fn)(HANDLE, int, PVOID, ULONG, ULONG *);
typedef ULONG(NTAPI *status_to_error_fn)(LONG);

#define SPY_DIRECTORY_QUERY 0x0001
#define SPY_OBJ_CASE_INSENSITIVE 0x00000040L
/* Largest directory listing read in one NtQueryDirectoryObject call. */
#define SPY_DIR_BUF_MAX (1u << 26)

static struct {
    int loaded;
    open_dir_fn open_dir;
    query_dir_fn query_dir;
    open_section_fn open_section;
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
    SPY_NT(open_section, open_section_fn, "NtOpenSection");
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

/* Opens the entry `name` of the object directory `dir` by its counted
 * UTF-16 name, exactly as enumerated: no conversion to text and back, so
 * a name that is not valid Unicode (unpaired surrogates), holds U+0000 or
 * is too long for our buffers still opens. NULL and the NTSTATUS in *st
 * on failure; map access first (Wine wants it before NtQuerySection),
 * then query access alone. */
static HANDLE open_entry(HANDLE dir, const spy__ustr *name, LONG *st) {
    static const ACCESS_MASK tries[3] = {
        SECTION_QUERY | SECTION_MAP_READ | READ_CONTROL,
        SECTION_QUERY | SECTION_MAP_READ, SECTION_QUERY};
    spy__ustr n = *name;
    spy__obj_attr oa;
    HANDLE h = NULL;
    int i;

    memset(&oa, 0, sizeof oa);
    oa.Length = sizeof oa;
    oa.RootDirectory = dir;
    oa.ObjectName = &n;
    *st = SPY_STATUS_NOT_IMPLEMENTED;
    for (i = 0; i < 3; i++) {
        *st = nt.open_section(&h, tries[i], &oa);
        if (*st == SPY_STATUS_SUCCESS)
            return h;
        if (*st != SPY_STATUS_ACCESS_DENIED)
            break;
    }
    return NULL;
}

/* 1 if the entry `name` of `dir` opens for mapping with write access. */
static int may_write(HANDLE dir, const spy__ustr *name) {
    spy__ustr n = *name;
    spy__obj_attr oa;
    HANDLE h = NULL;

    memset(&oa, 0, sizeof oa);
    oa.Length = sizeof oa;
    oa.RootDirectory = dir;
    oa.ObjectName = &n;
    if (nt.open_section(&h, SECTION_QUERY | SECTION_MAP_WRITE, &oa) !=
        SPY_STATUS_SUCCESS)
        return 0;
    CloseHandle(h);
    return 1;
}

/* Fills *info for the section `prefix\name` of directory `dir` and
 * reports it. Every entry becomes a row: a section we may not open is
 * listed, size 0, with the reason; a name too long for a row is cut short
 * and says so. Only a section gone since the directory was read (its last
 * handle closed meanwhile) is skipped, as a vanished file is on POSIX. */
static int report(HANDLE dir, const char *prefix, const spy__ustr *name,
                  spy_seg_info *info, spy_list_cb cb, void *arg) {
    size_t pl = strlen(prefix) + 1;
    int units = name->Length / (int)sizeof(WCHAR);
    LONG st;
    HANDLE h;

    spy_seg_info_init(info);
    info->kind = SPY_KIND_WIN_SECTION;
    snprintf(info->name, sizeof info->name, "%s\\", prefix);
    snprintf(info->owner, sizeof info->owner, "-");
    snprintf(info->group, sizeof info->group, "-");
    /* WTF-8 (win32/seg.c): unpaired surrogates and U+0000 become bytes that
     * are not UTF-8, which every output escapes visibly. */
    if (spy__wide_to_utf8(name->Buffer, units, info->name + pl,
                          sizeof info->name - pl) != 0) {
        /* Cut at a character boundary, leaving room for "...". */
        size_t cut = sizeof info->name - 4;
        while (cut > pl && ((unsigned char)info->name[cut] & 0xc0u) == 0x80)
            cut--;
        memcpy(info->name + cut, "...", 4);
        snprintf(info->problem, sizeof info->problem,
                 "name of %d UTF-16 units cut short here; too long to open "
                 "by name (at most %d bytes)",
                 units, SPY_NAME_MAX - 1);
    }
    if (nt.open_section == NULL) {
        if (info->problem[0] == '\0')
            snprintf(info->problem, sizeof info->problem,
                     "size unknown: ntdll lacks NtOpenSection");
        return cb(info, arg);
    }
    h = open_entry(dir, name, &st);
    if (h != NULL) {
        spy__section_basic sb;
        if (spy__nt_query_section(h, &sb) == SPY_STATUS_SUCCESS) {
            info->size = (uint64_t)sb.MaximumSize.QuadPart;
            info->win_max_size = info->size;
        } else if (info->problem[0] == '\0') {
            snprintf(info->problem, sizeof info->problem,
                     "size unknown: NtQuerySection failed");
        }
        /* Owner, mode (as stat says it: 0666 when we may map it for
         * writing) and the handles other processes hold. */
        spy__win_owner(h, info->owner, sizeof info->owner);
        if (spy__win_mode(h, &info->mode) != 0)
            info->mode = may_write(dir, name) ? 0666 : 0444;
        info->win_handles = (int32_t)spy__nt_handle_count(h);
        info->nattch = info->win_handles > 0 ? info->win_handles - 1 : -1;
        CloseHandle(h);
    } else if (st == SPY_STATUS_OBJECT_NAME_NOT_FOUND) {
        return 0; /* its last handle went while we listed */
    } else if (info->problem[0] == '\0') {
        snprintf(info->problem, sizeof info->problem,
                 st == SPY_STATUS_ACCESS_DENIED
                     ? "size unknown: access denied (NTSTATUS 0x%08lx)"
                     : "size unknown: cannot open it (NTSTATUS 0x%08lx)",
                 (unsigned long)(ULONG)st);
    }
    return cb(info, arg);
}

/* The section names of one directory, copied out of the query buffers. */
typedef struct dir_names {
    spy__ustr *v;
    size_t n, cap;
} dir_names;

static int names_add(dir_names *d, const spy__ustr *u) {
    spy__ustr c;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        spy__ustr *nv = realloc(d->v, cap * sizeof *nv);
        if (nv == NULL)
            return -1;
        d->v = nv;
        d->cap = cap;
    }
    c.Length = c.MaximumLength = u->Length;
    c.Buffer = malloc(u->Length ? u->Length : 1);
    if (c.Buffer == NULL)
        return -1;
    memcpy(c.Buffer, u->Buffer, u->Length);
    d->v[d->n++] = c;
    return 0;
}

static void names_free(dir_names *d) {
    size_t i;
    for (i = 0; i < d->n; i++)
        free(d->v[i].Buffer);
    free(d->v);
}

static int name_cmp(const void *pa, const void *pb) {
    const spy__ustr *a = pa, *b = pb;
    int c = memcmp(a->Buffer, b->Buffer,
                   a->Length < b->Length ? a->Length : b->Length);
    if (c != 0)
        return c;
    return a->Length < b->Length ? -1 : a->Length > b->Length;
}

/* One pass over the directory: appends the names of its sections to *d,
 * and their count and a hash of the sequence to *count, *hash. *atomic
 * stays 1 when the pass was one NtQueryDirectoryObject call (one
 * consistent snapshot); 0 when it took several calls continuing from ctx,
 * an index into a list that may change between the calls (skipping or
 * repeating entries while sections come and go): one entry per call where
 * an implementation has only that (Wine), or a listing over 64 MiB. */
static int read_dir(HANDLE dir, const char *prefix, dir_names *d, size_t *count,
                    uint64_t *hash, int *atomic, spy_err *err) {
    /* Remembered from the last call (hints, not results): the buffer size
     * that sufficed, and whether this system answers one entry per call.
     * Not thread-safe: listing runs on one thread at a time (the CLI's
     * list, the TUI's browser); a second lister would need them per call. */
    static ULONG cap = 16384;
    static BOOLEAN single = FALSE;
    ULONG ctx = 0, got = 0;
    BOOLEAN restart = TRUE;
    uint8_t *buf = NULL;
    LONG st;
    int rc = 0;

    *count = 0;
    *hash = 14695981039346656037u; /* FNV-1a */
    *atomic = !single;
    for (;;) {
        spy__dir_info *e;
        if (buf == NULL) {
            buf = malloc(cap);
            if (buf == NULL) {
                rc = spy_err_set(err, SPY_ENOMEM, 0, "list: out of memory");
                break;
            }
        }
        st = nt.query_dir(dir, buf, cap, single, restart, &ctx, &got);
        if (st == SPY_STATUS_NO_MORE_ENTRIES)
            break;
        if (st == SPY_STATUS_NOT_IMPLEMENTED && !single) {
            /* Some implementations return one entry per call only. */
            single = TRUE;
            restart = TRUE;
            ctx = 0;
            *atomic = 0;
            continue;
        }
        if (st == SPY_STATUS_BUFFER_TOO_SMALL ||
            (st == SPY_STATUS_MORE_ENTRIES &&
             ((restart && !single) || got == 0))) {
            /* Not all of it (or not even one entry) fits: grow and read
             * again from the start, or from ctx once past the start. */
            if (cap >= SPY_DIR_BUF_MAX) {
                if (st == SPY_STATUS_MORE_ENTRIES && got != 0) {
                    *atomic = 0;
                    goto entries; /* huge: take it in pieces */
                }
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
    entries:
        /* The buffer holds an array of entries ended by an all-zero one;
         * the strings follow the array. */
        for (e = (spy__dir_info *)(void *)buf; e->Name.Buffer != NULL; e++) {
            if (is_section_type(&e->TypeName)) {
                const uint8_t *p = (const uint8_t *)e->Name.Buffer;
                USHORT i;
                if (names_add(d, &e->Name) != 0) {
                    rc = spy_err_set(err, SPY_ENOMEM, 0, "list: out of memory");
                    goto out;
                }
                for (i = 0; i < e->Name.Length; i++)
                    *hash = (*hash ^ p[i]) * 1099511628211u;
                *hash = (*hash ^ 0xffu) * 1099511628211u;
                (*count)++;
            }
            if (single)
                break;
        }
        restart = FALSE;
        if (st == SPY_STATUS_SUCCESS && !single)
            break; /* everything was in this buffer */
    }
out:
    free(buf);
    return rc;
}

/* Lists the sections of one object directory. The names are read first,
 * then each is opened and reported: a listing is not held up by slow
 * callbacks, and a directory read in several calls is read again (up to
 * SPY_DIR_PASSES times, until two passes agree) and the passes merged,
 * so that sections coming and going do not hide a section that stays or
 * show one twice. */
#define SPY_DIR_PASSES 24
#define SPY_DIR_READ_BUDGET 200000 /* names read in all passes */
static int list_dir(int global, spy_list_cb cb, void *arg, spy_seg_info *info,
                    int *stopped, spy_err *err) {
    WCHAR path[128];
    spy__ustr upath;
    spy__obj_attr oa;
    HANDLE dir = NULL;
    dir_names d = {NULL, 0, 0};
    size_t i, count = 0, last_count = 0, kept;
    uint64_t hash = 0, last_hash = 0;
    LONG st;
    int rc = 0, stop = 0, atomic = 1, pass;
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
    for (pass = 0; pass < SPY_DIR_PASSES && rc == 0; pass++) {
        rc = read_dir(dir, prefix, &d, &count, &hash, &atomic, err);
        if (atomic || (pass > 0 && count == last_count && hash == last_hash))
            break;
        if (pass >= 3 && d.n > SPY_DIR_READ_BUDGET)
            break; /* a huge directory in turmoil: what we have */
        last_count = count;
        last_hash = hash;
    }
    if (rc == 0 && d.n > 0) {
        qsort(d.v, d.n, sizeof d.v[0], name_cmp);
        for (i = 1, kept = 1; i < d.n; i++) {
            if (name_cmp(&d.v[i], &d.v[kept - 1]) == 0)
                free(d.v[i].Buffer);
            else
                d.v[kept++] = d.v[i];
        }
        d.n = kept;
        for (i = 0; i < d.n && !stop; i++)
            stop = report(dir, prefix, &d.v[i], info, cb, arg);
    }
    names_free(&d);
    CloseHandle(dir);
    *stopped = stop;
    return rc;
}

int spy_backend_list(unsigned flags, spy_list_cb cb, void *arg, spy_err *err) {
    spy_seg_info *info;
    int rc, stopped = 0;

    /* POSIX and System V objects do not exist here; sections without a
     * name come from the handle table (win32/unnamed.c). */
    if (!(flags & SPY_LIST_WIN))
        return spy__unnamed_list(flags, cb, arg, err);
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
    if (rc == 0 && !stopped)
        rc = spy__unnamed_list(flags, cb, arg, err);
    return rc;
}
