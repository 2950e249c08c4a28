/* win32/seg.c - seg.h on Windows: named file-mapping sections (`Local\`,
 * `Global\`, a bare name meaning Local), mapped files (file:PATH), any
 * section through a duplicate of a process's handle (handle:PID:0xH,
 * found by win32/unnamed.c) and a section's view read (and, opened for
 * writing, written) through a process's memory (pid:PID@ADDR,
 * win32/procmem.c);
 * opening, stat, guarded read/write; and the helpers the other win32/
 * files share (WTF-8 names, error translation, VirtualQuery words).
 *
 * Listing is in win32/list.c (ntdll's object directories), the fault guard
 * in win32/guard.c, the process helpers and the hold in win32/process.c.
 * GetLastError() values are translated to SPY_E* codes here
 * (spy__win_error) and nowhere else. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/escape.h"
#include "../common.h"
#include "../procmem.h"
#include "internal.h"

#include <shellapi.h> /* CommandLineToArgvW; needs windows.h first */

/* The section this process created last, while its handle is open: the
 * one name spy_seg_unlink can "remove" (by closing). */
static char created_name[SPY_NAME_MAX];

/* Longest UTF-16 name or path we pass to the API, NUL included. */
#define SPY_WNAME_MAX 4096

/* c first: common.c reaches it through a spy_seg pointer. Its name is
 * canonical ("Local\foo", "file:C:\x"); its window is a view of the
 * section, mapped a window at a time like a POSIX object (SPY__WINDOW). */
struct spy_seg {
    spy__seg_common c;
    spy_name_form form;
    HANDLE file;    /* file: only; INVALID_HANDLE_VALUE otherwise */
    HANDLE section; /* NULL while there is none (empty file) */
    /* handle:PID:0xH: whose handle the section was duplicated from;
     * pid:PID@ADDR: whose view [pstart, pend) is reached through its memory
     * (win32/procmem.c), offset 0 = the view's start. */
    int32_t hpid;
    uint64_t hvalue;
    uint64_t pstart, pend;
};
_Static_assert(offsetof(struct spy_seg, c) == 0, "see common.h");

/* A view faults when the pages behind it cannot be read (a file's disk
 * failing: EXCEPTION_IN_PAGE_ERROR) or its protection changed. */
const char spy__seg_fault_words[] = "the memory could not be accessed";

/* ---- small helpers shared by the win32/ files -------------------------
 */

/* Names are converted by hand rather than with MultiByteToWideChar /
 * WideCharToMultiByte: a section name is any sequence of UTF-16 units,
 * including unpaired surrogates (which CP_UTF8 turns into U+FFFD, so two
 * names would print alike and neither could be opened again by its
 * printed name) and U+0000. They are written as WTF-8: an unpaired
 * surrogate as its 3-byte generalized UTF-8 form (ED A0 80..ED BF BF),
 * U+0000 as C0 80. Both are invalid UTF-8, so spy_escape shows them as
 * \xNN bytes, and the bytes convert back to the same UTF-16 units. */
int spy__utf8_to_wide(const char *s, WCHAR *out, size_t cap) {
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;

    if (cap == 0)
        return -1;
    while (*p != 0) {
        uint32_t c;
        int more, i;
        if (*p < 0x80) {
            c = *p++;
            more = 0;
        } else if (*p >= 0xc2 && *p <= 0xdf) {
            c = *p++ & 0x1fu;
            more = 1;
        } else if (*p >= 0xe0 && *p <= 0xef) {
            c = *p++ & 0x0fu;
            more = 2;
        } else if (*p >= 0xf0 && *p <= 0xf4) {
            c = *p++ & 0x07u;
            more = 3;
        } else {
            goto bad; /* a continuation byte, C0/C1 (overlong), F5..FF */
        }
        for (i = 0; i < more; i++) {
            if ((*p & 0xc0u) != 0x80)
                goto bad;
            c = c << 6 | (*p++ & 0x3fu);
        }
        if ((more == 2 && c < 0x800) || (more == 3 && c < 0x10000) ||
            c > 0x10ffff)
            goto bad; /* overlong or beyond Unicode */
        if (c >= 0x10000) {
            if (o + 2 >= cap)
                goto bad;
            c -= 0x10000;
            out[o++] = (WCHAR)(0xd800 + (c >> 10));
            out[o++] = (WCHAR)(0xdc00 + (c & 0x3ffu));
        } else {
            /* A surrogate here is an unpaired one written as WTF-8. */
            if (o + 1 >= cap)
                goto bad;
            out[o++] = (WCHAR)c;
        }
    }
    out[o] = 0;
    return 0;
bad:
    out[0] = 0;
    return -1;
}

