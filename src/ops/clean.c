/* clean.c - unused objects, listed and removed with a journal (clean.h). */
#include "clean.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/mappers.h"
#include "../backends/process.h"
#include "../backends/seg.h"
#include "../core/name.h"
#include "inject.h"
#include "list.h"

/* ---- the glob ----------------------------------------------------------- */

/* Matches a bracket expression at p (just after '['), for c. Sets *end to
 * the character after ']'; returns -1 when the bracket is not closed (the
 * '[' is then an ordinary character). */
static int bracket(const char *p, unsigned char c, const char **end) {
    int neg = 0, hit = 0;
    const char *q = p;
    if (*q == '!' || *q == '^') {
        neg = 1;
        q++;
    }
    if (*q == ']') { /* a leading ']' is a member */
        hit |= c == ']';
        q++;
    }
    while (*q != '\0' && *q != ']') {
        unsigned char lo = (unsigned char)*q, hi = lo;
        if (lo == '\\' && q[1] != '\0')
            lo = hi = (unsigned char)*++q;
        if (q[1] == '-' && q[2] != ']' && q[2] != '\0') {
            hi = (unsigned char)q[2];
            q += 2;
        }
        hit |= c >= lo && c <= hi;
        q++;
    }
    if (*q != ']')
        return -1;
    *end = q + 1;
    return hit != neg;
}

