/* win32/demo.c - the classroom experiments of `shmspy demo` on Windows:
 * real sections, real processes, real access violations. Each returns
 * what it observed; the narration and the judgement live in
 * src/cli/cmd_demo.c, as on POSIX.
 *
 * Windows has no fork, so the "other process" of an experiment is shmspy
 * itself, started again with CreateProcess as `shmspy --demo-child ROLE
 * [NAME]` (spy_demo_child below). It reports one line on its standard
 * output ("ADDRESS TEXT") and, for the role that hands out a pointer,
 * stays alive until its standard input reaches end of file, so the
 * address is still valid over there while we dereference it here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../demo_table.h"
#include "internal.h"

#define PAGE 4096
#define PEER_WAIT_MS 20000 /* a Wine process can take seconds to start */

static const char page_text[] = "a value only the other process can see";

static void set_err(spy_demo_obs *o, DWORD e) {
    o->err = (int)e;
    switch (e) {
    case ERROR_MAPPED_ALIGNMENT:
        snprintf(o->err_name, sizeof o->err_name, "ERROR_MAPPED_ALIGNMENT");
        break;
    case ERROR_FILE_NOT_FOUND:
        snprintf(o->err_name, sizeof o->err_name, "ERROR_FILE_NOT_FOUND");
        break;
    case ERROR_ACCESS_DENIED:
        snprintf(o->err_name, sizeof o->err_name, "ERROR_ACCESS_DENIED");
        break;
    case ERROR_INVALID_PARAMETER:
        snprintf(o->err_name, sizeof o->err_name, "ERROR_INVALID_PARAMETER");
        break;
    default:
        snprintf(o->err_name, sizeof o->err_name, "ERROR_%lu",
                 (unsigned long)e);
    }
}

static int setup_failed(const char *what, spy_err *err) {
    DWORD e = GetLastError();
    return spy_err_set(err, SPY_EIO, (int)e, "demo: %s failed (error %lu)",
                       what, (unsigned long)e);
}

/* A private section name for this run: Local\shmspy-lab-PID-WORD. */
static void lab_name(char *utf8, size_t cap, WCHAR *wide, size_t capw,
                     const char *word) {
    snprintf(utf8, cap, "Local\\shmspy-lab-%lu-%s",
             (unsigned long)GetCurrentProcessId(), word);
    spy__utf8_to_wide(utf8, wide, capw);
}

/* A new pagefile-backed section of size bytes; NULL on failure (also when
 * the name exists: a lab name is ours alone). */
static HANDLE lab_section(const WCHAR *wide, DWORD size) {
    HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                  size, wide);
    if (h != NULL && GetLastError() == ERROR_ALREADY_EXISTS) {
        CloseHandle(h);
        SetLastError(ERROR_ALREADY_EXISTS);
        return NULL;
    }
    return h;
}

/* Touches one or more bytes at p under the fault guard. */
static int probe_into(spy_demo_obs *o, const volatile void *p, int write,
                      uint8_t *out, size_t len) {
    o->faulted =
        spy_probe((uint64_t)(uintptr_t)p, len, write, out, &o->fault) != 0;
    return o->faulted;
}

/* Copies the printable prefix of at most len bytes of src into dst. */
static void text_from(char *dst, size_t cap, const uint8_t *src, size_t len) {
    size_t i;
    for (i = 0; i + 1 < cap && i < len && src[i] >= 0x20 && src[i] < 0x7f; i++)
        dst[i] = (char)src[i];
    dst[i] = '\0';
}

/* ---- the other process ---------------------------------------------------
 */

typedef struct peer {
    HANDLE proc;
    HANDLE to_child;   /* write end of the child's standard input */
    HANDLE from_child; /* read end of the child's standard output */
} peer;

static void peer_end(peer *p) {
    if (p->to_child != NULL)
        CloseHandle(p->to_child); /* end of input: the child exits */
    if (p->from_child != NULL)
        CloseHandle(p->from_child);
    if (p->proc != NULL) {
        if (WaitForSingleObject(p->proc, PEER_WAIT_MS) != WAIT_OBJECT_0)
            TerminateProcess(p->proc, 1);
        CloseHandle(p->proc);
    }
    memset(p, 0, sizeof *p);
}

