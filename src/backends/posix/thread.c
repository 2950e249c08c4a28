/* posix/thread.c - thread.h with pthreads. */
#include "../thread.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct spy_thread {
    pthread_t th;
    void (*fn)(void *);
    void *arg;
};

struct spy_monitor {
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *trampoline(void *p) {
    spy_thread *t = p;
    t->fn(t->arg);
    return NULL;
}

int spy_thread_start(void (*fn)(void *arg), void *arg, spy_thread **out,
                     spy_err *err) {
    spy_thread *t = malloc(sizeof *t);
    int rc;
    *out = NULL;
    if (t == NULL)
        return spy_err_set(err, SPY_ENOMEM, ENOMEM, "thread: out of memory");
    t->fn = fn;
    t->arg = arg;
    rc = pthread_create(&t->th, NULL, trampoline, t);
    if (rc != 0) {
        free(t);
        return spy_err_set(err, rc == EAGAIN ? SPY_ENOMEM : SPY_EIO, rc,
                           "thread: cannot start one: %s", strerror(rc));
    }
    *out = t;
    return 0;
}

void spy_thread_join(spy_thread *t) {
    if (t == NULL)
        return;
    pthread_join(t->th, NULL);
    free(t);
}

unsigned spy_cpu_count(void) {
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
#endif
    {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (unsigned)n : 1u;
    }
}

int spy_monitor_new(spy_monitor **out, spy_err *err) {
    spy_monitor *m = malloc(sizeof *m);
    *out = NULL;
    if (m == NULL)
        return spy_err_set(err, SPY_ENOMEM, ENOMEM, "monitor: out of memory");
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return spy_err_set(err, SPY_ENOMEM, 0, "monitor: no lock available");
    }
    if (pthread_cond_init(&m->cv, NULL) != 0) {
        pthread_mutex_destroy(&m->mu);
        free(m);
        return spy_err_set(err, SPY_ENOMEM, 0,
                           "monitor: no condition variable available");
    }
    *out = m;
    return 0;
}

void spy_monitor_free(spy_monitor *m) {
    if (m == NULL)
        return;
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void spy_monitor_lock(spy_monitor *m) {
    pthread_mutex_lock(&m->mu);
}

void spy_monitor_unlock(spy_monitor *m) {
    pthread_mutex_unlock(&m->mu);
}

void spy_monitor_wait(spy_monitor *m) {
    pthread_cond_wait(&m->cv, &m->mu);
}

void spy_monitor_broadcast(spy_monitor *m) {
    pthread_cond_broadcast(&m->cv);
}