int spy__wide_to_utf8(const WCHAR *s, int len, char *out, size_t cap) {
    size_t o = 0;
    int i;

    if (cap < 2)
        return -1;
    for (i = 0; len < 0 ? s[i] != 0 : i < len; i++) {
        uint32_t c = s[i];
        unsigned char b[4];
        int n;
        if (c >= 0xd800 && c <= 0xdbff && (len < 0 || i + 1 < len) &&
            s[i + 1] >= 0xdc00 && s[i + 1] <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (uint32_t)(s[i + 1] - 0xdc00);
            i++;
        }
        if (c == 0) {
            b[0] = 0xc0, b[1] = 0x80, n = 2; /* never a NUL in the text */
        } else if (c < 0x80) {
            b[0] = (unsigned char)c, n = 1;
        } else if (c < 0x800) {
            b[0] = (unsigned char)(0xc0 | c >> 6);
            b[1] = (unsigned char)(0x80 | (c & 0x3f)), n = 2;
        } else if (c < 0x10000) {
            /* Unpaired surrogates too (WTF-8). */
            b[0] = (unsigned char)(0xe0 | c >> 12);
            b[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
            b[2] = (unsigned char)(0x80 | (c & 0x3f)), n = 3;
        } else {
            b[0] = (unsigned char)(0xf0 | c >> 18);
            b[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
            b[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
            b[3] = (unsigned char)(0x80 | (c & 0x3f)), n = 4;
        }
        if (o + (size_t)n >= cap) {
            out[o] = '\0'; /* what fits, cut at a character boundary */
            return -1;
        }
        memcpy(out + o, b, (size_t)n);
        o += (size_t)n;
    }
    out[o] = '\0';
    return 0;
}

/* main() gets its arguments in the ANSI code page, where a character the
 * page lacks (U+1F600, most scripts under code page 1252) arrives as '?'
 * or as a look-alike ("best fit": U+0101 becomes 'a'), so the name
 * would open another section or none. When `base` is the end of an
 * argument that did not survive that conversion, after an ASCII prefix
 * ("Local\", "Global\", "/" or nothing), writes the argument's true text
 * from GetCommandLineW as WTF-8 into out and returns 1; 0 when nothing
 * was lost or the match is not unique. */
static int name_from_command_line(const char *base, char *out, size_t cap) {
    char ansi[SPY_NAME_MAX + 16], tmp[SPY_NAME_MAX];
    WCHAR back[SPY_WNAME_MAX];
    size_t bl = strlen(base);
    int argc = 0, i, found = 0;
    LPWSTR *wargv = CommandLineToArgvW(GetCommandLineW(), &argc);

    if (wargv == NULL)
        return 0;
    for (i = 1; i < argc && found >= 0; i++) {
        size_t al, pre, k;
        int ascii = 1;
        if (WideCharToMultiByte(CP_ACP, 0, wargv[i], -1, ansi, (int)sizeof ansi,
                                NULL, NULL) <= 0 ||
            MultiByteToWideChar(CP_ACP, 0, ansi, -1, back, SPY_WNAME_MAX) <=
                0 ||
            wcscmp(back, wargv[i]) == 0)
            continue; /* too long, or nothing lost */
        al = strlen(ansi);
        if (al < bl || strcmp(ansi + al - bl, base) != 0)
            continue;
        pre = al - bl;
        for (k = 0; k < pre && ascii; k++) /* the same, not look-alikes */
            ascii = (unsigned char)ansi[k] < 0x80 &&
                    wargv[i][k] == (WCHAR)(unsigned char)ansi[k];
        if (!ascii ||
            (pre > 0 && ansi[pre - 1] != '\\' && !(pre == 1 && ansi[0] == '/')))
            continue;
        /* An ASCII prefix is as many UTF-16 units. */
        if (spy__wide_to_utf8(wargv[i] + pre, -1, tmp, sizeof tmp) != 0)
            continue;
        if (found && strcmp(tmp, out) != 0)
            found = -1; /* two arguments claim it: keep what main got */
        else if (snprintf(out, cap, "%s", tmp) < (int)cap)
            found = 1;
    }
    LocalFree(wargv);
    return found == 1;
}

int spy__win_section_name(const spy_name *n, char *utf8, size_t cap8,
                          WCHAR *wide, size_t capw, spy_err *err) {
    const char *base = n->form == SPY_NAME_PLAIN ? n->text + 1 : n->text;
    int global = n->form == SPY_NAME_WIN_GLOBAL;
    char from_cmdline[SPY_NAME_MAX];
    int len;

    if (name_from_command_line(base, from_cmdline, sizeof from_cmdline))
        base = from_cmdline;
    len = snprintf(utf8, cap8, "%s\\%s", global ? "Global" : "Local", base);

    if (len < 0 || (size_t)len >= cap8) {
        /* Cut short it would be another section's name. */
        char ex[SPY_EXCERPT_CAP];
        spy_excerpt(utf8, (size_t)-1, ex);
        utf8[0] = '\0';
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: section name too long (at most %d bytes with "
                           "its prefix)",
                           ex, (int)cap8 - 1);
    }
    if (spy__utf8_to_wide(utf8, wide, capw) != 0)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: not a valid UTF-8 name, or too long", utf8);
    return 0;
}

int64_t spy__filetime_to_unix(const FILETIME *ft) {
    uint64_t t = ((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
    if (t == 0)
        return -1;
    /* 1601-01-01 to 1970-01-01 is 11644473600 s of 10,000,000 ticks. */
    return (int64_t)(t / 10000000u) - INT64_C(11644473600);
}

const char *spy__protect_name(DWORD protect) {
    switch (protect & 0xffu) {
    case PAGE_NOACCESS:
        return "PAGE_NOACCESS";
    case PAGE_READONLY:
        return "PAGE_READONLY";
    case PAGE_READWRITE:
        return "PAGE_READWRITE";
    case PAGE_WRITECOPY:
        return "PAGE_WRITECOPY";
    case PAGE_EXECUTE:
        return "PAGE_EXECUTE";
    case PAGE_EXECUTE_READ:
        return "PAGE_EXECUTE_READ";
    case PAGE_EXECUTE_READWRITE:
        return "PAGE_EXECUTE_READWRITE";
    case PAGE_EXECUTE_WRITECOPY:
        return "PAGE_EXECUTE_WRITECOPY";
    default:
        return "no protection (not committed)";
    }
}

const char *spy__state_name(DWORD state) {
    switch (state) {
    case MEM_COMMIT:
        return "MEM_COMMIT";
    case MEM_RESERVE:
        return "MEM_RESERVE";
    case MEM_FREE:
        return "MEM_FREE";
    default:
        return "unknown state";
    }
}

const char *spy__type_name(DWORD type) {
    switch (type) {
    case MEM_IMAGE:
        return "MEM_IMAGE";
    case MEM_MAPPED:
        return "MEM_MAPPED";
    case MEM_PRIVATE:
        return "MEM_PRIVATE";
    default:
        return "no type";
    }
}

/* FormatMessage's text for e, reduced to one printable ASCII line. */
static void system_text(DWORD e, char *buf, size_t cap) {
    DWORD n = FormatMessageA(
        FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e,
        MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), buf, (DWORD)cap, NULL);
    size_t i;
    if (n == 0)
        snprintf(buf, cap, "Windows error %lu", (unsigned long)e);
    for (i = 0; buf[i] != '\0'; i++)
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
            buf[i] = ' ';
    while (i > 0 && (buf[i - 1] == ' ' || buf[i - 1] == '.'))
        buf[--i] = '\0';
}

int spy__win_error(const char *name, const char *what, DWORD e, spy_err *err) {
    int is_file = strncmp(name, "file:", 5) == 0;
    char text[200];

    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        if (is_file)
            return spy_err_set(err, SPY_ENOENT, (int)e, "%s: no such file",
                               name);
        return spy_err_set(err, SPY_ENOENT, (int)e,
                           "%s: no such section: nothing has created it, or "
                           "its last handle was closed (a reader started "
                           "before its writer gets exactly this)",
                           name);
    case ERROR_ACCESS_DENIED:
        return spy_err_set(err, SPY_EACCES, (int)e,
                           "%s: permission denied (%s: the object's security "
                           "descriptor does not grant this access)",
                           name, what);
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
        return spy_err_set(err, SPY_EACCES, (int)e,
                           "%s: %s: in use by another process that does not "
                           "share it",
                           name, what);
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        return spy_err_set(err, SPY_EEXIST, (int)e,
                           "%s: already exists (use --force to reuse it)",
                           name);
    case ERROR_INVALID_HANDLE:
        /* STATUS_OBJECT_TYPE_MISMATCH: the name is an event, a mutex... */
        return spy_err_set(err, SPY_ETYPE, (int)e,
                           "%s: the name exists but is not a section (another "
                           "kind of kernel object)",
                           name);
    case ERROR_DIRECTORY:
        return spy_err_set(err, SPY_ETYPE, (int)e, "%s: is a directory", name);
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_FILENAME_EXCED_RANGE:
        return spy_err_set(err, SPY_EINVAL, (int)e,
                           "%s: not a valid name for Windows", name);
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_COMMITMENT_LIMIT:
        return spy_err_set(err, SPY_ENOMEM, (int)e,
                           "%s: %s: not enough memory or address space (a "
                           "pagefile-backed section is charged to the "
                           "commit limit: RAM plus page file)",
                           name, what);
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return spy_err_set(err, SPY_EIO, (int)e, "%s: no space left", name);
    case ERROR_WRITE_PROTECT:
        return spy_err_set(err, SPY_EROFS, (int)e, "%s: write-protected", name);
    case ERROR_MAPPED_ALIGNMENT:
        return spy_err_set(err, SPY_EINVAL, (int)e,
                           "%s: %s: a view must start at a multiple of the "
                           "allocation granularity (64 KiB)",
                           name, what);
    default:
        system_text(e, text, sizeof text);
        return spy_err_set(err, SPY_EIO, (int)e, "%s: %s: %s (error %lu)", name,
                           what, text, (unsigned long)e);
    }
}

/* ---- views --------------------------------------------------------------
 */

static void unmap_view(spy_seg *s) {
    if (s->c.addr != NULL)
        UnmapViewOfFile(s->c.addr);
    s->c.addr = NULL;
    s->c.win_off = s->c.win_len = 0;
}

/* A file's section is made when first needed: an empty file has none
 * (CreateFileMapping refuses a zero-byte mapping). */
static int file_section(spy_seg *s, spy_err *err) {
    if (s->section != NULL || s->file == INVALID_HANDLE_VALUE)
        return 0;
    s->section = CreateFileMappingW(
        s->file, NULL, s->c.writable ? PAGE_READWRITE : PAGE_READONLY, 0, 0,
        NULL);
    if (s->section == NULL)
        return spy__win_error(s->c.name, "CreateFileMapping", GetLastError(),
                              err);
    return 0;
}

/* Makes the view holding offset off current (common.h). */
int spy__seg_map_window(spy_seg *s, uint64_t off, spy_err *err) {
    uint64_t start = off - off % SPY__WINDOW, len;
    void *p;
    int rc;

    if (s->c.addr != NULL && off >= s->c.win_off &&
        off < s->c.win_off + s->c.win_len)
        return 0;
    if (s->form == SPY_NAME_PID_ADDR) /* spy_seg_read goes around windows */
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: read through the process, never mapped here",
                           s->c.name);
    unmap_view(s);
    if ((rc = file_section(s, err)) != 0)
        return rc;
    len = s->c.len - start < SPY__WINDOW ? s->c.len - start : SPY__WINDOW;
    p = MapViewOfFile(s->section,
                      FILE_MAP_READ | (s->c.writable ? FILE_MAP_WRITE : 0),
                      (DWORD)(start >> 32), (DWORD)start, (SIZE_T)len);
    if (p == NULL)
        return spy__win_error(s->c.name, "MapViewOfFile", GetLastError(), err);
    s->c.addr = p;
    s->c.win_off = start;
    s->c.win_len = len;
    return 0;
}

/* ---- opening ------------------------------------------------------------
 */

/* The section's size: MaximumSize from NtQuerySection when the handle may
 * query, else the RegionSize of a whole view (rounded to pages). */
static int section_size(spy_seg *s, uint64_t *size, spy_err *err) {
    spy__section_basic sb;
    MEMORY_BASIC_INFORMATION mbi;
    void *p;

    if (spy__nt_query_section(s->section, &sb) == SPY_STATUS_SUCCESS) {
        *size = (uint64_t)sb.MaximumSize.QuadPart;
        return 0;
    }
    p = MapViewOfFile(s->section, FILE_MAP_READ, 0, 0, 0);
    if (p == NULL)
        return spy__win_error(s->c.name, "MapViewOfFile", GetLastError(), err);
    if (VirtualQuery(p, &mbi, sizeof mbi) == 0) {
        DWORD e = GetLastError();
        UnmapViewOfFile(p);
        return spy__win_error(s->c.name, "VirtualQuery", e, err);
    }
    *size = (uint64_t)mbi.RegionSize;
    UnmapViewOfFile(p);
    return 0;
}

static int open_section(spy_seg *s, const spy_name *n, unsigned flags,
                        uint64_t size, uint32_t mode, spy_err *err) {
    WCHAR wname[SPY_WNAME_MAX];
    DWORD access =
        SECTION_QUERY | FILE_MAP_READ | (s->c.writable ? FILE_MAP_WRITE : 0);
    uint64_t have = 0;
    int rc;

    rc = spy__win_section_name(n, s->c.name, sizeof s->c.name, wname,
                               SPY_WNAME_MAX, err);
    if (rc != 0)
        return rc;
    if (flags & SPY_O_CREATE) {
        DWORD e;
        if (size == 0)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "%s: a section needs a size of at least 1 byte",
                               s->c.name);
        /* Pagefile-backed: INVALID_HANDLE_VALUE instead of a file. The
         * section lives while any handle or view of it exists. Its DACL
         * says what the mode says (win32/security.c). */
        SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
        if (spy__win_sd_from_mode(mode, &sa.lpSecurityDescriptor) != 0)
            return spy_err_set(err, SPY_EIO, 0,
                               "%s: cannot make a security descriptor for "
                               "mode %04o",
                               s->c.name, (unsigned)mode);
        SetLastError(0);
        s->section =
            CreateFileMappingW(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE,
                               (DWORD)(size >> 32), (DWORD)size, wname);
        e = GetLastError();
        LocalFree(sa.lpSecurityDescriptor);
        if (s->section == NULL)
            return spy__win_error(s->c.name, "CreateFileMapping", e, err);
        if (e == ERROR_ALREADY_EXISTS) {
            /* The handle is to the existing section, whatever size we
             * asked for. */
            if (flags & SPY_O_EXCL)
                return spy__win_error(s->c.name, "create", e, err);
        } else {
            s->c.created = 1;
            snprintf(created_name, sizeof created_name, "%s", s->c.name);
        }
    } else {
        s->section = OpenFileMappingW(access, FALSE, wname);
        if (s->section == NULL && GetLastError() == ERROR_ACCESS_DENIED)
            /* Mapping may be allowed where querying is not. */
            s->section =
                OpenFileMappingW(access & ~(DWORD)SECTION_QUERY, FALSE, wname);
        if (s->section == NULL)
            return spy__win_error(s->c.name, "open", GetLastError(), err);
    }
    if ((rc = section_size(s, &have, err)) != 0)
        return rc;
    s->c.len = have;
    if ((flags & SPY_O_CREATE) && !s->c.created && size > have)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: already exists with %" PRIu64
                           " bytes, fewer than the %" PRIu64
                           " asked; a section cannot grow (it disappears "
                           "with its last handle, then can be made anew)",
                           s->c.name, have, size);
    /* Map the first window now: permission problems show at open. */
    return s->c.len == 0 || s->c.nomap ? 0 : spy__seg_map_window(s, 0, err);
}