/* Starts `shmspy --demo-child role [arg]` with pipes for its standard
 * input and output. arg is a lab name (no spaces or quotes). */
static int peer_start(const char *role, const char *arg, peer *p) {
    WCHAR exe[MAX_PATH], cmd[MAX_PATH + 256];
    char line[MAX_PATH * 3 + 256], exe8[MAX_PATH * 3];
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE in_r = NULL, out_w = NULL;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD n;
    BOOL ok;

    memset(p, 0, sizeof *p);
    n = GetModuleFileNameW(NULL, exe, MAX_PATH);
    if (n == 0 || n >= MAX_PATH ||
        spy__wide_to_utf8(exe, (int)n, exe8, sizeof exe8) != 0)
        return -1;
    snprintf(line, sizeof line, "\"%s\" %s %s%s%s", exe8, SPY_DEMO_CHILD, role,
             arg != NULL ? " " : "", arg != NULL ? arg : "");
    if (spy__utf8_to_wide(line, cmd, sizeof cmd / sizeof cmd[0]) != 0)
        return -1;
    if (!CreatePipe(&in_r, &p->to_child, &sa, 0))
        return -1;
    if (!CreatePipe(&p->from_child, &out_w, &sa, 0)) {
        CloseHandle(in_r);
        peer_end(p);
        return -1;
    }
    /* Only the child's ends are inherited. */
    SetHandleInformation(p->to_child, HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(p->from_child, HANDLE_FLAG_INHERIT, 0);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = in_r;
    si.hStdOutput = out_w;
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    ok = CreateProcessW(exe, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
    CloseHandle(in_r);
    CloseHandle(out_w);
    if (!ok) {
        peer_end(p);
        return -1;
    }
    CloseHandle(pi.hThread);
    p->proc = pi.hProcess;
    return 0;
}

/* Reads the child's report "HEXADDR TEXT\n": 0, or -1 when it ended
 * without one. */
static int peer_report(peer *p, uint64_t *addr, char *text, size_t cap) {
    char line[256], *end;
    size_t n = 0;
    DWORD got;

    while (n + 1 < sizeof line) {
        if (!ReadFile(p->from_child, line + n, 1, &got, NULL) || got == 0)
            return -1;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    *addr = strtoull(line, &end, 16);
    if (end == line || (*end != ' ' && *end != '\0'))
        return -1;
    snprintf(text, cap, "%s", *end == ' ' ? end + 1 : "");
    return 0;
}

/* One child in one go: start, read its report, let it go. */
static int peer_once(const char *role, const char *arg, uint64_t *addr,
                     char *text, size_t cap) {
    peer p;
    int rc;
    if (peer_start(role, arg, &p) != 0)
        return -1;
    rc = peer_report(&p, addr, text, cap);
    peer_end(&p);
    return rc;
}

/* The child's side: "page" allocates a fresh page, writes a string there,
 * reports its address and waits for end of input; "read NAME" opens the
 * section NAME, maps a view, reports its address and the string at its
 * start. */
int spy_demo_child(int argc, char **argv) {
    WCHAR wide[SPY_NAME_MAX];
    char text[64];
    uint8_t *v;

    if (argc >= 1 && strcmp(argv[0], "page") == 0) {
        char buf[16];
        DWORD got;
        v = VirtualAlloc(NULL, PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
        if (v == NULL)
            return 1;
        memcpy(v, page_text, sizeof page_text);
        printf("%llx %s\n", (unsigned long long)(uintptr_t)v, (char *)v);
        fflush(stdout);
        while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof buf, &got,
                        NULL) &&
               got > 0)
            ;
        return 0;
    }
    if (argc >= 2 && strcmp(argv[0], "read") == 0) {
        HANDLE h;
        if (spy__utf8_to_wide(argv[1], wide, sizeof wide / sizeof wide[0]) != 0)
            return 1;
        h = OpenFileMappingW(FILE_MAP_READ, FALSE, wide);
        if (h == NULL) {
            fprintf(stderr, "shmspy: %s: cannot open (error %lu)\n", argv[1],
                    (unsigned long)GetLastError());
            return 1;
        }
        v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, PAGE);
        CloseHandle(h); /* the view keeps the section alive */
        if (v == NULL)
            return 1;
        text_from(text, sizeof text, v, sizeof text);
        printf("%llx %s\n", (unsigned long long)(uintptr_t)v, text);
        fflush(stdout);
        UnmapViewOfFile(v);
        return 0;
    }
    fputs("shmspy: " SPY_DEMO_CHILD ": expected 'page' or 'read NAME'\n",
          stderr);
    return 2;
}

/* ---- the experiments -----------------------------------------------------
 */

static int fixed_pointer(spy_demo_obs *o, spy_err *err) {
    uint8_t got[64];
    peer p;
    /* The other program prints the address of its data; we dereference
     * the number it printed, while it still holds that page. */
    if (peer_start("page", NULL, &p) != 0)
        return setup_failed("CreateProcess", err);
    if (peer_report(&p, &o->addr[0], o->text[0], sizeof o->text[0]) != 0) {
        peer_end(&p);
        return spy_err_set(err, SPY_EIO, 0,
                           "demo: the other process reported no address");
    }
    if (!probe_into(o, (void *)(uintptr_t)o->addr[0], 0, got, sizeof page_text))
        text_from(o->text[1], sizeof o->text[1], got, sizeof page_text);
    o->v[0] = o->faulted ? 0 : got[0];
    peer_end(&p);
    return 0;
}

static int null_deref(spy_demo_obs *o, spy_err *err) {
    uint8_t b[1];
    (void)err;
    probe_into(o, NULL, 0, b, 1);
    return 0;
}

/* A view (FILE_MAP_READ or _WRITE) of a new one-page section, whose only
 * handle is closed again: the view alone keeps it alive. */
static int lab_view(const char *word, DWORD access, char **v, spy_err *err) {
    char name[96];
    WCHAR wide[96];
    HANDLE h;

    lab_name(name, sizeof name, wide, 96, word);
    if ((h = lab_section(wide, PAGE)) == NULL)
        return setup_failed("CreateFileMapping", err);
    *v = MapViewOfFile(h, access, 0, 0, PAGE);
    CloseHandle(h);
    return *v == NULL ? setup_failed("MapViewOfFile", err) : 0;
}

static int use_after_unmap(spy_demo_obs *o, spy_err *err) {
    uint8_t b[1];
    char *v;

    if (lab_view("unmap", FILE_MAP_WRITE, &v, err) != 0)
        return SPY_EIO;
    strcpy(v, "alive");
    o->addr[0] = (uint64_t)(uintptr_t)v;
    probe_into(o, v, 0, b, 1); /* before: works */
    o->v[0] = b[0];
    o->v[1] = o->faulted;
    UnmapViewOfFile(v);
    probe_into(o, v, 0, b, 1);
    return 0;
}

static int write_to_readonly(spy_demo_obs *o, spy_err *err) {
    uint8_t b[1];
    char *v;

    if (lab_view("ro", FILE_MAP_READ, &v, err) != 0)
        return SPY_EIO;
    probe_into(o, v, 0, b, 1); /* reading is allowed */
    o->v[0] = b[0];
    o->v[1] = o->faulted;
    probe_into(o, v, 1, b, 1);
    UnmapViewOfFile(v);
    return 0;
}

static int copy_on_write(spy_demo_obs *o, spy_err *err) {
    static const char priv_text[] = "written through FILE_MAP_COPY";
    static const char shared_text[] = "written through FILE_MAP_WRITE";
    char name[96];
    WCHAR wide[96];
    uint64_t addr;
    HANDLE h;
    char *priv, *shared;
    int rc = 0;

    lab_name(name, sizeof name, wide, 96, "cow");
    if ((h = lab_section(wide, PAGE)) == NULL)
        return setup_failed("CreateFileMapping", err);
    priv = MapViewOfFile(h, FILE_MAP_COPY, 0, 0, PAGE);
    shared = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, PAGE);
    if (priv == NULL || shared == NULL) {
        rc = setup_failed("MapViewOfFile", err);
        goto out;
    }
    memcpy(priv, priv_text, sizeof priv_text);
    /* What another process sees now, then after the shared write. The
     * section stays alive through our handle. */
    if (peer_once("read", name, &addr, o->text[0], sizeof o->text[0]) != 0) {
        rc = setup_failed("the reading process", err);
        goto out;
    }
    memcpy(shared, shared_text, sizeof shared_text);
    if (peer_once("read", name, &addr, o->text[1], sizeof o->text[1]) != 0) {
        rc = setup_failed("the reading process", err);
        goto out;
    }
    o->v[0] = strcmp(priv, priv_text) == 0;
out:
    if (priv != NULL)
        UnmapViewOfFile(priv);
    if (shared != NULL)
        UnmapViewOfFile(shared);
    CloseHandle(h);
    return rc;
}

