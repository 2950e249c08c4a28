/* shm_holder.c - holds one shared memory object the way real programs do,
 * so that what observers (shmspy, ipcs, ps) say about it can be checked.
 *
 *   shm_holder [-t TITLE] posix /NAME    map an existing POSIX object
 *   shm_holder [-t TITLE] sem /NAME      sem_open it (O_CREAT, 0600)
 *   shm_holder [-t TITLE] [-d] [-l] [-r] sysv KEY|private
 *                                        shmget (4096 bytes, 0600), shmat
 *
 *   -d  System V: attach and detach once first (sets the detach time)
 *   -l  System V: SHM_LOCK it (needs CAP_IPC_LOCK); ipcs says "locked"
 *   -r  System V: IPC_RMID while attached; ipcs says "dest", key 0
 *   -t  rewrite the process title over argv, as PostgreSQL does
 *       ("postgres: checkpointer"): ps and /proc/PID/cmdline show TITLE
 *
 * Prints "holding PID SHMID" (SHMID 0 for POSIX) and holds until its
 * standard input ends. */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

static int usage(void) {
    fprintf(stderr, "usage: shm_holder [-t TITLE] [-d] [-l] [-r] "
                    "posix|sem|sysv NAME|KEY|private\n");
    return 2;
}

static int fail(const char *what) {
    fprintf(stderr, "shm_holder: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Writes title over the argument strings (contiguous in memory from
 * argv[0] to the end of the last one) and pads the rest with NUL bytes:
 * /proc/PID/cmdline then reads as the one string title. */
static void set_title(int argc, char **argv, const char *title) {
    char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]);
    size_t room = (size_t)(end - start), n = strlen(title);
    char *copy = strdup(title); /* title itself lies in that area */
    if (copy == NULL)
        return;
    if (n > room)
        n = room;
    memset(start, 0, room + 1);
    memcpy(start, copy, n);
    free(copy);
}

int main(int argc, char **argv) {
    const char *title = NULL, *kind, *name;
    int detach = 0, lock = 0, rmid = 0, opt, shmid = 0;
    char buf[64];

    while ((opt = getopt(argc, argv, "t:dlr")) != -1) {
        switch (opt) {
        case 't':
            title = optarg;
            break;
        case 'd':
            detach = 1;
            break;
        case 'l':
            lock = 1;
            break;
        case 'r':
            rmid = 1;
            break;
        default:
            return usage();
        }
    }
    if (argc - optind != 2)
        return usage();
    kind = argv[optind];
    name = argv[optind + 1];

    if (strcmp(kind, "posix") == 0) {
        int fd = shm_open(name, O_RDWR, 0);
        if (fd < 0 || mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                           0) == MAP_FAILED)
            return fail(name);
        close(fd); /* the mapping stays; only /proc/PID/maps shows it */
    } else if (strcmp(kind, "sem") == 0) {
        if (sem_open(name, O_CREAT, 0600, 1) == SEM_FAILED)
            return fail(name);
    } else if (strcmp(kind, "sysv") == 0) {
        key_t key = strcmp(name, "private") == 0
                        ? IPC_PRIVATE
                        : (key_t)strtoul(name, NULL, 16);
        shmid = shmget(key, 4096, IPC_CREAT | 0600);
        if (shmid < 0)
            return fail("shmget");
        if (detach) {
            void *p = shmat(shmid, NULL, 0);
            if (p == (void *)-1 || shmdt(p) != 0)
                return fail("shmat/shmdt");
            sleep(1); /* the attach time then differs from the detach */
        }
        if (shmat(shmid, NULL, 0) == (void *)-1)
            return fail("shmat");
        if (lock && shmctl(shmid, SHM_LOCK, NULL) != 0)
            return fail("SHM_LOCK");
        if (rmid && shmctl(shmid, IPC_RMID, NULL) != 0)
            return fail("IPC_RMID");
    } else {
        return usage();
    }
    if (title != NULL)
        set_title(argc, argv, title);
    printf("holding %d %d\n", (int)getpid(), shmid);
    fflush(stdout);
    while (read(0, buf, sizeof buf) > 0)
        ;
    return 0;
}
