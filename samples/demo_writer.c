/*
 * demo_writer - keep a shared memory object changing, for shmspy to watch.
 *
 *   demo_writer [NAME] [--hz N] [--seconds S] [--reuse]
 *
 * Creates NAME (default /shmspy-demo, 4096 bytes, mode 0600) and updates
 * the small structure described in demo_layout.h N times a second (default
 * 5) until SIGINT or SIGTERM, or for S seconds; then removes it. Try
 * `shmspy watch /shmspy-demo` or `watch -n0.2 xxd -l 128 /dev/shm/shmspy-demo`
 * in another terminal.
 *
 * --reuse takes over an existing object of that name instead of failing,
 * provided it is a regular shared memory object owned by us and no live
 * demo_writer is still writing it.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "demo_layout.h"
#include "sample_util.h"

#define NS_PER_SEC 1000000000LL
#define MAX_HZ 1000

static const char *prog = "demo_writer";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig; /* async-signal-safe: just record it */
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: %s [NAME] [--hz N] [--seconds S] [--reuse]\n"
            "  NAME         object to create (default %s, %d bytes)\n"
            "  --hz N       updates per second, 1 to %d (default 5)\n"
            "  --seconds S  stop after S seconds (default: run until "
            "SIGINT/SIGTERM)\n"
            "  --reuse      take over NAME if it already exists and is ours\n",
            prog, DEMO_DEFAULT_NAME, DEMO_OBJECT_SIZE, MAX_HZ);
}

/* Add NS nanoseconds (less than a few seconds' worth) to *T. */
static void ts_add_ns(struct timespec *t, long long ns) {
    long long total = (long long)t->tv_nsec + ns;

    t->tv_sec += (time_t)(total / NS_PER_SEC);
    t->tv_nsec = (long)(total % NS_PER_SEC);
}

/* True if A is at or after B. */
static int ts_ge(const struct timespec *a, const struct timespec *b) {
    return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec
                                  : a->tv_nsec >= b->tv_nsec;
}

/*
 * Open NAME: create it (O_EXCL) or, with REUSE, take over an existing one
 * after checking it is safe to. Sets it to mode 0600 and at least
 * DEMO_OBJECT_SIZE bytes. Returns the fd, or -1 after printing why.
 */