/* handle:PID:0xH: a section without a name, reached through a duplicate
 * of one of its holder's handles (win32/unnamed.c says how they are
 * found). Nothing is created: the section lives while its holders do. */
static int open_handle(spy_seg *s, const spy_name *n, unsigned flags,
                       spy_err *err) {
    DWORD access = SECTION_QUERY | READ_CONTROL | FILE_MAP_READ |
                   (s->c.writable ? FILE_MAP_WRITE : 0);
    uint64_t have = 0;
    int rc;

    spy_name_format(n, s->c.name, sizeof s->c.name);
    if (flags & SPY_O_CREATE)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: names an existing section by one of its "
                           "handles; it cannot be created",
                           s->c.name);
    s->hpid = (int32_t)n->id;
    s->hvalue = n->addr;
    if ((rc = spy__dup_section(s->hpid, s->hvalue, access, s->c.name,
                               &s->section, err)) != 0)
        return rc;
    if ((rc = section_size(s, &have, err)) != 0)
        return rc;
    s->c.len = have;
    return s->c.len == 0 || s->c.nomap ? 0 : spy__seg_map_window(s, 0, err);
}

/* spy_seg_write of pid:PID@ADDR (common.h's write_direct; the range is
 * checked): WriteProcessMemory into the process's view. A view mapped
 * read-only there refuses (SPY_EFAULT: "not writable there"); the
 * message names the segment. */
