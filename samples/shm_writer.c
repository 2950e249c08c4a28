/*
 * shm_writer - create a POSIX shared memory object, put a number and a
 * string in it, and keep it alive until told to stop.
 *
 *   shm_writer [NAME] [--value N] [--text S] [--size N] [--no-wait]
 *
 * The life of a shared memory object, step by step:
 *   1. shm_open(O_CREAT | O_EXCL)  create the name (fails if it exists)
 *   2. ftruncate                   give it a size; a new object is 0 bytes
 *   3. mmap(MAP_SHARED)            see its bytes in our address space
 *   4. write through the pointer   other processes see the same bytes
 *   5. munmap + shm_unlink         unmap, then remove the name
 *
 * The layout written is in sample_layout.h; shm_reader reads it back.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample_layout.h"
#include "sample_util.h"

static const char *prog = "shm_writer";

/* Set by the signal handler; only read outside it. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig; /* async-signal-safe: just record it */
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: %s [NAME] [--value N] [--text S] [--size N] [--no-wait]\n"
            "  NAME       shared memory object to create (default %s)\n"
            "  --value N  int32 written at offset %d (default %d)\n"
            "  --text S   string written at offset %d, at most %d bytes\n"
            "             (default \"%s\")\n"
            "  --size N   object size in bytes, at least %d (default %d)\n"
            "  --no-wait  leave the object in place and exit at once\n"
            "Without --no-wait, waits for Enter, end of input, SIGINT or\n"
            "SIGTERM, then removes the object.\n",
            prog, SAMPLE_DEFAULT_NAME, SAMPLE_OFF_VALUE, SAMPLE_DEFAULT_VALUE,
            SAMPLE_OFF_TEXT, SAMPLE_TEXT_MAX - 1, SAMPLE_DEFAULT_TEXT,
            SAMPLE_LAYOUT_SIZE, SAMPLE_DEFAULT_SIZE);
}

/* Parse a decimal or 0x hex int32, optionally negative. Returns 0 or -1. */
static int parse_i32(const char *s, int32_t *out) {
    uint64_t mag;
    int neg = s[0] == '-';

    if (sample_parse_u64(s + neg, &mag) != 0 ||
        mag > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
        return -1;
    *out = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
    return 0;
}

/*
 * Catch SIGINT and SIGTERM so that Ctrl-C or `kill` still removes the
 * object, and block them: a signal that arrives while we are setting up
 * stays pending until wait_for_stop() unblocks it inside pselect(). That
 * closes the classic race where a signal lands just before a blocking call
 * and is missed. *ORIG receives the signal mask to restore while waiting.
 *
 * SIGPIPE is ignored: if our stdout is a pipe whose reader went away, a
 * printf should fail quietly, not kill us before we clean up.
 */
static void signals_setup(sigset_t *orig) {
    struct sigaction sa;
    sigset_t block;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, orig);
}

/*
 * Block until Enter is pressed, stdin reaches end of input, or SIGINT or
 * SIGTERM arrives. Returns a few words saying which, for the log line.
 * ORIG is the signal mask to use while waiting (signals unblocked).
 */