int spy_clean_glob(const char *pat, const char *name) {
    const char *star_p = NULL, *star_n = NULL;
    while (*name != '\0') {
        const char *next = pat + 1;
        int m;
        if (*pat == '*') {
            star_p = ++pat;
            star_n = name;
            continue;
        }
        if (*pat == '?')
            m = 1;
        else if (*pat == '[' &&
                 (m = bracket(pat + 1, (unsigned char)*name, &next)) >= 0)
            ;
        else if (*pat == '\\' && pat[1] != '\0') {
            m = pat[1] == *name;
            next = pat + 2;
        } else
            m = *pat != '\0' && *pat == *name;
        if (m) {
            pat = next;
            name++;
        } else if (star_p != NULL) { /* let the last '*' take one more */
            pat = star_p;
            name = ++star_n;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

int spy_clean_parse_duration(const char *s, int64_t *secs, spy_err *err) {
    char *end;
    unsigned long long v;
    int64_t unit = 1;
    if (s == NULL || *s < '0' || *s > '9')
        goto bad;
    v = strtoull(s, &end, 10);
    switch (*end) {
    case '\0':
    case 's':
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    default:
        goto bad;
    }
    if (*end != '\0' && end[1] != '\0')
        goto bad;
    if (v > (unsigned long long)(INT64_MAX / unit))
        return spy_err_set(err, SPY_EINVAL, 0, "duration '%s' is too long", s);
    *secs = (int64_t)v * unit;
    return 0;
bad:
    return spy_err_set(err, SPY_EINVAL, 0,
                       "'%s' is not a duration (a number with s, m, h or d: "
                       "90s, 30m, 1h, 2d)",
                       s ? s : "");
}

/* ---- candidates --------------------------------------------------------- */

static int kind_wanted(const spy_clean_req *q, spy_kind k) {
    if (k == SPY_KIND_POSIX || k == SPY_KIND_SEM)
        return (q->kinds & SPY_CLEAN_POSIX) != 0;
    if (k == SPY_KIND_SYSV)
        return (q->kinds & SPY_CLEAN_SYSV) != 0;
    return 0;
}

static int name_wanted(const spy_clean_req *q, const char *name) {
    if (q->pattern == NULL)
        return 1;
    if (spy_clean_glob(q->pattern, name))
        return 1;
    return q->pattern[0] != '/' && name[0] == '/' &&
           spy_clean_glob(q->pattern, name + 1);
}

static int64_t age_of(const spy_list_row *r, int64_t now) {
    int64_t t = r->mtime;
    if (r->kind == SPY_KIND_SYSV)
        t = r->ctime > r->dtime ? r->ctime : r->dtime;
    if (t <= 0 || now < t)
        return t <= 0 ? -1 : 0;
    return now - t;
}

/* ---- removal ------------------------------------------------------------ */

typedef struct recheck_ctx {
    const spy_list_row *row;
    int mappers;
} recheck_ctx;

/* Counts a mapper or holder; our own descriptor (the inject's open of
 * the object) is not one. */
static int count_mapper(const spy_mapper *m, void *arg) {
    if (m->fd >= 0 && (long)m->pid == spy_self_pid())
        return 0;
    ((recheck_ctx *)arg)->mappers++;
    return 0;
}

/* recheck() for a System V segment: the kernel's attach count is exact
 * (it counts every process, inspectable or not). */
static int recheck_sysv(const recheck_ctx *c, spy_err *e) {
    spy_name n;
    spy_seg *s = NULL;
    spy_seg_info *info;
    int rc = spy_name_parse(c->row->name, &n, e);
    if (rc == 0)
        rc = spy_seg_open(&n, SPY_O_NOMAP, 0, 0, &s, e);
    if (rc != 0)
        return rc;
    if ((info = malloc(sizeof *info)) == NULL) {
        spy_seg_close(s);
        return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
    }
    spy_seg_info_init(info);
    rc = spy_seg_stat(s, info, e);
    if (rc == 0 && (info->sysv_status & SPY_SYSV_DEST))
        rc = spy_err_set(e, SPY_ENOENT, 0,
                         "marked for removal since it was "
                         "listed");
    else if (rc == 0 && info->nattch != 0)
        rc = spy_err_set(e, SPY_EACCES, 0,
                         "a process attached it since it was listed "
                         "(nattch %d)",
                         (int)info->nattch);
    free(info);
    spy_seg_close(s);
    return rc;
}

/* The inject's last look before its journal is written: still the object
 * listed, and still nothing maps or holds it. */
static int recheck(const spy_journal *j, void *arg, spy_err *e) {
    recheck_ctx *c = arg;
    spy_seg_info *info;
    int hidden = 0, rc;

    if (j->dev != c->row->dev || j->ino != c->row->ino)
        return spy_err_set(e, SPY_ENOENT, 0,
                           c->row->kind == SPY_KIND_SYSV
                               ? "replaced since it was listed (another "
                                 "segment)"
                               : "replaced since it was listed (another "
                                 "inode)");
    if (c->row->kind == SPY_KIND_SYSV)
        return recheck_sysv(c, e);
    if ((info = malloc(sizeof *info)) == NULL)
        return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
    spy_seg_info_init(info);
    snprintf(info->name, sizeof info->name, "%s", c->row->name);
    info->kind = c->row->kind;
    info->dev = c->row->dev;
    info->ino = c->row->ino;
    info->shmid = c->row->shmid;
    rc = spy_mappers(info, count_mapper, c, &hidden, e);
    if (rc == 0 && c->mappers == 0) {
        int hidden_fd = 0;
        rc = spy_holders(info, count_mapper, c, &hidden_fd, e);
        hidden = hidden > hidden_fd ? hidden : hidden_fd;
    }
    free(info);
    if (rc != 0)
        return rc;
    if (c->mappers > 0)
        return spy_err_set(e, SPY_EACCES, 0, "a process maps or holds it now");
    if (hidden > 0)
        return spy_err_set(e, SPY_EACCES, 0,
                           "%d process%s could not be inspected now", hidden,
                           hidden == 1 ? "" : "es");
    return 0;
}

/* Removes r through the inject transaction (fault unlink), journalled in
 * q->journal_dir (or the current directory) as shmspy-clean-PID-N.journal.
 * On success path holds the journal; otherwise reason says why. */
static int remove_one(const spy_clean_req *q, const spy_list_row *r, char *path,
                      size_t cap, char *reason, size_t rcap) {
    static unsigned serial;
    spy_inject_req iq;
    spy_inject_done d;
    recheck_ctx c = {r, 0};
    spy_err e;
    int rc, tries, journalled = 0;

    memset(&iq, 0, sizeof iq);
    iq.kind = SPY_INJ_UNLINK;
    if (spy_name_parse(r->name, &iq.name, &e) != 0) {
        snprintf(reason, rcap, "not removed: %s", e.msg);
        return -1;
    }
    iq.recheck = recheck;
    iq.recheck_arg = &c;
    iq.journal = path;
    /* Only a journal name already taken is tried again: EEXIST before
     * the journal exists (the re-check and the open never say EEXIST). */
    rc = SPY_EEXIST;
    for (tries = 0; tries < 100 && rc == SPY_EEXIST; tries++) {
        snprintf(path, cap, "%s%sshmspy-clean-%ld-%u.journal",
                 q->journal_dir ? q->journal_dir : "",
                 q->journal_dir ? "/" : "", spy_self_pid(), ++serial);
        c.mappers = 0;
        spy_err_clear(&e);
        rc = spy_inject_run(&iq, &d, &e);
        journalled = d.journalled;
        spy_inject_done_free(&d);
        if (journalled)
            break;
    }
    spy_inject_req_free(&iq);
    if (rc == 0)
        return 0;
    if (!journalled)
        path[0] = '\0';
    snprintf(reason, rcap, "not removed: %s", e.msg);
    return -1;
}

int spy_clean_run(const spy_clean_req *q, spy_clean_cb cb, void *arg,
                  spy_clean_done *done, spy_err *err) {
    spy_list l;
    unsigned flags = SPY_LIST_MAPPERS | SPY_LIST_HOLDERS;
    int64_t now = spy_now();
    char *journal = NULL, reason[SPY_ERR_MSG_MAX + 64], ns_why[128] = "";
    size_t i;
    int rc, ns_blind;

    memset(done, 0, sizeof *done);
    if (q->kinds & SPY_CLEAN_POSIX)
        flags |= SPY_LIST_POSIX;
    if (q->kinds & SPY_CLEAN_SYSV)
        flags |= SPY_LIST_SYSV;
    /* A source that failed could hide objects from the listing: the run
     * stops rather than show a partial picture. */
    rc = spy_list_gather(flags, &l, err);
    if (rc != 0) {
        spy_list_free(&l);
        return rc;
    }
    if ((journal = malloc(4096)) == NULL) {
        spy_list_free(&l);
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    }
    spy_list_sort(&l, SPY_ORDER_NAME, 0);
    ns_blind =
        !spy_sees_all_processes(ns_why, sizeof ns_why) && !q->trust_namespace;
    for (i = 0; i < l.n; i++) {
        const spy_list_row *r = &l.v[i];
        spy_unused u = spy_list_row_unused(r);
        spy_clean_item it;
        if (u == SPY_UNUSED_NO || !kind_wanted(q, r->kind) || r->removed == 1 ||
            !name_wanted(q, r->name))
            continue;
        memset(&it, 0, sizeof it);
        it.name = r->name;
        it.kind = r->kind;
        it.size = r->size;
        it.age = age_of(r, now);
        if (q->have_older && (it.age < 0 || it.age < q->older_than))
            continue;
        it.exact = u == SPY_UNUSED_YES;
        it.unsure = it.exact ? "" : "some processes could not be inspected";
        if (it.exact && ns_blind && r->kind != SPY_KIND_SYSV) {
            it.exact = 0;
            it.unsure = ns_why;
        }
        journal[0] = reason[0] = '\0';
        if (q->yes) {
            if (!it.exact && it.unsure == ns_why)
                snprintf(reason, sizeof reason,
                         "not removed: %s (--trust-namespace: only its "
                         "processes use these objects)",
                         ns_why);
            else if (!it.exact)
                snprintf(reason, sizeof reason,
                         "not removed: no mapper seen, but some processes "
                         "could not be inspected (another user's, or not "
                         "dumpable: even root may not read some)");
            else if (remove_one(q, r, journal, 4096, reason, sizeof reason) ==
                     0)
                it.removed = 1;
            if (it.removed)
                done->removed++;
            else
                done->refused++;
        }
        it.journal = journal;
        it.reason = reason;
        done->candidates++;
        if (cb(&it, arg) != 0)
            break;
    }
    free(journal);
    spy_list_free(&l);
    return 0;
}