static int write_process(spy_seg *s, uint64_t off, const void *src, size_t len,
                         spy_err *err) {
    int rc = spy_procmem_write(s->hpid, s->pstart, s->pend, s->pstart + off,
                               src, len, err);
    if (rc != 0 && err != NULL) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        spy_err_set(err, rc, err->sys, "%s: %s", s->c.name, why);
    }
    return rc;
}

/* pid:PID@ADDR: the view of a section (MEM_MAPPED) holding ADDR in
 * process PID, read through that process's memory: ReadProcessMemory
 * (win32/procmem.c), nothing mapped here. The view is its whole
 * allocation (every region with its AllocationBase); offset 0 is its
 * start. Opened with SPY_O_WRITE, spy_seg_write goes through
 * WriteProcessMemory (write_process), which every holder of the section
 * sees at once. */
static int open_pid(spy_seg *s, const spy_name *n, unsigned flags,
                    spy_err *err) {
    MEMORY_BASIC_INFORMATION mbi;
    uint64_t base, q;
    HANDLE proc;
    SIZE_T got;
    DWORD e;

    spy_name_format(n, s->c.name, sizeof s->c.name);
    if (flags & SPY_O_CREATE)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: names memory a process maps; it cannot be "
                           "created",
                           s->c.name);
    s->hpid = (int32_t)n->id;
    proc = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
                       (DWORD)n->id);
    if (proc == NULL) {
        e = GetLastError();
        if (e == ERROR_INVALID_PARAMETER)
            return spy_err_set(err, SPY_ENOENT, (int)e,
                               "%s: no process %d (it has exited, or the pid "
                               "is wrong)",
                               s->c.name, (int)n->id);
        if (e == ERROR_ACCESS_DENIED)
            return spy_err_set(err, SPY_EACCES, (int)e,
                               "%s: process %d refuses PROCESS_VM_READ "
                               "(reading its memory needs the same user, or "
                               "SeDebugPrivilege)",
                               s->c.name, (int)n->id);
        return spy__win_error(s->c.name, "OpenProcess", e, err);
    }
    got = VirtualQueryEx(proc, (LPCVOID)(uintptr_t)n->addr, &mbi, sizeof mbi);
    if (got == 0 || mbi.State == MEM_FREE || mbi.Type != MEM_MAPPED) {
        e = GetLastError();
        CloseHandle(proc);
        return spy_err_set(
            err, SPY_ENOENT, (int)e,
            "%s: no view of a section holds 0x%" PRIx64 " in process %d (%s)",
            s->c.name, n->addr, (int)n->id,
            got == 0 || mbi.State == MEM_FREE ? "nothing is mapped there"
            : mbi.Type == MEM_IMAGE           ? "it is in a loaded executable"
                                              : "it is private memory");
    }
    base = (uint64_t)(uintptr_t)mbi.AllocationBase;
    for (q = base;
         VirtualQueryEx(proc, (LPCVOID)(uintptr_t)q, &mbi, sizeof mbi) != 0 &&
         (uint64_t)(uintptr_t)mbi.AllocationBase == base && mbi.RegionSize > 0;)
        q = (uint64_t)(uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    CloseHandle(proc);
    if (flags & SPY_O_WRITE) {
        /* Refused now, in one line, rather than at the first write. */
        proc = OpenProcess(PROCESS_VM_WRITE | PROCESS_VM_OPERATION, FALSE,
                           (DWORD)n->id);
        if (proc == NULL)
            return spy_err_set(err, SPY_EACCES, (int)GetLastError(),
                               "%s: process %d refuses PROCESS_VM_WRITE "
                               "(writing its memory needs the same user, or "
                               "SeDebugPrivilege)",
                               s->c.name, (int)n->id);
        CloseHandle(proc);
    }
    s->pstart = base;
    s->pend = q;
    s->c.len = q - base;
    s->c.nomap = 1; /* never a view here: reads go through the process */
    if (flags & SPY_O_WRITE)
        s->c.write_direct = write_process;
    return 0;
}