static int demo_open(const char *name, int reuse) {
    struct stat st;
    int fd, created;

    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    created = fd >= 0;
    if (fd < 0 && errno == EEXIST && reuse) {
        fd = shm_open(name, O_RDWR, 0);
        if (fd >= 0 && fstat(fd, &st) != 0) {
            fprintf(stderr, "%s: %s: fstat: %s\n", prog, name, strerror(errno));
            close(fd);
            return -1;
        }
        if (fd >= 0 && (!S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
            fprintf(stderr,
                    "%s: %s: exists but is not a shared memory "
                    "object owned by you; will not reuse it\n",
                    prog, name);
            close(fd);
            return -1;
        }
    }
    if (fd < 0) {
        if (errno == EEXIST)
            fprintf(stderr,
                    "%s: %s: already exists — another demo_writer may be "
                    "running; pass --reuse to take it over, or remove it "
                    "with `shmspy rm %s`\n",
                    prog, name, name);
        else
            fprintf(stderr, "%s: %s: cannot open: %s\n", prog, name,
                    strerror(errno));
        return -1;
    }
    if (fchmod(fd, 0600) != 0) /* the umask may have changed 0600 */
        fprintf(stderr, "%s: %s: warning: fchmod 0600: %s\n", prog, name,
                strerror(errno));
    /* Only ever grow: shrinking an object others map would crash them. */
    if (fstat(fd, &st) != 0 ||
        (st.st_size < DEMO_OBJECT_SIZE && ftruncate(fd, DEMO_OBJECT_SIZE))) {
        fprintf(stderr, "%s: %s: cannot size to %d bytes: %s\n", prog, name,
                DEMO_OBJECT_SIZE, strerror(errno));
        close(fd);
        if (created)
            shm_unlink(name); /* do not leave a half-made object behind */
        return -1;
    }
    return fd;
}

/*
 * With --reuse, refuse if the header names a live demo_writer other than
 * us: two writers would fight over the bytes. kill(pid, 0) sends nothing;
 * it only asks whether the process exists (EPERM: exists, not ours).
 */
static int demo_in_use(const struct demo_layout *d) {
    pid_t pid = (pid_t)d->pid;

    if (memcmp(d->magic, DEMO_MAGIC, sizeof d->magic) != 0 || pid <= 0 ||
        pid == getpid())
        return 0;
    return kill(pid, 0) == 0 || errno == EPERM;
}

/* Write the fixed part of the layout and the starting pattern. */
static void demo_init(struct demo_layout *d) {
    memset(d, 0, sizeof *d);
    memcpy(d->magic, DEMO_MAGIC, sizeof d->magic); /* includes the NUL */
    d->version = DEMO_VERSION;
    d->pid = (uint32_t)getpid();
    for (int i = 0; i < DEMO_SLOW_LEN; i++)
        d->slow[i] = (uint8_t)i;
}

/*
 * One update. Plain stores into the mapping are enough: they are the
 * shared bytes. (The compiler cannot keep them in registers past the
 * clock_nanosleep() call, an opaque function that might read them.)
 */
static void demo_tick(struct demo_layout *d, uint64_t counter) {
    static const char msg[] = DEMO_MESSAGE;
    struct timespec rt, mono;

    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    d->counter = counter;
    d->unix_time = (int64_t)rt.tv_sec;
    d->mono_ns =
        (uint64_t)mono.tv_sec * (uint64_t)NS_PER_SEC + (uint64_t)mono.tv_nsec;
    d->ring[counter % DEMO_RING_LEN] = msg[counter % (sizeof msg - 1)];
    d->slow[counter % DEMO_SLOW_LEN]++;
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"hz", required_argument, NULL, 'z'},
        {"seconds", required_argument, NULL, 's'},
        {"reuse", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char name[SAMPLE_NAME_BUF];
    uint64_t hz = 5, seconds = 0, counter = 0;
    struct timespec next, end, now;
    struct demo_layout *d;
    struct sigaction sa;
    void *map;
    int opt, fd, reuse = 0, last = 0, rc = SAMPLE_EXIT_OK;

    setvbuf(stdout, NULL, _IOLBF, 0);

    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'z':
            if (sample_parse_u64(optarg, &hz) != 0 || hz < 1 || hz > MAX_HZ) {
                fprintf(stderr, "%s: --hz %s: want 1 to %d\n", prog, optarg,
                        MAX_HZ);
                return SAMPLE_EXIT_USAGE;
            }
            break;
        case 's':
            if (sample_parse_u64(optarg, &seconds) != 0 || seconds < 1 ||
                seconds > 365 * 24 * 3600) {
                fprintf(stderr,
                        "%s: --seconds %s: want a whole number of "
                        "seconds, at least 1\n",
                        prog, optarg);
                return SAMPLE_EXIT_USAGE;
            }
            break;
        case 'r':
            reuse = 1;
            break;
        case 'h':
            usage(stdout);
            return SAMPLE_EXIT_OK;
        default:
            usage(stderr);
            return SAMPLE_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "%s: too many arguments\n", prog);
        usage(stderr);
        return SAMPLE_EXIT_USAGE;
    }
    if (sample_shm_name(prog, optind < argc ? argv[optind] : DEMO_DEFAULT_NAME,
                        name) != 0)
        return SAMPLE_EXIT_USAGE;

    /*
     * No SA_RESTART: a signal interrupts clock_nanosleep (EINTR) so we
     * notice at once. SIGPIPE ignored so that a closed stdout cannot kill
     * us before we remove the object.
     */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    fd = demo_open(name, reuse);
    if (fd < 0)
        return SAMPLE_EXIT_RUNTIME;
    map =
        mmap(NULL, DEMO_OBJECT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        fprintf(stderr, "%s: %s: cannot map: %s\n", prog, name,
                strerror(errno));
        if (!reuse)
            shm_unlink(name);
        return SAMPLE_EXIT_RUNTIME;
    }
    d = map; /* the layout starts at offset 0 of the mapping */
    if (reuse && demo_in_use(d)) {
        fprintf(stderr,
                "%s: %s: still being written by demo_writer pid %lu; "
                "not taking it over\n",
                prog, name, (unsigned long)d->pid);
        munmap(map, DEMO_OBJECT_SIZE);
        return SAMPLE_EXIT_RUNTIME;
    }
    demo_init(d);

    if (hz == 1)
        printf("%s: writing %s (%d bytes) once a second", prog, name,
               DEMO_OBJECT_SIZE);
    else
        printf("%s: writing %s (%d bytes) %llu times a second", prog, name,
               DEMO_OBJECT_SIZE, (unsigned long long)hz);
    if (seconds > 0)
        printf(" for %llu s", (unsigned long long)seconds);
    printf("; Ctrl-C to stop\n");

    /*
     * Tick on absolute deadlines of CLOCK_MONOTONIC: sleeping "until
     * start + k * period" does not drift the way "sleep period" after each
     * update would, and the monotonic clock ignores changes to the date.
     * A signal that arrives between the stop check and the sleep is seen
     * at the next tick, at most 1/hz seconds later.
     */
    clock_gettime(CLOCK_MONOTONIC, &next);
    end = next;
    end.tv_sec += (time_t)seconds;
    while (stop_signal == 0 && !last) {
        int err;

        demo_tick(d, counter++);
        ts_add_ns(&next, NS_PER_SEC / (long long)hz);
        if (seconds > 0 && ts_ge(&next, &end)) {
            next = end;
            last = 1;
        }
        /* After a pause (Ctrl-Z) do not race to catch up: restart now. */
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!last && !ts_ge(&next, &now))
            next = now;
        do {
            err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        } while (err == EINTR && stop_signal == 0);
        if (err != 0 && err != EINTR) {
            fprintf(stderr, "%s: clock_nanosleep: %s\n", prog, strerror(err));
            rc = SAMPLE_EXIT_RUNTIME;
            break;
        }
    }

    munmap(map, DEMO_OBJECT_SIZE);
    printf("%s: %s after %llu update%s; ", prog,
           stop_signal == SIGINT    ? "got SIGINT"
           : stop_signal == SIGTERM ? "got SIGTERM"
                                    : "stopped",
           (unsigned long long)counter, counter == 1 ? "" : "s");
    if (shm_unlink(name) == 0) {
        printf("removed %s\n", name);
    } else if (errno == ENOENT) {
        printf("%s was already removed\n", name);
    } else {
        printf("could not remove %s\n", name);
        fprintf(stderr, "%s: %s: cannot remove: %s\n", prog, name,
                strerror(errno));
        rc = SAMPLE_EXIT_RUNTIME;
    }
    return rc;
}
