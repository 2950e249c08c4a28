/* win32/guard.c - guarded memory access on Windows: spy_copy_guarded, and
 * spy__touch_guarded for the probe (win32/probe.c).
 *
 * How a fault becomes a result. MSVC has structured exception handling
 * (__try/__except) and uses it. GCC (MinGW) has no __try, and longjmp out
 * of an exception handler would unwind through the system's dispatcher
 * frames, which is not safe. So with GCC the copy is a small assembly
 * routine that uses no stack and only volatile registers, keeping the
 * count of bytes still to copy in r8. A vectored exception handler
 * (installed once, first in the chain) claims an EXCEPTION_ACCESS_VIOLATION
 * or EXCEPTION_IN_PAGE_ERROR only when the faulting instruction lies
 * inside that routine and the current thread armed a copy: it records the
 * exception (read / write / execute from ExceptionInformation[0], the
 * address from [1]), points the thread's instruction pointer at the
 * routine's recovery label, which returns the remaining count, and
 * resumes (EXCEPTION_CONTINUE_EXECUTION). Because the routine touched
 * neither the stack nor a callee-saved register, the resumed thread is
 * exactly as it would be after a normal return. Every other exception is
 * left to the next handler (EXCEPTION_CONTINUE_SEARCH), so genuine crashes
 * still crash. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* What the handler found, per thread. */
typedef struct guard_state {
    int armed, faulted;
    DWORD code;      /* EXCEPTION_ACCESS_VIOLATION / _IN_PAGE_ERROR */
    ULONG_PTR how;   /* ExceptionInformation[0]: 0 read, 1 write, 8 DEP */
    ULONG_PTR where; /* ExceptionInformation[1]: the address */
} guard_state;

/* MSVC spells thread-local storage its own way before C11 support. */
#if defined(_MSC_VER)
#define SPY_THREAD_LOCAL __declspec(thread)
#else
#define SPY_THREAD_LOCAL _Thread_local
#endif
static SPY_THREAD_LOCAL guard_state guard;

/* What an access violation at addr means: nothing there (free address
 * space), or something there that does not allow the access. */
static spy_fault_kind violation_kind(ULONG_PTR addr) {
    MEMORY_BASIC_INFORMATION m;
    if (VirtualQuery((LPCVOID)addr, &m, sizeof m) == 0 || m.State == MEM_FREE)
        return SPY_FAULT_UNMAPPED;
    return SPY_FAULT_PROT;
}

static void fill_fault(const guard_state *g, spy_fault *out) {
    if (out == NULL)
        return;
    out->sig = (int)g->code;
    out->code = (int)g->how;
    out->sig_name =
        g->code == EXCEPTION_IN_PAGE_ERROR       ? "EXCEPTION_IN_PAGE_ERROR"
        : g->code == STATUS_GUARD_PAGE_VIOLATION ? "STATUS_GUARD_PAGE_VIOLATION"
                                                 : "EXCEPTION_ACCESS_VIOLATION";
    out->kind = g->code == EXCEPTION_IN_PAGE_ERROR ? SPY_FAULT_NOBACKING
                : g->code == STATUS_GUARD_PAGE_VIOLATION
                    ? SPY_FAULT_PROT
                    : violation_kind(g->where);
    out->code_name = g->how == 1   ? "write access"
                     : g->how == 8 ? "execute access (DEP)"
                                   : "read access";
    out->addr = (uint64_t)g->where;
}

static void record(guard_state *g, const EXCEPTION_RECORD *er) {
    g->faulted = 1;
    g->code = er->ExceptionCode;
    g->how = er->NumberParameters >= 1 ? er->ExceptionInformation[0] : 0;
    g->where = er->NumberParameters >= 2 ? er->ExceptionInformation[1] : 0;
}

#if defined(_MSC_VER)

/* MSVC: __try/__except around plain byte loops. (Not built by the CI,
 * which cross-compiles with MinGW.) */