static int file_len(spy_seg *s, uint64_t *len, spy_err *err) {
    LARGE_INTEGER sz;
    if (!GetFileSizeEx(s->file, &sz))
        return spy__win_error(s->c.name, "GetFileSizeEx", GetLastError(), err);
    *len = (uint64_t)sz.QuadPart;
    return 0;
}

static int open_file(spy_seg *s, const spy_name *n, unsigned flags,
                     uint64_t size, spy_err *err) {
    WCHAR wpath[SPY_WNAME_MAX];
    DWORD access = GENERIC_READ | (s->c.writable ? GENERIC_WRITE : 0);
    DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    DWORD disp = OPEN_EXISTING, e;
    uint64_t have = 0;
    int rc;

    snprintf(s->c.name, sizeof s->c.name, "file:%s", n->text);
    if (spy__utf8_to_wide(n->text, wpath, SPY_WNAME_MAX) != 0)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: not a valid UTF-8 path, or too long",
                           s->c.name);
    if (flags & SPY_O_CREATE)
        disp = (flags & SPY_O_EXCL) ? CREATE_NEW : OPEN_ALWAYS;
    SetLastError(0);
    s->file = CreateFileW(wpath, access, share, NULL, disp,
                          FILE_ATTRIBUTE_NORMAL, NULL);
    e = GetLastError();
    if (s->file == INVALID_HANDLE_VALUE)
        return spy__win_error(s->c.name, "open", e, err);
    if ((flags & SPY_O_CREATE) && e != ERROR_ALREADY_EXISTS)
        s->c.created = 1;
    if (GetFileType(s->file) != FILE_TYPE_DISK)
        return spy_err_set(err, SPY_ETYPE, 0,
                           "%s: is a pipe or device, not a file", s->c.name);
    if ((rc = file_len(s, &have, err)) != 0)
        return rc;
    if ((flags & SPY_O_CREATE) && size > 0 && have != size) {
        LARGE_INTEGER to;
        to.QuadPart = (LONGLONG)size;
        if (size > (uint64_t)INT64_MAX ||
            !SetFilePointerEx(s->file, to, NULL, FILE_BEGIN) ||
            !SetEndOfFile(s->file))
            return spy__win_error(s->c.name, "SetEndOfFile", GetLastError(),
                                  err);
        have = size;
    }
    s->c.len = have;
    return s->c.len == 0 || s->c.nomap ? 0 : spy__seg_map_window(s, 0, err);
}

