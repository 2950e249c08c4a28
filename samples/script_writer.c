/* script_writer.c - a writer with a known script of changes, for the
 * tests of record / replay / diff / log (issue 19): what the segment held
 * after each step is the truth a recording is compared with.
 *
 *   script_writer NAME SIZE DIR [SCRIPT]
 *
 * Creates the POSIX object NAME of SIZE bytes (O_EXCL, mode 0600; with
 * SIZE 0 it opens an existing one), writes "0 0" to DIR/steps and the
 * whole object to DIR/step-0.bin, then runs SCRIPT: steps separated by
 * ';' (or newlines when SCRIPT is "@FILE", read from FILE):
 *
 *   at MS write u8|u16|u32|u64 VALUE at OFF  little-endian store
 *   at MS fill A..B with BYTE                bytes [A, B)
 *   at MS truncate to SIZE                   ftruncate (and remap)
 *   at MS remove                             shm_unlink (mapping kept)
 *   at MS create SIZE                        a new object under NAME
 *                                            (O_EXCL; after remove)
 *   at MS wait                               nothing (a marker)
 *
 * MS is milliseconds since the start (absolute, so steps never drift);
 * numbers are decimal or 0x hex. After step N it writes the whole object
 * to DIR/step-N.bin and appends "N T_MS" (T_MS: when the step was done,
 * since the start) to DIR/steps. Without SCRIPT a built-in one runs.
 * Leaves the object in place at the end (the test removes it). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char builtin[] = "at 100 write u32 7 at 0x40;"
                              "at 300 fill 0x100..0x200 with 0xAB;"
                              "at 500 write u64 0x1122334455667788 at 0x800;"
                              "at 700 truncate to 2048;"
                              "at 900 write u8 0x5A at 0x10;"
                              "at 1100 truncate to 8192;"
                              "at 1300 fill 0xfc0..0x1040 with 0x33;"
                              "at 1500 write u32 0 at 0x40";

static const char *name, *dir;
static int fd = -1;
static uint8_t *map;
static size_t len;
static struct timespec t0;

static void die(const char *what) {
    fprintf(stderr, "script_writer: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint64_t ms_since(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)(ts.tv_sec - t0.tv_sec) * 1000u +
           (uint64_t)((ts.tv_nsec - t0.tv_nsec) / 1000000);
}

static void sleep_until_ms(uint64_t ms) {
    struct timespec ts = t0;
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void remap(void) {
    struct stat st;
    if (map != NULL && len > 0)
        munmap(map, len);
    map = NULL;
    if (fstat(fd, &st) != 0)
        die("fstat");
    len = (size_t)st.st_size;
    if (len > 0) {
        map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            die("mmap");
    }
}

static void open_new(size_t size) {
    if (fd >= 0)
        close(fd);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        die(name);
    if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)size) != 0)
        die("ftruncate");
    remap();
}

static void snapshot(int n, uint64_t t) {
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/step-%d.bin", dir, n);
    f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(map, 1, len, f) != len) ||
        fclose(f) != 0)
        die(path);
    snprintf(path, sizeof path, "%s/steps", dir);
    f = fopen(path, "a");
    if (f == NULL)
        die(path);
    fprintf(f, "%d %llu\n", n, (unsigned long long)t);
    if (fclose(f) != 0)
        die(path);
}

static uint64_t num(const char *s) {
    char *end;
    uint64_t v;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0') {
        fprintf(stderr, "script_writer: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

static void bad(const char *step) {
    fprintf(stderr, "script_writer: bad step '%s'\n", step);
    exit(2);
}

static void check_range(uint64_t off, uint64_t n, const char *step) {
    if (off > len || n > len - off) {
        fprintf(stderr, "script_writer: '%s' is past the end (%zu bytes)\n",
                step, len);
        exit(2);
    }
}

/* Runs one step ("at MS ..."); 0 for an empty one. */
static int run(char *step, int n) {
    char *w[8];
    int nw = 0;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", step);
    for (char *p = strtok(step, " \t\r\n"); p != NULL && nw < 8;
         p = strtok(NULL, " \t\r\n"))
        w[nw++] = p;
    if (nw == 0)
        return 0;
    if (nw < 3 || strcmp(w[0], "at") != 0)
        bad(copy);
    sleep_until_ms(num(w[1]));
    if (strcmp(w[2], "write") == 0 && nw == 7 && strcmp(w[5], "at") == 0) {
        unsigned width = strcmp(w[3], "u8") == 0    ? 1
                         : strcmp(w[3], "u16") == 0 ? 2
                         : strcmp(w[3], "u32") == 0 ? 4
                         : strcmp(w[3], "u64") == 0 ? 8
                                                    : 0;
        uint64_t v = num(w[4]), off = num(w[6]);
        if (width == 0)
            bad(copy);
        check_range(off, width, copy);
        for (unsigned i = 0; i < width; i++)
            map[off + i] = (uint8_t)(v >> (8 * i));
    } else if (strcmp(w[2], "fill") == 0 && nw == 6 &&
               strcmp(w[4], "with") == 0) {
        char *dots = strstr(w[3], "..");
        uint64_t a, b;
        if (dots == NULL)
            bad(copy);
        *dots = '\0';
        a = num(w[3]);
        b = num(dots + 2);
        if (b < a)
            bad(copy);
        check_range(a, b - a, copy);
        memset(map + a, (int)num(w[5]), (size_t)(b - a));
    } else if (strcmp(w[2], "truncate") == 0 && nw == 5 &&
               strcmp(w[3], "to") == 0) {
        if (ftruncate(fd, (off_t)num(w[4])) != 0)
            die("ftruncate");
        remap();
    } else if (strcmp(w[2], "remove") == 0 && nw == 3) {
        if (shm_unlink(name) != 0)
            die("shm_unlink");
    } else if (strcmp(w[2], "create") == 0 && nw == 4) {
        open_new((size_t)num(w[3]));
    } else if (strcmp(w[2], "wait") != 0 || nw != 3) {
        bad(copy);
    }
    snapshot(n, ms_since());
    return 1;
}

int main(int argc, char **argv) {
    char *script, *step, *save = NULL;
    size_t size;
    int n = 0;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: script_writer NAME SIZE DIR [SCRIPT|@FILE]\n");
        return 2;
    }
    name = argv[1];
    size = (size_t)num(argv[2]);
    dir = argv[3];
    if (argc == 5 && argv[4][0] == '@') {
        FILE *f = fopen(argv[4] + 1, "r");
        long flen;
        if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (flen = ftell(f)) < 0 ||
            fseek(f, 0, SEEK_SET) != 0)
            die(argv[4] + 1);
        script = calloc(1, (size_t)flen + 1);
        if (script == NULL || fread(script, 1, (size_t)flen, f) != (size_t)flen)
            die(argv[4] + 1);
        fclose(f);
        for (char *p = script; *p; p++)
            if (*p == '\n')
                *p = ';';
    } else {
        script = strdup(argc == 5 ? argv[4] : builtin);
        if (script == NULL)
            die("strdup");
    }
    if (size > 0) {
        open_new(size);
    } else {
        fd = shm_open(name, O_RDWR, 0);
        if (fd < 0)
            die(name);
        remap();
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    snapshot(n++, 0);
    for (step = strtok_r(script, ";", &save); step != NULL;
         step = strtok_r(NULL, ";", &save))
        n += run(step, n);
    free(script);
    if (map != NULL)
        munmap(map, len);
    close(fd);
    return 0;
}
