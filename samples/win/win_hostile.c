/*
 * win_hostile - create named sections with hostile names, for testing
 * that shmspy escapes, reports and survives them; hold them until Enter
 * or end of input.
 *
 *   win_hostile [--churn]
 *
 * Every section is 8192 bytes, pagefile-backed, made with
 * CreateFileMappingW (the names are UTF-16, as Windows keeps them), the
 * last with NtCreateSection:
 *   Local\spy-hostile-nl<LF>x         a newline
 *   Local\spy-hostile-tab<TAB>x       a tab
 *   Local\spy-hostile-esc<ESC>[2J<ESC>]0;pwned<BEL>
 *                                     clear screen, set title, bell
 *   Local\spy-hostile-astral-U+1F600  outside the BMP (a surrogate pair)
 *   Local\spy-hostile-lone-<D800>x    an unpaired high surrogate
 *   Local\spy-hostile-lowfirst-<DC00>x an unpaired low surrogate
 *   Local\spy-hostile-a/b             a slash (legal in an object name)
 *   Local\spy-hostile-long300-aaa...  300 characters (past MAX_PATH)
 *   Local\spy-hostile-long2000-aaa... 2000 characters
 *   Local\spy-hostile-cut-aaa...      the longest name shmspy can open by
 *                                     name (4095 bytes with "Local\") ...
 *   Local\spy-hostile-cut-aaa...a     ... and one character more
 *   Local\spy-hostile-long6000-eee... 6000 x U+00E9: 12,000 bytes of UTF-8
 *   Local\spy-hostile-nul<U+0000>x    a NUL inside (NtCreateSection: the
 *                                     Win32 calls cannot make it)
 * A name with a backslash after the prefix (Local\spy-hostile-dir\sub)
 * is tried too: Windows refuses it (no such directory), which is printed.
 *
 * With --churn it makes none of those: a thread creates and closes
 * Local\spy-hostile-churn-N (N = 0..199) in a loop instead, so sections
 * appear and disappear between a listing's directory read and its opens
 * (run it next to a plain win_hostile).
 *
 * Prints "win_hostile: holding N sections" (or "churning") once ready.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define HOSTILE_SIZE 8192
#define CHURN_N 200

static volatile LONG stop_churn;

static HANDLE make(const WCHAR *name) {
    HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                  HOSTILE_SIZE, name);
    if (h != NULL && GetLastError() == ERROR_ALREADY_EXISTS) {
        CloseHandle(h);
        SetLastError(ERROR_ALREADY_EXISTS);
        return NULL;
    }
    return h;
}

/* Local\spy-hostile-<tag>-<n copies of c>, in a new buffer. */
static WCHAR *repeated(const WCHAR *tag, size_t n, WCHAR c) {
    size_t head = wcslen(L"Local\\spy-hostile-") + wcslen(tag) + 1, i;
    WCHAR *w = malloc((head + n + 1) * sizeof *w);
    if (w == NULL)
        return NULL;
    _snwprintf(w, head + 1, L"Local\\spy-hostile-%ls-", tag);
    for (i = 0; i < n; i++)
        w[head + i] = c;
    w[head + n] = 0;
    return w;
}

/* NtCreateSection's types: the native call takes a counted name, which
 * may hold U+0000 (CreateFileMappingW cannot make such a name). */
typedef struct nt_ustr {
    USHORT Length, MaximumLength;
    PWSTR Buffer;
} nt_ustr;
typedef struct nt_attr {
    ULONG Length;
    HANDLE RootDirectory;
    nt_ustr *ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor, SecurityQualityOfService;
} nt_attr;
typedef LONG(NTAPI *create_section_fn)(HANDLE *, ACCESS_MASK, nt_attr *,
                                       LARGE_INTEGER *, ULONG, ULONG, HANDLE);

/* Local\spy-hostile-nul<U+0000>x, made in this session's
 * \Sessions\N\BaseNamedObjects, where Local\ names live. */
static HANDLE make_nul_name(void) {
    static WCHAR path[128];
    DWORD session = 0;
    nt_ustr u;
    nt_attr oa;
    LARGE_INTEGER size;
    HANDLE h = NULL;
    LONG st;
    int n;
    create_section_fn create = (create_section_fn)(void (*)(
        void))GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtCreateSection");

    if (create == NULL)
        return NULL;
    if (!ProcessIdToSessionId(GetCurrentProcessId(), &session))
        session = 0;
    n = _snwprintf(path, 120,
                   L"\\Sessions\\%lu\\BaseNamedObjects\\spy-hostile-nul",
                   (unsigned long)session);
    if (n < 0)
        return NULL;
    path[n++] = 0;
    path[n++] = L'x';
    u.Length = u.MaximumLength = (USHORT)(n * sizeof(WCHAR));
    u.Buffer = path;
    memset(&oa, 0, sizeof oa);
    oa.Length = sizeof oa;
    oa.ObjectName = &u;
    oa.Attributes = 0x40; /* OBJ_CASE_INSENSITIVE, as Win32 names are */
    size.QuadPart = HOSTILE_SIZE;
    st = create(&h, SECTION_ALL_ACCESS, &oa, &size, PAGE_READWRITE, SEC_COMMIT,
                NULL);
    if (st != 0) {
        fprintf(stderr, "win_hostile: NtCreateSection: NTSTATUS 0x%08lx\n",
                (unsigned long)st);
        return NULL;
    }
    return h;
}