int spy_seg_open(const spy_name *n, unsigned flags, uint64_t size,
                 uint32_t mode, spy_seg **out, spy_err *err) {
    spy_seg *s;
    int rc;

    *out = NULL;
    if (n->form == SPY_NAME_MEMFD || n->form == SPY_NAME_PID_FD) {
        char canon[SPY_NAME_MAX];
        spy_name_format(n, canon, sizeof canon);
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           n->form == SPY_NAME_MEMFD
                               ? "%s: memfd: exists only on Linux"
                               : "%s: fd:PID:N names a Linux descriptor; on "
                                 "Windows name a section's handle as "
                                 "handle:PID:0xH",
                           canon);
    }

    if (n->form == SPY_NAME_SYSV_ID || n->form == SPY_NAME_SYSV_KEY) {
        char canon[SPY_NAME_MAX];
        spy_name_format(n, canon, sizeof canon);
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: System V shared memory does not exist on "
                           "Windows",
                           canon);
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    s->form = n->form;
    s->file = INVALID_HANDLE_VALUE;
    s->c.writable = (flags & SPY_O_WRITE) != 0 || (flags & SPY_O_CREATE) != 0;
    s->c.nomap = (flags & SPY_O_NOMAP) != 0;
    if (n->form == SPY_NAME_FILE)
        rc = open_file(s, n, flags, size, err);
    else if (n->form == SPY_NAME_WIN_HANDLE)
        rc = open_handle(s, n, flags, err);
    else if (n->form == SPY_NAME_PID_ADDR)
        rc = open_pid(s, n, flags, err);
    else
        rc = open_section(s, n, flags, size, mode, err);
    if (rc != 0) {
        /* Leave nothing half-made behind: a new section goes with its
         * handle; a new file is deleted. */
        if (s->c.created && n->form == SPY_NAME_FILE) {
            spy_seg_close(s);
            spy_seg_unlink(n, NULL);
        } else {
            spy_seg_close(s);
        }
        return rc;
    }
    /* A read-only open keeps a read-only view even though creating needed
     * write access. */
    s->c.writable = (flags & SPY_O_WRITE) != 0;
    if (!s->c.writable && s->c.addr != NULL) {
        unmap_view(s);
        if (!s->c.nomap && s->c.len > 0 &&
            (rc = spy__seg_map_window(s, 0, err)) != 0) {
            spy_seg_close(s);
            return rc;
        }
    }
    *out = s;
    return 0;
}

/* "SEC_COMMIT", "SEC_FILE|SEC_RESERVE": the allocation attributes. */
static void section_attrs(ULONG a, char *buf, size_t cap) {
    static const struct {
        ULONG bit;
        const char *name;
    } bits[] = {{0x8000000, "SEC_COMMIT"},   {0x4000000, "SEC_RESERVE"},
                {0x1000000, "SEC_IMAGE"},    {0x800000, "SEC_FILE"},
                {0x10000000, "SEC_NOCACHE"}, {0x80000000, "SEC_LARGE_PAGES"},
                {0x200000, "SEC_BASED"}};
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        if ((a & bits[i].bit) && used < cap) {
            int k = snprintf(buf + used, cap - used, "%s%s", used ? "|" : "",
                             bits[i].name);
            used += k > 0 ? (size_t)k : 0;
        }
    }
    if (used == 0)
        snprintf(buf, cap, "0x%lx", (unsigned long)a);
}

/* NtQuerySection and VirtualQuery of a view of the whole (first window of
 * the) section, for stat. */
static void stat_section(spy_seg *s, spy_seg_info *info) {
    spy__section_basic sb;
    MEMORY_BASIC_INFORMATION mbi;
    void *view = s->c.addr;
    long handles;

    if (spy__nt_query_section(s->section, &sb) == SPY_STATUS_SUCCESS) {
        char attrs[80];
        info->win_max_size = (uint64_t)sb.MaximumSize.QuadPart;
        section_attrs(sb.AllocationAttributes, attrs, sizeof attrs);
        snprintf(info->win_section, sizeof info->win_section, "%s, %s", attrs,
                 (sb.AllocationAttributes & 0x800000) ? "file-backed"
                                                      : "pagefile-backed");
    }
    handles = spy__nt_handle_count(s->section);
    if (handles > 0)
        info->win_handles = (int32_t)handles;
    if (view == NULL && s->c.len > 0)
        view = MapViewOfFile(
            s->section, FILE_MAP_READ, 0, 0,
            (SIZE_T)(s->c.len < SPY__WINDOW ? s->c.len : SPY__WINDOW));
    if (view != NULL && VirtualQuery(view, &mbi, sizeof mbi) != 0) {
        info->win_region_size = (uint64_t)mbi.RegionSize;
        snprintf(info->win_region, sizeof info->win_region, "%s, %s%s, %s",
                 spy__state_name(mbi.State), spy__protect_name(mbi.Protect),
                 (mbi.Protect & PAGE_GUARD) ? "|PAGE_GUARD" : "",
                 spy__type_name(mbi.Type));
    }
    if (view != NULL && view != s->c.addr)
        UnmapViewOfFile(view);
}

/* stat of handle:PID:0xH: kind anon (backed by the paging file) or file
 * (origin: the file a view of it maps). */
static int stat_handle(spy_seg *s, spy_seg_info *info) {
    spy__section_basic sb;
    void *view = s->c.addr;
    HANDLE w = NULL;

    info->kind = SPY_KIND_ANON;
    info->size = s->c.len;
    stat_section(s, info);
    if (view == NULL && s->c.len > 0)
        view = MapViewOfFile(s->section, FILE_MAP_READ, 0, 0,
                             (SIZE_T)(s->c.len < 4096 ? s->c.len : 4096));
    if (view != NULL &&
        spy__mapped_file(GetCurrentProcess(), view, info->origin,
                         sizeof info->origin) == 0)
        info->kind = SPY_KIND_FILE;
    if (view != NULL && view != s->c.addr)
        UnmapViewOfFile(view);
    if (info->kind == SPY_KIND_ANON &&
        spy__nt_query_section(s->section, &sb) == SPY_STATUS_SUCCESS &&
        (sb.AllocationAttributes & 0x800000)) {
        info->kind = SPY_KIND_FILE; /* its file's name could not be read */
        snprintf(info->origin, sizeof info->origin, "?");
    }
    if (info->kind == SPY_KIND_ANON)
        snprintf(info->origin, sizeof info->origin, "paging file");
    spy__win_owner(s->section, info->owner, sizeof info->owner);
    /* Mode as for named sections: the DACL's where it can be read, else
     * 0666 when a duplicate may map it for writing, 0444 if not. */
    if (spy__win_mode(s->section, &info->mode) != 0) {
        info->mode = s->c.writable ? 0666 : 0444;
        if (!s->c.writable &&
            spy__dup_section(s->hpid, s->hvalue, FILE_MAP_WRITE, s->c.name, &w,
                             NULL) == 0) {
            info->mode = 0666;
            CloseHandle(w);
        }
    }
    return 0;
}

