/* locks.c - locks and named semaphores explained (locks.h): the core's
 * decoding, the owner's lookup and the futex waiters, joined once. */
#include "locks.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../core/name.h"

/* Bytes of a lock read at most: glibc's largest (pthread_cond_t,
 * pthread_rwlock_t) are 48 and 56 bytes. */
#define LOCK_BYTES_MAX 256
/* A named semaphore's file: glibc's sem_t. */
#define SEM_BYTES 32

static const char *kind_word(spy_lock_kind k) {
    switch (k) {
    case SPY_LOCK_SEM:
        return "semaphore";
    case SPY_LOCK_MUTEX:
        return "mutex";
    case SPY_LOCK_RWLOCK:
        return "rwlock";
    case SPY_LOCK_COND:
        return "cond";
    case SPY_LOCK_NONE:
        break;
    }
    return "none";
}

/* Appends to out (cap bytes) at *len, never past cap. */
static void add(char *out, size_t cap, size_t *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(SPY_PRINTF_FMT, 4, 5)))
#endif
    ;
static void add(char *out, size_t cap, size_t *len, const char *fmt, ...) {
    va_list ap;
    int n;
    if (*len >= cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

/* Copies the waiters of w whose word lies in [lo, hi) or is at futex_off
 * into *v / *n. -1 on ENOMEM. */
static int pick_waiters(const spy_waiters *w, uint64_t lo, uint64_t hi,
                        int has_futex, uint64_t futex_off, spy_waiter **v,
                        size_t *n) {
    size_t i, k = 0;
    *v = NULL;
    *n = 0;
    for (i = 0; i < w->n; i++)
        k += (w->v[i].off >= lo && w->v[i].off < hi) ||
             (has_futex && w->v[i].off == futex_off);
    if (k == 0)
        return 0;
    *v = malloc(k * sizeof **v);
    if (*v == NULL)
        return -1;
    for (i = 0; i < w->n; i++)
        if ((w->v[i].off >= lo && w->v[i].off < hi) ||
            (has_futex && w->v[i].off == futex_off))
            (*v)[(*n)++] = w->v[i];
    return 0;
}

int spy_lock_report_make(const spy_layout *l, const spy_lfield *f,
                         const uint8_t *p, size_t n, const spy_waiters *w,
                         const char *why_no_waiters, spy_lock_report *out,
                         spy_err *err) {
    memset(out, 0, sizeof *out);
    out->off = f->offset;
    out->size = f->size;
    out->sees_all = spy_sees_all_processes(NULL, 0);
    if (spy_lock_decode(l, f, p, n, &out->st) == SPY_LOCK_NONE) {
        char type[128];
        spy_layout_type_text(l, f, type, sizeof type);
        return spy_err_set(err, SPY_EINVAL, 0,
                           "offset %" PRIu64 ": %s is not a lock (sem_t, "
                           "pthread_mutex_t, pthread_rwlock_t, "
                           "pthread_cond_t)",
                           f->offset, type);
    }
    if (out->st.owner_tid > 0) {
        spy_err e;
        if (spy_thread_lookup(out->st.owner_tid, &out->owner, &e) == 0) {
            out->owner_looked_up = 1;
            out->owner_dead = !out->owner.exists;
        } else {
            snprintf(out->lookup_error, sizeof out->lookup_error, "%s", e.msg);
        }
    }
    if (out->st.owner_died)
        out->owner_dead = 1;
    if (w == NULL) {
        snprintf(out->waiters_error, sizeof out->waiters_error, "%s",
                 why_no_waiters != NULL ? why_no_waiters : "not looked for");
        return 0;
    }
    out->waiters_known = 1;
    out->unreadable = w->unreadable;
    if (pick_waiters(w, f->offset, f->offset + f->size, out->st.decoded,
                     out->st.futex_off, &out->waiters, &out->nwaiters) != 0)
        return spy_err_set(err, SPY_ENOMEM, 0, "lock waiters: out of memory");
    return 0;
}

int spy_lock_report_read(spy_seg *seg, const spy_layout *l, const spy_lfield *f,
                         spy_lock_report *out, spy_err *err) {
    uint8_t buf[LOCK_BYTES_MAX];
    size_t n = f->size < sizeof buf ? (size_t)f->size : sizeof buf;
    spy_waiters w;
    spy_err we;
    int rc, have_w;

    memset(out, 0, sizeof *out);
    /* Waiters first, bytes after: a thread seen asleep has already set
     * the waiters flag it sleeps under, so the two agree. */
    have_w = spy_futex_waiters(seg, &w, &we) == 0;
    if ((rc = spy_seg_read(seg, f->offset, buf, n, err)) != 0) {
        if (have_w)
            spy_waiters_free(&w);
        return rc;
    }
    rc = spy_lock_report_make(l, f, buf, n, have_w ? &w : NULL,
                              have_w ? NULL : we.msg, out, err);
    if (have_w)
        spy_waiters_free(&w);
    return rc;
}

void spy_lock_report_free(spy_lock_report *r) {
    free(r->waiters);
    memset(r, 0, sizeof *r);
}

/* "tid 4250 (pid 4250 client)" for each waiter, after "; N waiter(s): ". */
static void add_waiters(char *out, size_t cap, size_t *len, const spy_waiter *v,
                        size_t n, size_t unreadable, int known,
                        const char *error) {
    size_t i;
    if (!known) {
        add(out, cap, len, "; waiters not known: %s", error);
        return;
    }
    add(out, cap, len, "; %zu thread%s waiting", n, n == 1 ? "" : "s");
    for (i = 0; i < n; i++)
        add(out, cap, len, "%s tid %d (pid %d %s)", i == 0 ? ":" : ",",
            v[i].tid, v[i].pid, v[i].comm);
    if (unreadable > 0)
        add(out, cap, len, " (%zu thread%s of its mappers could not be read)",
            unreadable, unreadable == 1 ? "" : "s");
}

void spy_lock_report_text(const spy_lock_report *r, char *out, size_t cap) {
    char state[256];
    size_t len = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    spy_lock_text(&r->st, state, sizeof state);
    add(out, cap, &len, "%s: %s", kind_word(r->st.kind), state);
    if (r->owner_looked_up && r->owner.exists && r->st.owner_died)
        add(out, cap, &len,
            "; owner thread %d died holding it (its id now belongs to pid "
            "%d (%s))",
            (int)r->st.owner_tid, r->owner.pid, r->owner.comm);
    else if (r->owner_looked_up && r->owner.exists)
        add(out, cap, &len, "; owner: tid %d of pid %d (%s)",
            (int)r->st.owner_tid, r->owner.pid, r->owner.comm);
    else if (r->owner_looked_up)
        add(out, cap, &len,
            "; owner thread %d no longer exists: the lock is held by a "
            "dead thread%s",
            (int)r->st.owner_tid,
            r->sees_all ? "" : " (or one in another PID namespace)");
    else if (r->lookup_error[0] != '\0')
        add(out, cap, &len, "; owner not looked up: %s", r->lookup_error);
    add_waiters(out, cap, &len, r->waiters, r->nwaiters, r->unreadable,
                r->waiters_known, r->waiters_error);
}

static void json_waiters(spy_json *j, const spy_waiter *v, size_t n,
                         int offsets) {
    size_t i;
    spy_json_arr_begin(j);
    for (i = 0; i < n; i++) {
        spy_json_obj_begin(j);
        spy_json_key(j, "pid");
        spy_json_int(j, v[i].pid);
        spy_json_key(j, "tid");
        spy_json_int(j, v[i].tid);
        spy_json_key(j, "comm");
        spy_json_str(j, v[i].comm);
        if (offsets) {
            spy_json_key(j, "offset");
            spy_json_uint(j, v[i].off);
        }
        spy_json_obj_end(j);
    }
    spy_json_arr_end(j);
}

static void json_int_member(spy_json *j, const char *k, int64_t v) {
    spy_json_key(j, k);
    spy_json_int(j, v);
}

static void json_bool_member(spy_json *j, const char *k, int v) {
    spy_json_key(j, k);
    spy_json_bool(j, v);
}

void spy_lock_report_json(const spy_lock_report *r, spy_json *j) {
    const spy_lock_state *s = &r->st;
    char state[256];
    spy_json_obj_begin(j);
    spy_json_key(j, "lock");
    spy_json_str(j, kind_word(s->kind));
    spy_json_key(j, "offset");
    spy_json_uint(j, r->off);
    spy_json_key(j, "size");
    spy_json_uint(j, r->size);
    json_bool_member(j, "decoded", s->decoded);
    spy_lock_text(s, state, sizeof state);
    spy_json_key(j, "state");
    spy_json_str(j, state);
    switch (s->kind) {
    case SPY_LOCK_SEM:
        json_int_member(j, "sem_value", s->sem_value);
        json_int_member(j, "sem_waiters", s->sem_waiters);
        break;
    case SPY_LOCK_MUTEX:
    case SPY_LOCK_RWLOCK:
        json_bool_member(j, "locked", s->locked);
        json_int_member(j, "owner_tid", s->owner_tid);
        spy_json_key(j, "owner");
        if (r->owner_looked_up) {
            spy_json_obj_begin(j);
            json_bool_member(j, "exists", r->owner.exists);
            if (r->owner.exists) {
                json_int_member(j, "pid", r->owner.pid);
                spy_json_key(j, "comm");
                spy_json_str(j, r->owner.comm);
            }
            spy_json_obj_end(j);
        } else {
            spy_json_null(j);
        }
        json_bool_member(j, "owner_dead", r->owner_dead);
        if (s->kind == SPY_LOCK_MUTEX) {
            json_bool_member(j, "owner_died", s->owner_died);
            json_bool_member(j, "inconsistent", s->inconsistent);
            json_int_member(j, "type", s->mutex_type);
            json_bool_member(j, "robust", s->robust);
            json_bool_member(j, "pshared", s->pshared);
            json_int_member(j, "count", s->count);
            json_bool_member(j, "waiters_flag", s->waiters_flag);
        } else {
            json_int_member(j, "readers", s->readers);
        }
        break;
    case SPY_LOCK_COND:
        json_int_member(j, "cond_waiters", s->cond_waiters);
        break;
    case SPY_LOCK_NONE:
        break;
    }
    spy_json_key(j, "futex_offset");
    spy_json_uint(j, s->futex_off);
    spy_json_key(j, "waiters");
    if (r->waiters_known)
        json_waiters(j, r->waiters, r->nwaiters, 1);
    else
        spy_json_null(j);
    json_int_member(j, "waiters_unreadable", (int64_t)r->unreadable);
    if (!r->waiters_known) {
        spy_json_key(j, "waiters_error");
        spy_json_str(j, r->waiters_error);
    }
    spy_json_obj_end(j);
}

/* ---- named semaphores -------------------------------------------------- */

int spy_sem_report_read(spy_seg *seg, spy_sem_report *out, spy_err *err) {
    uint8_t buf[SEM_BYTES];
    spy_lock_state st;
    spy_waiters w;
    spy_err we;
    int rc, have_w;

    memset(out, 0, sizeof *out);
    /* Sleepers first, bytes after (as spy_lock_report_read): a thread
     * seen asleep is already in glibc's count. */
    have_w = spy_futex_waiters(seg, &w, &we) == 0;
    if (!have_w && we.code == SPY_ENOMEM)
        return spy_err_set(err, we.code, 0, "%s", we.msg);
    if ((rc = spy_seg_read(seg, 0, buf, sizeof buf, err)) != 0) {
        snprintf(out->error, sizeof out->error, "%s", err ? err->msg : "");
        if (have_w)
            spy_waiters_free(&w);
        return rc;
    }
    spy_lock_decode_sem(buf, sizeof buf, &st);
    out->decoded = 1;
    out->value = st.sem_value;
    out->waiters = st.sem_waiters;
    if (!have_w) { /* not known, and said why */
        snprintf(out->error, sizeof out->error, "%s", we.msg);
        return 0;
    }
    out->waiters_known = 1;
    out->unreadable = w.unreadable;
    rc = pick_waiters(&w, 0, SEM_BYTES, 0, 0, &out->sleepers, &out->nsleepers);
    spy_waiters_free(&w);
    if (rc != 0)
        return spy_err_set(err, SPY_ENOMEM, 0, "semaphore: out of memory");
    return 0;
}

int spy_sem_report_of(const char *name, spy_sem_report *out, spy_err *err) {
    spy_name *n = malloc(sizeof *n);
    spy_seg *seg = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    if (n == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "semaphore: out of memory");
    rc = spy_name_parse(name, n, err);
    if (rc == 0)
        rc = spy_seg_open(n, 0, 0, 0, &seg, err);
    free(n);
    if (rc != 0) {
        snprintf(out->error, sizeof out->error, "%s", err ? err->msg : "");
        return rc;
    }
    rc = spy_sem_report_read(seg, out, err);
    spy_seg_close(seg);
    return rc;
}

void spy_sem_report_free(spy_sem_report *r) {
    free(r->sleepers);
    memset(r, 0, sizeof *r);
}

void spy_sem_report_text(const spy_sem_report *r, char *out, size_t cap) {
    size_t len = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    if (!r->decoded) {
        add(out, cap, &len, "value unknown: %s", r->error);
        return;
    }
    add(out, cap, &len, "value %" PRIu32 ", %" PRIu32 " waiter%s", r->value,
        r->waiters, r->waiters == 1 ? "" : "s");
    if (r->waiters_known && r->nsleepers > 0) {
        size_t i;
        add(out, cap, &len, " (");
        for (i = 0; i < r->nsleepers; i++)
            add(out, cap, &len, "%spid %d %s", i == 0 ? "" : ", ",
                r->sleepers[i].pid, r->sleepers[i].comm);
        add(out, cap, &len, ")");
    }
    if (r->unreadable > 0)
        add(out, cap, &len, " (%zu thread%s of its mappers could not be read)",
            r->unreadable, r->unreadable == 1 ? "" : "s");
}

void spy_sem_report_json_members(const spy_sem_report *r, spy_json *j) {
    spy_json_key(j, "sem_value");
    if (r->decoded)
        spy_json_uint(j, r->value);
    else
        spy_json_null(j);
    spy_json_key(j, "sem_waiters");
    if (r->decoded)
        spy_json_uint(j, r->waiters);
    else
        spy_json_null(j);
    spy_json_key(j, "sem_waiting");
    if (r->waiters_known)
        json_waiters(j, r->sleepers, r->nsleepers, 0);
    else
        spy_json_null(j);
}
