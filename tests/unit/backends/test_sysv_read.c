/* test_sysv_read.c - a System V segment opened read-only is read without
 * being held attached: through the memory of a process that maps it,
 * which leaves shm_nattch, shm_lpid and shm_atime/shm_dtime as they were;
 * when that process unmaps it or exits, by a short attach for one read;
 * and through a process again once one maps it. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/seg.h"
#include "core/name.h"

#define SIZE 8192

typedef struct holder {
    pid_t pid;
    int cmd, ack; /* commands to the holder, its answers */
} holder;

/* Forks a process that attaches shmid read-write and then obeys
 * one-byte commands: 'w' increments the first byte, 'd' detaches; each is
 * answered with one byte. End of commands ends it. */
static holder spawn_holder(int id) {
    int cmd[2], ack[2];
    holder h;

    ck_assert_int_eq(pipe(cmd), 0);
    ck_assert_int_eq(pipe(ack), 0);
    h.pid = fork();
    ck_assert_int_ge(h.pid, 0);
    if (h.pid == 0) {
        uint8_t *p = shmat(id, NULL, 0);
        char c;
        close(cmd[1]);
        close(ack[0]);
        if (p == (void *)-1)
            _exit(2);
        if (write(ack[1], "r", 1) != 1)
            _exit(3);
        while (read(cmd[0], &c, 1) == 1) {
            if (c == 'w')
                p[0]++;
            else if (c == 'd')
                shmdt(p);
            if (write(ack[1], "k", 1) != 1)
                _exit(3);
        }
        _exit(0);
    }
    close(cmd[0]);
    close(ack[1]);
    h.cmd = cmd[1];
    h.ack = ack[0];
    {
        char c;
        ck_assert_int_eq(read(h.ack, &c, 1), 1);
    }
    return h;
}

static void tell(holder *h, char c) {
    char a;
    ck_assert_int_eq(write(h->cmd, &c, 1), 1);
    ck_assert_int_eq(read(h->ack, &a, 1), 1);
}

static void end_holder(holder *h, int sig) {
    int st;
    if (sig != 0)
        kill(h->pid, sig);
    close(h->cmd);
    close(h->ack);
    ck_assert_int_eq(waitpid(h->pid, &st, 0), h->pid);
}

static struct shmid_ds stat_of(int id) {
    struct shmid_ds ds;
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    return ds;
}

static spy_seg *open_ro(int id) {
    char text[32];
    spy_name n;
    spy_seg *s = NULL;
    spy_err e;
    snprintf(text, sizeof text, "sysv:%d", id);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    return s;
}

static int seg_id = -1;

static void remove_segment(void) {
    if (seg_id >= 0)
        shmctl(seg_id, IPC_RMID, NULL);
    seg_id = -1;
}

START_TEST(test_read_through_the_mapper) {
    uint8_t *buf = malloc(SIZE), *p;
    struct shmid_ds before, after;
    spy_access a;
    spy_seg *s;
    spy_err e;
    holder h;
    int i;

    seg_id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600);
    ck_assert_int_ge(seg_id, 0);
    /* Fill it through an attach of our own, before the holder comes. */
    p = shmat(seg_id, NULL, 0);
    ck_assert_ptr_ne(p, (void *)-1);
    for (i = 0; i < SIZE; i++)
        p[i] = (uint8_t)(i * 13);
    shmdt(p);
    h = spawn_holder(seg_id);
    before = stat_of(seg_id);
    ck_assert_int_eq((int)before.shm_nattch, 1);
    ck_assert_int_eq(before.shm_lpid, h.pid);

    s = open_ro(seg_id);
    ck_assert_uint_eq(spy_seg_len(s), SIZE);
    ck_assert_int_eq(spy_seg_read(s, 0, buf, SIZE, &e), 0);
    for (i = 1; i < SIZE; i++)
        ck_assert_uint_eq(buf[i], (uint8_t)(i * 13));
    ck_assert_int_eq(spy_seg_access(s, &a, &e), 0);
    ck_assert_int_eq(a.kind, SPY_ACCESS_PROCESS);
    ck_assert_int_eq(a.pid, h.pid);
    ck_assert_str_eq(a.comm, "test_sysv_read");
    ck_assert_ptr_nonnull(strstr(a.text, "read through the memory of PID"));

    /* Live: a change by the holder is seen at once. */
    tell(&h, 'w');
    ck_assert_int_eq(spy_seg_read(s, 0, buf, 1, &e), 0);
    ck_assert_uint_eq(buf[0], 1);
    for (i = 0; i < 50; i++)
        ck_assert_int_eq(spy_seg_read(s, (uint64_t)i * 16, buf, 16, &e), 0);

    /* Nothing another program sees has changed. */
    after = stat_of(seg_id);
    ck_assert_int_eq((int)after.shm_nattch, 1);
    ck_assert_int_eq(after.shm_lpid, h.pid);
    ck_assert_int_eq((long)after.shm_atime, (long)before.shm_atime);
    ck_assert_int_eq((long)after.shm_dtime, (long)before.shm_dtime);

    spy_seg_close(s);
    end_holder(&h, 0);
    remove_segment();
    free(buf);
}
END_TEST

