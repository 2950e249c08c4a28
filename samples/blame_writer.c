/*
 * blame_writer - a process for `shmspy blame` to catch: it maps a POSIX
 * shared memory object and writes (or reads) a 32-bit counter at a given
 * offset from one known function, bump_counter (peek_counter for reads),
 * so a test knows which function and source line blame must name.
 *
 *   blame_writer NAME --offset OFF [--hz N] [--count N] [--threads N]
 *                [--thread-delay S] [--read] [--delay-map S] [--maps N]
 *                [--wait S]
 *
 *   --offset OFF      byte offset of the counter (default 0; 4-aligned)
 *   --hz N            accesses per second per thread (default 10; 0: as
 *                     fast as possible, a tight loop)
 *   --count N         each thread stops after N accesses, then the
 *                     program exits (default: until SIGINT/SIGTERM)
 *   --threads N       N more threads doing the same, started after
 *                     --thread-delay seconds (default 0.5): threads that
 *                     did not exist when blame armed the process
 *   --read            read the counter instead of writing it
 *   --delay-map S     map the object only after S seconds
 *   --maps N          map the object N times (default 1); accesses go
 *                     through each mapping in turn
 *   --wait S          after mapping, wait S seconds before the first
 *                     access (time for blame to arm: benchmarks)
 *
 * Creates the object (0600, 4096 bytes or enough for the counter) when it
 * does not exist; never removes it. Prints, one line each, flushed:
 *   where bump_counter FILE:LINE     (or peek_counter with --read)
 *   mapped ADDR [ADDR...]
 *   thread TID                       (for each extra thread)
 *   done N ELAPSED_NS                (accesses of the main thread, and its
 *                                     time in the access loop)
 * Built with -g -O0 so its debug information names that line.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_MAPS 4

static volatile sig_atomic_t stop;
static volatile uint32_t *counters[MAX_MAPS];
static int nmaps = 1;
static double hz = 10;
static unsigned long count; /* 0: forever */
static int reading;
static volatile uint32_t sink;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

/* The one store the tests expect blame to name: keep it on its own line.
 * (BUMP_LINE is the line of that store.) */
enum { BUMP_LINE = __LINE__ + 2 };
static __attribute__((noinline)) void bump_counter(volatile uint32_t *p) {
    *p = *p + 1;
}

/* The one load --read tests expect blame (--access rw) to name. */
enum { PEEK_LINE = __LINE__ + 2 };
static __attribute__((noinline)) void peek_counter(volatile uint32_t *p) {
    sink = *p;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s) {
    struct timespec ts;
    if (s <= 0)
        return;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop)
        ;
}

/* Accesses the counter until count or a signal; returns how many. */
static unsigned long access_loop(void) {
    unsigned long n = 0;
    double period = hz > 0 ? 1.0 / hz : 0, next = now_s();
    while (!stop && (count == 0 || n < count)) {
        volatile uint32_t *p = counters[n % (unsigned long)nmaps];
        if (reading)
            peek_counter(p);
        else
            bump_counter(p);
        n++;
        if (period > 0) {
            next += period;
            sleep_s(next - now_s());
        }
    }
    return n;
}

static void *thread_main(void *arg) {
    (void)arg;
    printf("thread %ld\n", (long)syscall(SYS_gettid));
    access_loop();
    return NULL;
}

static int usage(void) {
    fputs("usage: blame_writer NAME --offset OFF [--hz N] [--count N] "
          "[--threads N]\n"
          "                    [--thread-delay S] [--read] [--delay-map S] "
          "[--maps N] [--wait S]\n",
          stderr);
    return 2;
}

int main(int argc, char **argv) {
    const char *name = NULL;
    unsigned long off = 0, nthreads = 0, done, i;
    double thread_delay = 0.5, delay_map = 0, wait_s = 0, t0;
    pthread_t th[16];
    struct sigaction sa;
    struct stat st;
    int fd, a;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (a = 1; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(argv[a], "--read") == 0) {
            reading = 1;
            continue;
        }
        if (argv[a][0] != '-') {
            name = argv[a];
            continue;
        }
        if (v == NULL)
            return usage();
        if (strcmp(argv[a], "--offset") == 0)
            off = strtoul(v, NULL, 0);
        else if (strcmp(argv[a], "--hz") == 0)
            hz = atof(v);
        else if (strcmp(argv[a], "--count") == 0)
            count = strtoul(v, NULL, 0);
        else if (strcmp(argv[a], "--threads") == 0)
            nthreads = strtoul(v, NULL, 0);
        else if (strcmp(argv[a], "--thread-delay") == 0)
            thread_delay = atof(v);
        else if (strcmp(argv[a], "--delay-map") == 0)
            delay_map = atof(v);
        else if (strcmp(argv[a], "--wait") == 0)
            wait_s = atof(v);
        else if (strcmp(argv[a], "--maps") == 0)
            nmaps = atoi(v);
        else
            return usage();
        a++;
    }
    if (name == NULL || off % 4 != 0 || nthreads > 16 || nmaps < 1 ||
        nmaps > MAX_MAPS)
        return usage();

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    printf("where %s %s:%d\n", reading ? "peek_counter" : "bump_counter",
           __FILE__, reading ? PEEK_LINE : BUMP_LINE);
    sleep_s(delay_map);
    fd = shm_open(name, O_RDWR | O_CREAT, 0600);
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "blame_writer: %s: %s\n", name, strerror(errno));
        return 1;
    }
    if ((unsigned long)st.st_size < off + 4 &&
        ftruncate(fd, (off_t)(off + 4 > 4096 ? off + 4 : 4096)) != 0) {
        fprintf(stderr, "blame_writer: %s: %s\n", name, strerror(errno));
        return 1;
    }
    printf("mapped");
    for (i = 0; i < (unsigned long)nmaps; i++) {
        void *m =
            mmap(NULL, off + 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "blame_writer: mmap: %s\n", strerror(errno));
            return 1;
        }
        counters[i] = (volatile uint32_t *)((char *)m + off);
        printf(" %p", (void *)counters[i]);
    }
    printf("\n");
    close(fd);
    sleep_s(wait_s);

    for (i = 0; i < nthreads; i++) {
        if (i == 0)
            sleep_s(thread_delay);
        if (pthread_create(&th[i], NULL, thread_main, NULL) != 0) {
            fprintf(stderr, "blame_writer: pthread_create failed\n");
            return 1;
        }
    }
    t0 = now_s();
    done = access_loop();
    printf("done %lu %.0f\n", done, (now_s() - t0) * 1e9);
    for (i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    return 0;
}
