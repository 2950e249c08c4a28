/* posix/process.c - process-wide setup, the page size, clocks, the hold
 * (waiting for Enter, end of input or a signal: write --hold), files
 * written durably (the inject journal) or read whole, and entropy. */
#include "../process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- process helpers
 * ------------------------------------------------------------ */

/* 1 if standard input was closed when we started (spy_process_init): a
 * hold then waits for a signal alone. */
static int stdin_closed;

void spy_process_init(void) {
    int fd;

    /* A descriptor 0, 1 or 2 closed by the caller (`>&- 2>&-`) would be
     * reused by our next open: a shared memory object opened for writing
     * would become stderr, and an error message would be written into it.
     * Park /dev/null, read-only, on each closed one: nothing of ours lands
     * there, and printing to a closed stdout still fails with EBADF. */
    for (fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int nfd = open("/dev/null", O_RDONLY);
            if (fd == 0)
                stdin_closed = 1;
            if (nfd < 0)
                _exit(1); /* cannot run safely, and cannot say so */
            if (nfd != fd) {
                dup2(nfd, fd);
                close(nfd);
            }
        }
    }
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit (ulimit -f) is then an EFBIG write error that
     * record and snapshot report (keeping what was written), not a
     * silent kill. */
    signal(SIGXFSZ, SIG_IGN);
    /* Without TZ, glibc's localtime() stats /etc/localtime on every call
     * (10,000 rows of `list`, 10,000 stats); TZ=:/etc/localtime is the
     * same zone, read once. */
    if (getenv("TZ") == NULL)
        setenv("TZ", ":/etc/localtime", 0);
}

uint64_t spy_page_size(void) {
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (uint64_t)p : 4096;
}

int64_t spy_now(void) {
    return (int64_t)time(NULL);
}

uint64_t spy_monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void spy_sleep_ms(unsigned ms) {
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    (void)nanosleep(&ts, NULL); /* EINTR: a signal, the caller re-tests */
}

uint64_t spy_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void spy_sleep_until_ns(uint64_t deadline_ns) {
    struct timespec ts;
    ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
    ts.tv_nsec = (long)(deadline_ns % 1000000000u);
    /* EINTR: a signal, the caller re-tests */
    (void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

uint64_t spy_wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct sigaction save_old;
static int save_armed;

int spy_save_signal_catch(void (*fn)(int), spy_err *err) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, &save_old) != 0)
        return spy_err_set(err, SPY_EIO, errno, "SIGUSR1: %s", strerror(errno));
    save_armed = 1;
    return 0;
}

void spy_save_signal_restore(void) {
    if (save_armed)
        (void)sigaction(SIGUSR1, &save_old, NULL);
    save_armed = 0;
}