START_TEST(test_mapper_unmaps_then_exits_then_returns) {
    uint8_t buf[64];
    struct shmid_ds ds, ds2;
    spy_access a;
    spy_seg *s;
    spy_err e;
    holder h, h2;

    seg_id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600);
    ck_assert_int_ge(seg_id, 0);
    h = spawn_holder(seg_id);
    h2 = spawn_holder(seg_id);
    tell(&h, 'w');
    s = open_ro(seg_id);
    ck_assert_int_eq(spy_seg_read(s, 0, buf, 4, &e), 0);
    ck_assert_uint_eq(buf[0], 1);
    ck_assert_int_eq(spy_seg_access(s, &a, &e), 0);
    ck_assert_int_eq(a.kind, SPY_ACCESS_PROCESS);

    /* The process read through detaches: the other one is used. */
    if (a.pid == h.pid) {
        tell(&h, 'd');
    } else {
        tell(&h2, 'd');
    }
    tell(a.pid == h.pid ? &h2 : &h, 'w');
    ck_assert_int_eq(spy_seg_read(s, 0, buf, 4, &e), 0);
    ck_assert_uint_eq(buf[0], 2);
    ck_assert_int_eq(spy_seg_access(s, &a, &e), 0);
    ck_assert_int_eq(a.kind, SPY_ACCESS_PROCESS);
    ds = stat_of(seg_id);
    ck_assert_int_eq((int)ds.shm_nattch, 1);
    ck_assert_int_ne(ds.shm_lpid, getpid());

    /* Both gone (one killed, a crash): attached for the one read. */
    end_holder(&h, SIGKILL);
    end_holder(&h2, SIGKILL);
    ck_assert_int_eq((int)stat_of(seg_id).shm_nattch, 0);
    ck_assert_int_eq(spy_seg_read(s, 0, buf, 4, &e), 0);
    ck_assert_uint_eq(buf[0], 2);
    ds = stat_of(seg_id);
    ck_assert_int_eq((int)ds.shm_nattch, 0); /* not held */
    ck_assert_int_eq(ds.shm_lpid, getpid());
    ck_assert_int_eq(spy_seg_access(s, &a, &e), 0);
    ck_assert_int_eq(a.kind, SPY_ACCESS_ATTACH_EACH);
    ck_assert_str_eq(a.text, "attached for each read: nothing else maps it");

    /* Nothing attached since: the same bytes again need no attach. */
    sleep(1);
    ck_assert_int_eq(spy_seg_read(s, 0, buf, 4, &e), 0);
    ck_assert_uint_eq(buf[0], 2);
    ds2 = stat_of(seg_id);
    ck_assert_int_eq((long)ds2.shm_atime, (long)ds.shm_atime);
    ck_assert_int_eq((long)ds2.shm_dtime, (long)ds.shm_dtime);

    /* A process maps it again: read through it, not attached. */
    h = spawn_holder(seg_id);
    tell(&h, 'w');
    ck_assert_int_eq(spy_seg_read(s, 0, buf, 4, &e), 0);
    ck_assert_uint_eq(buf[0], 3);
    ds = stat_of(seg_id);
    ck_assert_int_eq((int)ds.shm_nattch, 1);
    ck_assert_int_eq(ds.shm_lpid, h.pid);
    ck_assert_int_eq(spy_seg_access(s, &a, &e), 0);
    ck_assert_int_eq(a.kind, SPY_ACCESS_PROCESS);
    ck_assert_int_eq(a.pid, h.pid);

    spy_seg_close(s);
    end_holder(&h, 0);
    remove_segment();
}
END_TEST

START_TEST(test_write_attaches_and_says_so) {
    char text[32];
    uint8_t b = 0x5a;
    spy_name n;
    spy_access a;
    spy_seg *s;
    spy_err e;

    seg_id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600);
    ck_assert_int_ge(seg_id, 0);
    snprintf(text, sizeof text, "sysv:%d", seg_id);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e), 0);
    ck_assert_int_eq((int)stat_of(seg_id).shm_nattch, 1);
    ck_assert_int_eq(spy_seg_access(s, &a, &e), 0);
    ck_assert_int_eq(a.kind, SPY_ACCESS_ATTACHED);
    ck_assert_ptr_nonnull(strstr(a.text, "for writing"));
    ck_assert_int_eq(spy_seg_write(s, 10, &b, 1, &e), 0);
    spy_seg_close(s);
    ck_assert_int_eq((int)stat_of(seg_id).shm_nattch, 0);
    s = open_ro(seg_id);
    b = 0;
    ck_assert_int_eq(spy_seg_read(s, 10, &b, 1, &e), 0);
    ck_assert_uint_eq(b, 0x5a);
    spy_seg_close(s);
    remove_segment();
}
END_TEST

int main(void) {
    Suite *s = suite_create("sysv_read");
    TCase *tc = tcase_create("sysv_read");
    SRunner *sr;
    int failed;

    /* A failed check must not leave a segment behind. */
    tcase_add_checked_fixture(tc, NULL, remove_segment);
    tcase_add_test(tc, test_read_through_the_mapper);
    tcase_add_test(tc, test_mapper_unmaps_then_exits_then_returns);
    tcase_add_test(tc, test_write_attaches_and_says_so);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