static int different_addresses(spy_demo_obs *o, spy_err *err) {
    char name[96];
    WCHAR wide[96];
    HANDLE h;
    char *v;
    void *pad;
    int rc = 0;

    lab_name(name, sizeof name, wide, 96, "addr");
    if ((h = lab_section(wide, PAGE)) == NULL)
        return setup_failed("CreateFileMapping", err);
    /* Some reserved space first, so that our view does not sit where a
     * fresh process's first view lands. */
    pad = VirtualAlloc(NULL, 16 * 65536, MEM_RESERVE, PAGE_NOACCESS);
    v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, PAGE);
    if (v == NULL) {
        rc = setup_failed("MapViewOfFile", err);
        goto out;
    }
    strcpy(v, "the same bytes");
    o->addr[0] = (uint64_t)(uintptr_t)v;
    if (peer_once("read", name, &o->addr[1], o->text[1], sizeof o->text[1]) !=
        0) {
        rc = setup_failed("the reading process", err);
        goto out;
    }
    snprintf(o->text[0], sizeof o->text[0], "%s", v);
out:
    if (v != NULL)
        UnmapViewOfFile(v);
    if (pad != NULL)
        VirtualFree(pad, 0, MEM_RELEASE);
    CloseHandle(h);
    return rc;
}