static DWORD WINAPI churn(void *arg) {
    HANDLE h[CHURN_N];
    WCHAR name[64];
    int i;
    (void)arg;
    while (!stop_churn) {
        for (i = 0; i < CHURN_N; i++) {
            _snwprintf(name, 64, L"Local\\spy-hostile-churn-%d", i);
            h[i] = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
                                      PAGE_READWRITE, 0, 4096, name);
        }
        for (i = 0; i < CHURN_N; i++)
            if (h[i] != NULL)
                CloseHandle(h[i]);
    }
    return 0;
}

int main(int argc, char **argv) {
    /* "Local\spy-hostile-cut-" is 22 characters: 4073 'a's make 4095. */
    const size_t cut = 4095 - 22;
    const WCHAR *fixed[] = {
        L"Local\\spy-hostile-nl\nx",
        L"Local\\spy-hostile-tab\tx",
        L"Local\\spy-hostile-esc\x1b[2J\x1b]0;pwned\x07",
        L"Local\\spy-hostile-astral-\xd83d\xde00",
        L"Local\\spy-hostile-lone-\xd800x",
        L"Local\\spy-hostile-lowfirst-\xdc00x",
        L"Local\\spy-hostile-a/b",
    };
    WCHAR *longs[5];
    HANDLE held[16], thread = NULL, h;
    size_t i, n = 0;
    char line[64];
    int churning = argc > 1 && strcmp(argv[1], "--churn") == 0;

    if (argc > 2 || (argc == 2 && !churning)) {
        fprintf(stderr, "usage: win_hostile [--churn]\n");
        return 2;
    }
    longs[0] = repeated(L"long300", 300 - 26, L'a');
    longs[1] = repeated(L"long2000", 2000 - 27, L'a');
    longs[2] = repeated(L"cut", cut, L'a');
    longs[3] = repeated(L"cut", cut + 1, L'a');
    longs[4] = repeated(L"long6000", 6000, 0xe9);
    if (churning) {
        thread = CreateThread(NULL, 0, churn, NULL, 0, NULL);
        if (thread == NULL) {
            fprintf(stderr, "win_hostile: CreateThread: error %lu\n",
                    (unsigned long)GetLastError());
            return 1;
        }
        printf("win_hostile: churning\n");
        goto wait;
    }
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if ((h = make(fixed[i])) == NULL) {
            fprintf(stderr, "win_hostile: CreateFileMapping #%u: error %lu\n",
                    (unsigned)i, (unsigned long)GetLastError());
            return 1;
        }
        held[n++] = h;
    }
    for (i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        if (longs[i] == NULL || (h = make(longs[i])) == NULL) {
            fprintf(stderr,
                    "win_hostile: CreateFileMapping of long name #%u: "
                    "error %lu\n",
                    (unsigned)i, (unsigned long)GetLastError());
            return 1;
        }
        held[n++] = h;
    }
    if ((h = make_nul_name()) == NULL)
        return 1;
    held[n++] = h;
    /* A backslash inside the name is a path in the object namespace:
     * there is no directory "spy-hostile-dir", so this must fail. */
    h = make(L"Local\\spy-hostile-dir\\sub");
    if (h != NULL) {
        printf("win_hostile: Local\\spy-hostile-dir\\sub was created\n");
        held[n++] = h;
    } else {
        printf("win_hostile: Local\\spy-hostile-dir\\sub: error %lu\n",
               (unsigned long)GetLastError());
    }
    printf("win_hostile: holding %u sections\n", (unsigned)n);
wait:
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        /* end of input: release as well */
    }
    if (thread != NULL) {
        InterlockedExchange(&stop_churn, 1);
        WaitForSingleObject(thread, INFINITE);
        CloseHandle(thread);
    }
    for (i = 0; i < n; i++)
        CloseHandle(held[i]);
    for (i = 0; i < sizeof longs / sizeof longs[0]; i++)
        free(longs[i]);
    printf("win_hostile: released\n");
    return 0;
}
