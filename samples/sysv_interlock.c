/*
 * sysv_interlock - a server that, like PostgreSQL, uses its System V
 * segment's attach count as a "still running?" interlock.
 *
 *   sysv_interlock KEY [--size N] [--hz N] [--mode MODE]
 *
 * At start it looks for a segment with KEY. If one exists and shm_nattch
 * says some process still has it attached, another copy of the server
 * might still be running and using it: it refuses to start (exit 1),
 * exactly as PostgreSQL does with "pre-existing shared memory block is
 * still in use". If one exists with no attachment, it is left over from a
 * crash: it removes it. Then it creates a new segment (mode 0600 or
 * MODE in octal, N bytes, default 4096), attaches it, writes "interlock pid
 * PID" at offset 0 and increments a 32-bit counter at offset 256 N times a
 * second (default 10), and runs until SIGINT or SIGTERM, when it detaches and
 * removes the segment. Killed with SIGKILL (a crash), it leaves the segment
 * behind, with no attachment: the next start must succeed.
 *
 * So any other program that keeps the segment attached (a debugger, a
 * monitor) stops it from restarting after a crash. Reading the segment
 * through the server's own memory, as `shmspy watch` does, does not.
 *
 * Prints "ready shmid ID at ADDR" once the segment is attached and written.
 * Exit codes: 0 ok, 1 runtime error (or refused to start), 2 usage error.
 */
#include <signal.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "sample_util.h"

static const char *prog = "sysv_interlock";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig; /* async-signal-safe: just record it */
}

static int usage(void) {
    fprintf(stderr, "usage: %s KEY [--size N] [--hz N] [--mode MODE]\n", prog);
    return SAMPLE_EXIT_USAGE;
}

/* The interlock: 0 if we may start (no segment, or a leftover one that
 * nobody has attached, which is removed), 1 if a segment with key is
 * still attached by someone. */
static int check_interlock(key_t key) {
    struct shmid_ds ds;
    int id = shmget(key, 0, 0);

    if (id < 0)
        return 0; /* nothing left from a previous run */
    if (shmctl(id, IPC_STAT, &ds) != 0) {
        fprintf(stderr, "%s: IPC_STAT of shmid %d: %s\n", prog, id,
                strerror(errno));
        return 1;
    }
    if (ds.shm_nattch > 0) {
        fprintf(stderr,
                "%s: pre-existing shared memory block (key 0x%08x, ID %d) is "
                "still in use (shm_nattch %lu): is another server running?\n",
                prog, (unsigned)key, id, (unsigned long)ds.shm_nattch);
        return 1;
    }
    /* Left behind by a server that crashed: reuse the key. */
    if (shmctl(id, IPC_RMID, NULL) != 0 && errno != EINVAL && errno != EIDRM) {
        fprintf(stderr, "%s: removing the old shmid %d: %s\n", prog, id,
                strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    uint64_t key, size = 4096, hz = 10;
    unsigned long mode = 0600;
    char *end;
    struct sigaction sa;
    struct timespec tick;
    volatile uint32_t *counter;
    char *p;
    int i, id;

    if (argc < 2 || sample_parse_u64(argv[1], &key) != 0 || key == 0 ||
        key > 0xffffffffu)
        return usage();
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc &&
            sample_parse_u64(argv[i + 1], &size) == 0 && size >= 512 &&
            sample_size_fits(size))
            i++;
        else if (strcmp(argv[i], "--hz") == 0 && i + 1 < argc &&
                 sample_parse_u64(argv[i + 1], &hz) == 0 && hz >= 1 &&
                 hz <= 1000)
            i++;
        else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc &&
                 (mode = strtoul(argv[i + 1], &end, 8)) <= 0777 &&
                 *argv[i + 1] != '\0' && *end == '\0')
            i++;
        else
            return usage();
    }
    /* Signals are caught before anything is created: a SIGTERM from now
     * on removes the segment. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (check_interlock((key_t)(uint32_t)key) != 0)
        return SAMPLE_EXIT_RUNTIME;
    id = shmget((key_t)(uint32_t)key, (size_t)size,
                IPC_CREAT | IPC_EXCL | (int)mode);
    if (id < 0) {
        fprintf(stderr, "%s: shmget key 0x%08x: %s\n", prog, (unsigned)key,
                strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        fprintf(stderr, "%s: shmat shmid %d: %s\n", prog, id, strerror(errno));
        shmctl(id, IPC_RMID, NULL);
        return SAMPLE_EXIT_RUNTIME;
    }
    snprintf(p, 64, "interlock pid %ld", (long)getpid());
    counter = (volatile uint32_t *)(void *)(p + 256);
    printf("ready shmid %d at %p\n", id, (void *)p);
    fflush(stdout);

    tick.tv_sec = (time_t)(hz == 1 ? 1 : 0);
    tick.tv_nsec = hz == 1 ? 0 : (long)(1000000000u / hz);
    while (!stop_signal) {
        (*counter)++;
        nanosleep(&tick, NULL); /* a signal cuts it short */
    }
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
    return SAMPLE_EXIT_OK;
}