static volatile sig_atomic_t hold_signal;
static const int hold_sigs[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction hold_old[3];
static int hold_pipe[2] = {-1, -1};
static int hold_armed;

/* Records the signal and wakes the poll of spy_hold_wait through a
 * self-pipe: a signal that lands between the check of hold_signal and the
 * poll is not lost (the poll would otherwise sleep until the next input). */
static void hold_handler(int sig) {
    int saved = errno;
    hold_signal = sig;
    if (hold_pipe[1] >= 0) {
        ssize_t r = write(hold_pipe[1], "", 1);
        (void)r;
    }
    errno = saved;
}

int spy_hold_arm(spy_err *err) {
    struct sigaction sa;
    int i;

    if (hold_armed)
        return 0;
    if (pipe(hold_pipe) != 0) {
        hold_pipe[0] = hold_pipe[1] = -1;
        return spy_err_set(err, SPY_EIO, errno, "hold: pipe: %s",
                           strerror(errno));
    }
    for (i = 0; i < 2; i++) {
        fcntl(hold_pipe[i], F_SETFL, fcntl(hold_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(hold_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = hold_handler;
    sigemptyset(&sa.sa_mask);
    hold_signal = 0;
    for (i = 0; i < 3; i++)
        sigaction(hold_sigs[i], &sa, &hold_old[i]);
    hold_armed = 1;
    return 0;
}

/* Restores the handlers spy_hold_arm replaced and closes the self-pipe. */
static void hold_disarm(void) {
    int i;
    for (i = 0; i < 3; i++)
        sigaction(hold_sigs[i], &hold_old[i], NULL);
    close(hold_pipe[0]);
    close(hold_pipe[1]);
    hold_pipe[0] = hold_pipe[1] = -1;
    hold_armed = 0;
}

int spy_hold_wait(const char **why, spy_err *err) {
    int rc = 0, stdin_gone = stdin_closed;

    *why = "?";
    if ((rc = spy_hold_arm(err)) != 0)
        return rc;
    for (;;) {
        struct pollfd pf[2] = {{0, POLLIN, 0}, {-1, POLLIN, 0}};
        int n;
        if (hold_signal != 0)
            break;
        /* With standard input closed there is nothing to read: wait for the
         * self-pipe alone (poll ignores a negative descriptor). */
        pf[0].fd = stdin_gone ? -1 : 0;
        pf[1].fd = hold_pipe[0];
        n = poll(pf, 2, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = spy_err_set(err, SPY_EIO, errno, "hold: poll: %s",
                             strerror(errno));
            break;
        }
        if (pf[0].revents & POLLNVAL) {
            stdin_gone = 1;
            continue;
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[256];
            ssize_t r = read(0, buf, sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                *why = "end of input";
                break;
            }
            if (memchr(buf, '\n', (size_t)r) != NULL) {
                *why = "Enter";
                break;
            }
        }
    }
    if (hold_signal == SIGINT)
        *why = "SIGINT";
    else if (hold_signal == SIGTERM)
        *why = "SIGTERM";
    else if (hold_signal == SIGHUP)
        *why = "SIGHUP";
    hold_disarm();
    return rc;
}

/* ---- files and identity ------------------------------------------------ */

/* The directory part of path ("." when there is none). */
static void dir_of(const char *path, char *dir, size_t cap) {
    char *slash;
    snprintf(dir, cap, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, cap, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

int spy_durable_create(const char *path, const void *data, size_t len,
                       spy_err *err) {
    const uint8_t *p = data;
    char dir[4096];
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    int e;

    if (fd < 0) {
        e = errno;
        return spy_err_set(err,
                           e == EEXIST                 ? SPY_EEXIST
                           : e == EACCES || e == EPERM ? SPY_EACCES
                           : e == ENOENT               ? SPY_ENOENT
                                                       : SPY_EIO,
                           e, "%s: %s", path,
                           e == EEXIST ? "exists (a journal is never "
                                         "overwritten)"
                                       : strerror(e));
    }
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    /* The directory entry must be on disk too, or a crash could lose the
     * journal of a change that happened. */
    dir_of(path, dir, sizeof dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* EINVAL on some file systems: nothing more to do */
        close(fd);
    }
    return 0;
fail:
    e = errno != 0 ? errno : EIO;
    if (fd >= 0)
        close(fd);
    unlink(path);
    return spy_err_set(err, SPY_EIO, e, "%s: cannot write: %s", path,
                       strerror(e));
}

int spy_file_slurp(const char *path, size_t max, char **out, size_t *len,
                   spy_err *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    char *buf;
    size_t n = 0;
    int e;

    *out = NULL;
    *len = 0;
    if (fd < 0) {
        e = errno;
        return spy_err_set(err,
                           e == ENOENT   ? SPY_ENOENT
                           : e == EACCES ? SPY_EACCES
                                         : SPY_EIO,
                           e, "%s: %s", path, strerror(e));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return spy_err_set(err, SPY_ETYPE, 0, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: too large (%lld bytes) to be a journal", path,
                           (long long)st.st_size);
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        close(fd);
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    }
    /* Read one byte more than fstat said, to notice a file still growing. */
    while (n <= (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            e = errno;
            free(buf);
            close(fd);
            return spy_err_set(err, SPY_EIO, e, "%s: read: %s", path,
                               strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > (size_t)st.st_size) {
        free(buf);
        return spy_err_set(err, SPY_EIO, 0, "%s: changed while being read",
                           path);
    }
    *out = buf;
    *len = n;
    return 0;
}

uint64_t spy_entropy(void) {
    struct timespec ts;
    uint64_t x;
    clock_gettime(CLOCK_REALTIME, &ts);
    x = (uint64_t)ts.tv_sec * UINT64_C(1000000007) ^ (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)getpid() << 32;
    return x;
}

long spy_self_pid(void) {
    return (long)getpid();
}

/* The inode of the initial PID namespace (include/linux/proc_ns.h). */
#define SPY__PID_INIT_INO 0xEFFFFFFCu

int spy_sees_all_processes(char *why, size_t cap) {
#ifdef __linux__
    struct stat st;
    /* Unreadable (no /proc): no namespace can be told apart; the counts
     * already say that processes could not be inspected. */
    if (stat("/proc/self/ns/pid", &st) != 0 ||
        (uint64_t)st.st_ino == SPY__PID_INIT_INO)
        return 1;
    if (why != NULL && cap > 0)
        snprintf(why, cap, "processes outside this PID namespace are not seen");
    return 0;
#else
    (void)why;
    (void)cap;
    return 1;
#endif
}

void spy_platform_facts_get(spy_platform_facts *out) {
#ifdef __linux__
    out->platform = "linux";
#else
    out->platform = "unix";
#endif
    out->backend = "posix";
    out->kinds = "POSIX shm, System V shm, files";
}

int spy_stdout_reader_gone(int errnum) {
    return errnum == EPIPE;
}