static int guard_filter(EXCEPTION_POINTERS *ep) {
    DWORD c = ep->ExceptionRecord->ExceptionCode;
    if (c != EXCEPTION_ACCESS_VIOLATION && c != EXCEPTION_IN_PAGE_ERROR &&
        c != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    record(&guard, ep->ExceptionRecord);
    return EXCEPTION_EXECUTE_HANDLER;
}

static size_t guarded_copy(void *dst, const volatile void *src, size_t len) {
    volatile uint8_t *d = dst;
    const volatile uint8_t *s = src;
    size_t i = 0;
    __try {
        for (; i < len; i++)
            d[i] = s[i];
    } __except (guard_filter(GetExceptionInformation())) {
        return len - i;
    }
    return 0;
}

static size_t guarded_touch(volatile uint8_t *p, size_t len) {
    size_t i = 0;
    __try {
        for (; i < len; i++)
            p[i] = p[i];
    } __except (guard_filter(GetExceptionInformation())) {
        return len - i;
    }
    return 0;
}

static int guard_install(void) {
    return 0;
}

#elif defined(__GNUC__) && defined(__x86_64__)

/* size_t spy__win_copy(void *dst, const volatile void *src, size_t len)
 *   rcx = dst, rdx = src, r8 = len (Windows x64 convention); copies 8
 *   bytes at a time, then bytes; returns 0.
 * size_t spy__win_touch(volatile void *p, size_t len)
 *   rcx = p, rdx = len; reads each byte and writes it back; returns 0.
 * spy__win_copy_recover: where the handler resumes a faulted routine;
 *   returns r8, the bytes not done.
 * spy__win_guard_end: end of the code the handler may claim. */
size_t spy__win_copy(void *dst, const volatile void *src, size_t len);
size_t spy__win_touch(volatile void *p, size_t len);
extern const char spy__win_copy_recover[], spy__win_guard_end[];

__asm__(".text\n"
        ".p2align 4\n"
        ".globl spy__win_copy\n"
        ".def spy__win_copy; .scl 2; .type 32; .endef\n"
        "spy__win_copy:\n"
        "    cmpq $8, %r8\n"
        "    jb 3f\n"
        "1:  movq (%rdx), %rax\n"
        "    movq %rax, (%rcx)\n"
        "    addq $8, %rdx\n"
        "    addq $8, %rcx\n"
        "    subq $8, %r8\n"
        "    cmpq $8, %r8\n"
        "    jae 1b\n"
        "3:  testq %r8, %r8\n"
        "    jz 5f\n"
        "4:  movb (%rdx), %al\n"
        "    movb %al, (%rcx)\n"
        "    incq %rdx\n"
        "    incq %rcx\n"
        "    decq %r8\n"
        "    jnz 4b\n"
        "5:  xorl %eax, %eax\n"
        "    ret\n"
        ".globl spy__win_touch\n"
        ".def spy__win_touch; .scl 2; .type 32; .endef\n"
        "spy__win_touch:\n"
        "    movq %rdx, %r8\n"
        "    testq %r8, %r8\n"
        "    jz 7f\n"
        "6:  movb (%rcx), %al\n"
        "    movb %al, (%rcx)\n"
        "    incq %rcx\n"
        "    decq %r8\n"
        "    jnz 6b\n"
        "7:  xorl %eax, %eax\n"
        "    ret\n"
        ".globl spy__win_copy_recover\n"
        "spy__win_copy_recover:\n"
        "    movq %r8, %rax\n"
        "    ret\n"
        ".globl spy__win_guard_end\n"
        "spy__win_guard_end:\n"
        "    int3\n");

static LONG CALLBACK guard_handler(EXCEPTION_POINTERS *ep) {
    const EXCEPTION_RECORD *er = ep->ExceptionRecord;
    CONTEXT *c = ep->ContextRecord;
    uintptr_t ip = (uintptr_t)c->Rip;

    if (er->ExceptionCode != EXCEPTION_ACCESS_VIOLATION &&
        er->ExceptionCode != EXCEPTION_IN_PAGE_ERROR &&
        er->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    if (ip < (uintptr_t)&spy__win_copy || ip >= (uintptr_t)spy__win_guard_end ||
        !guard.armed)
        return EXCEPTION_CONTINUE_SEARCH;
    record(&guard, er);
    c->Rip = (DWORD64)(uintptr_t)spy__win_copy_recover;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static INIT_ONCE guard_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK guard_add(PINIT_ONCE once, PVOID arg, PVOID *ctx) {
    (void)once;
    (void)arg;
    (void)ctx;
    /* First in the chain; never removed: it claims only its own faults. */
    return AddVectoredExceptionHandler(1, guard_handler) != NULL;
}

static int guard_install(void) {
    return InitOnceExecuteOnce(&guard_once, guard_add, NULL, NULL) ? 0 : -1;
}

static size_t guarded_copy(void *dst, const volatile void *src, size_t len) {
    size_t left;
    guard.armed = 1;
    left = spy__win_copy(dst, src, len);
    guard.armed = 0;
    return left;
}

static size_t guarded_touch(volatile uint8_t *p, size_t len) {
    size_t left;
    guard.armed = 1;
    left = spy__win_touch(p, len);
    guard.armed = 0;
    return left;
}

#else
#error                                                                         \
    "win32/guard.c: no fault guard for this compiler and CPU (x86_64 GCC/Clang or MSVC)"
#endif

/* Runs the guarded copy (dst set) or touch (dst NULL: src is read and
 * written back) of len bytes at src; fills *out when it faulted. */
static int guarded_run(void *dst, const volatile void *src, size_t len,
                       spy_fault *out) {
    size_t left;
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (len == 0)
        return 0;
    guard.faulted = 0;
    if (guard_install() != 0) {
        /* Without the handler a fault would crash: refuse instead. */
        guard.code = EXCEPTION_ACCESS_VIOLATION;
        guard.how = 0;
        guard.where = (ULONG_PTR)src;
        fill_fault(&guard, out);
        return SPY_EFAULT;
    }
    left = dst != NULL ? guarded_copy(dst, src, len)
                       : guarded_touch((volatile uint8_t *)(uintptr_t)src, len);
    if (left == 0 && !guard.faulted)
        return 0;
    fill_fault(&guard, out);
    return SPY_EFAULT;
}

int spy_copy_guarded(void *dst, const volatile void *src, size_t len,
                     spy_fault *out) {
    return guarded_run(dst, src, len, out);
}

int spy__touch_guarded(volatile uint8_t *p, size_t len, spy_fault *out) {
    return guarded_run(NULL, p, len, out);
}