/* stat of pid:PID@ADDR: the view as VirtualQueryEx sees it in that
 * process, kind anon or file (origin: GetMappedFileNameW there). */
static int stat_pid(spy_seg *s, spy_seg_info *info, spy_err *err) {
    MEMORY_BASIC_INFORMATION mbi;
    HANDLE proc = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ,
                              FALSE, (DWORD)s->hpid);
    if (proc == NULL)
        return spy_err_set(err, SPY_ENOENT, (int)GetLastError(),
                           "%s: process %d is gone", s->c.name, (int)s->hpid);
    info->kind = SPY_KIND_ANON;
    info->size = s->c.len;
    info->win_region_size = s->c.len;
    if (VirtualQueryEx(proc, (LPCVOID)(uintptr_t)s->pstart, &mbi, sizeof mbi) !=
        0) {
        snprintf(info->win_region, sizeof info->win_region, "%s, %s%s, %s",
                 spy__state_name(mbi.State), spy__protect_name(mbi.Protect),
                 (mbi.Protect & PAGE_GUARD) ? "|PAGE_GUARD" : "",
                 spy__type_name(mbi.Type));
        info->mode = (mbi.Protect & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE))
                         ? 0666
                         : 0444;
    }
    if (spy__mapped_file(proc, (const void *)(uintptr_t)s->pstart, info->origin,
                         sizeof info->origin) == 0)
        info->kind = SPY_KIND_FILE;
    else
        snprintf(info->origin, sizeof info->origin, "paging file");
    CloseHandle(proc);
    return 0;
}

int spy_seg_stat(spy_seg *s, spy_seg_info *info, spy_err *err) {
    spy_seg_info_init(info);
    snprintf(info->name, sizeof info->name, "%s", s->c.name);
    snprintf(info->owner, sizeof info->owner, "-");
    snprintf(info->group, sizeof info->group, "-");
    if (s->file != INVALID_HANDLE_VALUE) {
        BY_HANDLE_FILE_INFORMATION fi;
        if (!GetFileInformationByHandle(s->file, &fi))
            return spy__win_error(s->c.name, "GetFileInformationByHandle",
                                  GetLastError(), err);
        info->kind = SPY_KIND_FILE;
        info->size = ((uint64_t)fi.nFileSizeHigh << 32) | fi.nFileSizeLow;
        /* What the C runtime's stat reports: read-only or not. */
        info->mode =
            (fi.dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
        info->atime = spy__filetime_to_unix(&fi.ftLastAccessTime);
        info->mtime = spy__filetime_to_unix(&fi.ftLastWriteTime);
        info->ctime = spy__filetime_to_unix(&fi.ftCreationTime);
        info->dev = fi.dwVolumeSerialNumber;
        info->ino = ((uint64_t)fi.nFileIndexHigh << 32) | fi.nFileIndexLow;
        if (s->section != NULL)
            stat_section(s, info);
        return 0;
    }
    if (s->form == SPY_NAME_WIN_HANDLE)
        return stat_handle(s, info);
    if (s->form == SPY_NAME_PID_ADDR)
        return stat_pid(s, info, err);
    info->kind = SPY_KIND_WIN_SECTION;
    info->size = s->c.len;
    /* A section has a security descriptor, not mode bits: the bits its
     * DACL grants owner, group and Everyone (win32/security.c) where it
     * can be read; else what the C runtime's stat says of files, 0666
     * when we may open it for writing, 0444 if not (write refuses 0444
     * without --force). */
    {
        WCHAR wide[SPY_WNAME_MAX];
        HANDLE w = NULL;
        if (spy__utf8_to_wide(s->c.name, wide, SPY_WNAME_MAX) == 0)
            w = OpenFileMappingW(FILE_MAP_WRITE, FALSE, wide);
        info->mode = w != NULL ? 0666 : 0444;
        if (w != NULL)
            CloseHandle(w);
        w = spy__utf8_to_wide(s->c.name, wide, SPY_WNAME_MAX) == 0
                ? OpenFileMappingW(READ_CONTROL, FALSE, wide)
                : NULL;
        if (w != NULL) {
            /* The DACL's mode where it has one we can read. */
            spy__win_mode(w, &info->mode);
            spy__win_owner(w, info->owner, sizeof info->owner);
            CloseHandle(w);
        }
    }
    stat_section(s, info);
    return 0;
}

int spy_seg_refresh(spy_seg *s, int *changed, spy_err *err) {
    uint64_t len = 0;
    int rc;

    if (changed != NULL)
        *changed = 0;
    /* A pagefile-backed section never changes size. */
    if (s->file == INVALID_HANDLE_VALUE || s->c.nomap)
        return 0;
    if ((rc = file_len(s, &len, err)) != 0)
        return rc;
    if (len == s->c.len)
        return 0;
    /* The file grew (Windows refuses to shrink a mapped file): the next
     * access makes a section and a view of the new size. */
    unmap_view(s);
    if (s->section != NULL)
        CloseHandle(s->section);
    s->section = NULL;
    s->c.len = len;
    if (changed != NULL)
        *changed = 1;
    return 0;
}

int spy_seg_read(spy_seg *s, uint64_t off, void *dst, size_t len,
                 spy_err *err) {
    int rc = spy__seg_check_range(&s->c, off, len, err);
    if (rc != 0 || len == 0)
        return rc;
    if (s->form == SPY_NAME_PID_ADDR)
        return spy_procmem_read(s->hpid, s->pstart, s->pend, s->pstart + off,
                                dst, len, err);
    return spy__seg_copy(s, off, dst, len, 0, err);
}

int spy_seg_next_data(spy_seg *s, uint64_t off, uint64_t *data, uint64_t *hole,
                      spy_err *err) {
    /* Sections have no holes the API would tell us about: all data. */
    (void)err;
    *data = off;
    *hole = s->c.len;
    return 0;
}

int spy_seg_access(spy_seg *s, spy_access *out, spy_err *err) {
    (void)err;
    memset(out, 0, sizeof *out);
    /* A section keeps no count of its views that another program reads. */
    out->kind = s->c.nomap ? SPY_ACCESS_NONE : SPY_ACCESS_VIEW;
    if (s->form == SPY_NAME_PID_ADDR) {
        HANDLE proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                                  (DWORD)s->hpid);
        out->kind = SPY_ACCESS_PROCESS;
        out->pid = s->hpid;
        out->addr = s->pstart;
        spy__process_image(proc, out->comm, sizeof out->comm);
        if (proc != NULL)
            CloseHandle(proc);
        snprintf(out->text, sizeof out->text,
                 "%s through process %d's memory (%s), its view at "
                 "0x%" PRIx64 "-0x%" PRIx64 "; offset 0 is 0x%" PRIx64,
                 s->c.writable ? "read and written" : "read", (int)s->hpid,
                 s->c.writable ? "ReadProcessMemory, WriteProcessMemory"
                               : "ReadProcessMemory",
                 s->pstart, s->pend, s->pstart);
        return 0;
    }
    if (s->form == SPY_NAME_WIN_HANDLE)
        snprintf(out->text, sizeof out->text,
                 "%s through a duplicate of process %d's handle 0x%" PRIx64,
                 s->c.nomap ? "not mapped: opened for its metadata only,"
                            : "read from a view of the section mapped by "
                              "shmspy,",
                 (int)s->hpid, s->hvalue);
    else
        snprintf(out->text, sizeof out->text, "%s",
                 s->c.nomap ? "not mapped: opened for its metadata only"
                            : "read from a view of the section mapped by "
                              "shmspy");
    return 0;
}