static const char *wait_for_stop(const sigset_t *orig) {
    for (;;) {
        fd_set readable;
        char buf[256];
        ssize_t n;

        if (stop_signal != 0)
            return stop_signal == SIGINT ? "got SIGINT" : "got SIGTERM";

        FD_ZERO(&readable);
        FD_SET(STDIN_FILENO, &readable);
        /* pselect swaps in ORIG atomically: signals can only arrive here. */
        if (pselect(STDIN_FILENO + 1, &readable, NULL, NULL, NULL, orig) < 0) {
            if (errno == EINTR)
                continue; /* a signal: the check at the top sees it */
            break;        /* stdin closed or unusable */
        }
        n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0)
            return "end of input on stdin";
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            break;
        }
        if (memchr(buf, '\n', (size_t)n) != NULL)
            return "Enter pressed";
    }

    /* No usable stdin (e.g. started with <&-): signals are all we have. */
    fprintf(stderr,
            "%s: cannot read stdin (%s); waiting for SIGINT or "
            "SIGTERM\n",
            prog, strerror(errno));
    while (stop_signal == 0)
        sigsuspend(orig);
    return stop_signal == SIGINT ? "got SIGINT" : "got SIGTERM";
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"value", required_argument, NULL, 'v'},
        {"text", required_argument, NULL, 't'},
        {"size", required_argument, NULL, 's'},
        {"no-wait", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char name[SAMPLE_NAME_BUF];
    int32_t value = SAMPLE_DEFAULT_VALUE;
    const char *text = SAMPLE_DEFAULT_TEXT;
    uint64_t size = SAMPLE_DEFAULT_SIZE;
    int no_wait = 0;
    sigset_t orig_mask;
    unsigned char *mem;
    int opt, fd, rc = SAMPLE_EXIT_OK;

    /* Line-buffered even into a pipe, so a test can wait for our lines. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'v':
            if (parse_i32(optarg, &value) != 0) {
                fprintf(stderr, "%s: --value %s: not a 32-bit integer\n", prog,
                        optarg);
                return SAMPLE_EXIT_USAGE;
            }
            break;
        case 't':
            text = optarg;
            break;
        case 's':
            if (sample_parse_u64(optarg, &size) != 0 ||
                !sample_size_fits(size)) {
                fprintf(stderr, "%s: --size %s: not a usable size\n", prog,
                        optarg);
                return SAMPLE_EXIT_USAGE;
            }
            break;
        case 'n':
            no_wait = 1;
            break;
        case 'h':
            usage(stdout);
            return SAMPLE_EXIT_OK;
        default: /* getopt_long has already said what was wrong */
            usage(stderr);
            return SAMPLE_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "%s: too many arguments\n", prog);
        usage(stderr);
        return SAMPLE_EXIT_USAGE;
    }
    if (sample_shm_name(prog,
                        optind < argc ? argv[optind] : SAMPLE_DEFAULT_NAME,
                        name) != 0)
        return SAMPLE_EXIT_USAGE;
    if (size < SAMPLE_LAYOUT_SIZE) {
        fprintf(stderr,
                "%s: --size %llu: too small, the layout needs %d "
                "bytes\n",
                prog, (unsigned long long)size, SAMPLE_LAYOUT_SIZE);
        return SAMPLE_EXIT_USAGE;
    }
    if (strlen(text) >= SAMPLE_TEXT_MAX) {
        fprintf(stderr,
                "%s: --text is %zu bytes; at most %d fit (the field "
                "is %d bytes with its NUL)\n",
                prog, strlen(text), SAMPLE_TEXT_MAX - 1, SAMPLE_TEXT_MAX);
        return SAMPLE_EXIT_USAGE;
    }

    signals_setup(&orig_mask);

    /*
     * 1. Create. O_EXCL makes creation fail if the name is taken, so we
     * never scribble over (and later delete) somebody else's object.
     */
    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            fprintf(stderr,
                    "%s: %s: already exists — another shm_writer is running, "
                    "or one was killed before cleaning up; remove it with "
                    "`shmspy rm %s` (or rm /dev/shm%s)\n",
                    prog, name, name, name);
        else
            fprintf(stderr, "%s: %s: cannot create: %s\n", prog, name,
                    strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    /* shm_open applies the umask to 0600; fchmod sets exactly 0600. */
    if (fchmod(fd, 0600) != 0)
        fprintf(stderr, "%s: %s: warning: fchmod 0600: %s\n", prog, name,
                strerror(errno));

    /* 2. Size it: a fresh object has 0 bytes, and mapping it is useless. */
    if (ftruncate(fd, (off_t)size) != 0) {
        fprintf(stderr, "%s: %s: cannot set size to %llu bytes: %s\n", prog,
                name, (unsigned long long)size, strerror(errno));
        close(fd);
        shm_unlink(name); /* do not leave a half-made object behind */
        return SAMPLE_EXIT_RUNTIME;
    }

    /*
     * 3. Map it. MAP_SHARED is the point: our stores go to the object
     * itself, so every process mapping it sees them. The kernel picks the
     * address; another process will usually get a different one.
     */
    mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) {
        fprintf(stderr, "%s: %s: cannot map %llu bytes: %s\n", prog, name,
                (unsigned long long)size, strerror(errno));
        close(fd);
        shm_unlink(name);
        return SAMPLE_EXIT_RUNTIME;
    }
    close(fd); /* the mapping keeps the object open; the fd is not needed */

    printf("%s: created %s (%llu bytes, mode 0600), pid %ld\n", prog, name,
           (unsigned long long)size, (long)getpid());
    printf("%s: mapped %llu bytes at %p\n", prog, (unsigned long long)size,
           (void *)mem);

    /*
     * 4. Write. memcpy rather than `*(int32_t *)(mem + off) = value`: it is
     * correct for any offset, aligned or not, and says "bytes go here".
     * The text's NUL comes along (strlen + 1); ftruncate zero-filled the
     * rest.
     */
    memcpy(mem + SAMPLE_OFF_VALUE, &value, sizeof value);
    memcpy(mem + SAMPLE_OFF_TEXT, text, strlen(text) + 1);
    printf("%s: wrote int32 %ld at offset %d\n", prog, (long)value,
           SAMPLE_OFF_VALUE);
    printf("%s: wrote ", prog);
    sample_print_escaped(stdout, (const unsigned char *)text, strlen(text));
    printf(" at offset %d\n", SAMPLE_OFF_TEXT);

    if (no_wait) {
        /* The object outlives us: shared memory is not tied to a process. */
        munmap(mem, (size_t)size);
        printf("%s: --no-wait: leaving %s in place; remove it with "
               "`shmspy rm %s`\n",
               prog, name, name);
        return SAMPLE_EXIT_OK;
    }

    printf("%s: ready; press Enter (or Ctrl-C) to remove %s and exit\n", prog,
           name);
    printf("%s: %s; cleaning up\n", prog, wait_for_stop(&orig_mask));

    /*
     * 5. Clean up. munmap drops our view; shm_unlink removes the name.
     * Processes that still have it mapped keep their view until they unmap:
     * the memory is freed when the last user lets go.
     */
    munmap(mem, (size_t)size);
    if (shm_unlink(name) == 0) {
        printf("%s: removed %s\n", prog, name);
    } else if (errno == ENOENT) {
        printf("%s: %s was already removed by someone else\n", prog, name);
    } else {
        fprintf(stderr, "%s: %s: cannot remove: %s\n", prog, name,
                strerror(errno));
        rc = SAMPLE_EXIT_RUNTIME;
    }
    return rc;
}
