/* win32/thread.c - thread.h with Win32 threads, a slim reader/writer lock
 * (used exclusively) and a condition variable (Vista and later). */
#include "../thread.h"

#include <stdlib.h>
#include <windows.h>

struct spy_thread {
    HANDLE h;
    void (*fn)(void *);
    void *arg;
};

struct spy_monitor {
    SRWLOCK lock;
    CONDITION_VARIABLE cv;
};

static DWORD WINAPI trampoline(LPVOID p) {
    spy_thread *t = p;
    t->fn(t->arg);
    return 0;
}

int spy_thread_start(void (*fn)(void *arg), void *arg, spy_thread **out,
                     spy_err *err) {
    spy_thread *t = malloc(sizeof *t);
    *out = NULL;
    if (t == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "thread: out of memory");
    t->fn = fn;
    t->arg = arg;
    t->h = CreateThread(NULL, 0, trampoline, t, 0, NULL);
    if (t->h == NULL) {
        DWORD e = GetLastError();
        free(t);
        return spy_err_set(err, SPY_ENOMEM, (int)e,
                           "thread: cannot start one (error %lu)",
                           (unsigned long)e);
    }
    *out = t;
    return 0;
}

void spy_thread_join(spy_thread *t) {
    if (t == NULL)
        return;
    WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
    free(t);
}

unsigned spy_cpu_count(void) {
    DWORD_PTR proc = 0, sys = 0;
    unsigned n = 0;
    if (GetProcessAffinityMask(GetCurrentProcess(), &proc, &sys)) {
        for (; proc != 0; proc &= proc - 1)
            n++;
    }
    if (n == 0) {
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        n = si.dwNumberOfProcessors;
    }
    return n > 0 ? n : 1u;
}

int spy_monitor_new(spy_monitor **out, spy_err *err) {
    spy_monitor *m = malloc(sizeof *m);
    *out = NULL;
    if (m == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "monitor: out of memory");
    InitializeSRWLock(&m->lock);
    InitializeConditionVariable(&m->cv);
    *out = m;
    return 0;
}

void spy_monitor_free(spy_monitor *m) {
    free(m); /* neither object holds a kernel resource */
}

void spy_monitor_lock(spy_monitor *m) {
    AcquireSRWLockExclusive(&m->lock);
}

void spy_monitor_unlock(spy_monitor *m) {
    ReleaseSRWLockExclusive(&m->lock);
}

void spy_monitor_wait(spy_monitor *m) {
    SleepConditionVariableSRW(&m->cv, &m->lock, INFINITE, 0);
}

void spy_monitor_broadcast(spy_monitor *m) {
    WakeAllConditionVariable(&m->cv);
}
