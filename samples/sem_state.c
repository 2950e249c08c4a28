/* sem_state.c - a POSIX named semaphore in a known state, so that what
 * shmspy says of it (value, waiters) can be checked against sem_getvalue.
 *
 *   sem_state hold /NAME N   sem_open it (O_CREAT | O_EXCL, 0600, value N),
 *                            print "holding PID VALUE" with VALUE from
 *                            sem_getvalue, hold it until standard input
 *                            ends, then sem_unlink it
 *   sem_state wait /NAME     sem_open it, print "waiting PID", sem_wait on
 *                            it, print "got VALUE" when it gets through
 *
 * Exit 0; 1 when a call fails (the call and the reason on stderr). */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what) {
    fprintf(stderr, "sem_state: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    sem_t *s;
    int v = -1;
    char buf[64];

    if (argc == 4 && strcmp(argv[1], "hold") == 0) {
        s = sem_open(argv[2], O_CREAT | O_EXCL, 0600,
                     (unsigned)strtoul(argv[3], NULL, 10));
        if (s == SEM_FAILED)
            return fail(argv[2]);
        if (sem_getvalue(s, &v) != 0)
            return fail("sem_getvalue");
        printf("holding %d %d\n", (int)getpid(), v);
        fflush(stdout);
        while (read(0, buf, sizeof buf) > 0)
            ;
        sem_unlink(argv[2]);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "wait") == 0) {
        s = sem_open(argv[2], 0);
        if (s == SEM_FAILED)
            return fail(argv[2]);
        printf("waiting %d\n", (int)getpid());
        fflush(stdout);
        while (sem_wait(s) != 0)
            if (errno != EINTR)
                return fail("sem_wait");
        sem_getvalue(s, &v);
        printf("got %d\n", v);
        return 0;
    }
    fputs("usage: sem_state hold /NAME N | wait /NAME\n", stderr);
    return 2;
}