static int misaligned_offset(spy_demo_obs *o, spy_err *err) {
    char name[96];
    WCHAR wide[96];
    SYSTEM_INFO si;
    HANDLE h;
    void *v;

    GetSystemInfo(&si);
    lab_name(name, sizeof name, wide, 96, "align");
    if ((h = lab_section(wide, 2 * si.dwAllocationGranularity)) == NULL)
        return setup_failed("CreateFileMapping", err);
    o->v[0] = 100;
    o->v[1] = (int64_t)si.dwAllocationGranularity;
    v = MapViewOfFile(h, FILE_MAP_READ, 0, 100, PAGE);
    if (v == NULL)
        set_err(o, GetLastError());
    else
        UnmapViewOfFile(v);
    v = MapViewOfFile(h, FILE_MAP_READ, 0, si.dwAllocationGranularity, PAGE);
    o->v[2] = v != NULL; /* an aligned offset works */
    if (v != NULL)
        UnmapViewOfFile(v);
    CloseHandle(h);
    return 0;
}

/* The experiments that make sense on Windows. Not here: those about
 * truncation and SIGBUS (a section cannot shrink), unlink (a section has
 * no name to remove), fork, shm_open without ftruncate (a pagefile-backed
 * section must be created with its size) and getrusage's fault counts. */
const spy__experiment spy__experiments[] = {
    {"fixed-pointer", fixed_pointer},
    {"null-deref", null_deref},
    {"use-after-munmap", use_after_unmap},
    {"write-to-readonly", write_to_readonly},
    {"copy-on-write", copy_on_write},
    {"different-addresses", different_addresses},
    {"misaligned-offset", misaligned_offset},
};

const size_t spy__n_experiments =
    sizeof spy__experiments / sizeof spy__experiments[0];

spy_platform spy_platform_get(void) {
    return SPY_PLATFORM_WINDOWS;
}