int spy_seg_flush(spy_seg *s, spy_err *err) {
    if (s->c.addr == NULL)
        return 0;
    if (!FlushViewOfFile(s->c.addr, (SIZE_T)s->c.win_len))
        return spy__win_error(s->c.name, "FlushViewOfFile", GetLastError(),
                              err);
    /* FlushViewOfFile starts the writes; FlushFileBuffers waits for them
     * (msync MS_SYNC does both). A pagefile-backed section has no file. */
    if (s->file != INVALID_HANDLE_VALUE && s->c.writable &&
        !FlushFileBuffers(s->file))
        return spy__win_error(s->c.name, "FlushFileBuffers", GetLastError(),
                              err);
    return 0;
}

int spy_seg_parallel_reads(const spy_seg *s) {
    (void)s; /* reads copy from the one mapped view, moved as needed */
    return 0;
}

void spy_seg_close(spy_seg *s) {
    if (s == NULL)
        return;
    unmap_view(s);
    if (s->section != NULL)
        CloseHandle(s->section);
    if (s->file != INVALID_HANDLE_VALUE)
        CloseHandle(s->file);
    if (s->c.created && strcmp(s->c.name, created_name) == 0)
        created_name[0] = '\0';
    free(s);
}

int spy_seg_unlink(const spy_name *n, spy_err *err) {
    WCHAR wide[SPY_WNAME_MAX];
    char canon[SPY_NAME_MAX];

    if (spy_name_via_process(n)) {
        spy_name_format(n, canon, sizeof canon);
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: names memory through a process: it has no "
                           "name to remove (it lives while a process holds "
                           "or maps it)",
                           canon);
    }
    if (n->form == SPY_NAME_FILE) {
        snprintf(canon, sizeof canon, "file:%s", n->text);
        if (spy__utf8_to_wide(n->text, wide, SPY_WNAME_MAX) != 0)
            return spy_err_set(err, SPY_EINVAL, 0, "%s: not a valid UTF-8 path",
                               canon);
        if (!DeleteFileW(wide))
            return spy__win_error(canon, "DeleteFile", GetLastError(), err);
        return 0;
    }
    if (n->form == SPY_NAME_SYSV_ID || n->form == SPY_NAME_SYSV_KEY) {
        spy_name_format(n, canon, sizeof canon);
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: System V shared memory does not exist on "
                           "Windows",
                           canon);
    }
    if (spy__win_section_name(n, canon, sizeof canon, wide, SPY_WNAME_MAX,
                              err) != 0)
        return SPY_EINVAL;
    {
        HANDLE h = OpenFileMappingW(SECTION_QUERY, FALSE, wide);
        if (h == NULL && GetLastError() != ERROR_ACCESS_DENIED)
            return spy__win_error(canon, "open", GetLastError(), err);
        if (h != NULL)
            CloseHandle(h);
    }
    if (strcmp(canon, created_name) == 0) {
        /* We created it (write --create --hold): its name goes with our
         * handle, which the caller closes next, unless another process
         * still holds one. */
        return 0;
    }
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "%s: a section cannot be removed by name: it "
                       "disappears with its last handle (end or release the "
                       "processes holding it)",
                       canon);
}
