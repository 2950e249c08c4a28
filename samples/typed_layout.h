/*
 * typed_layout.h - struct typed_shared: a shared struct that exercises
 * every layout rule a typed view must get right, and the locks it decodes.
 *
 * typed_writer (samples/typed_writer.c) creates it in a POSIX object and
 * keeps changing some fields; the tests resolve `struct typed_shared` from
 * this header (compiled with cc -g) and from typed_writer's own -g binary,
 * and compare every offset and size with what typed_offsets prints
 * (offsetof/sizeof from the compiler that built it).
 *
 *   padding:   `small` (1 byte) before `wide` (8 bytes, aligned to 8)
 *   bitfields: `flags` below, 3 + 1 + 12 bits and an unnamed gap
 *   packed:    struct typed_packed has no padding at all
 *   unions:    union typed_word, a u32 seen as bytes or halves
 *   enums:     enum typed_state, with a negative enumerator
 *   arrays:    a 2-D array, an array of structs (a ring), a char string
 *   pointer:   `self`, the writer's address of the object (meaningless in
 *              any other process: the lesson of the fixed pointer)
 *   locks:     a process-shared robust mutex, a rwlock, a cond, a sem_t
 *   flexible:  `tail`, a flexible array member at the end
 */
#ifndef TYPED_LAYOUT_H
#define TYPED_LAYOUT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

#define TYPED_DEFAULT_NAME "/shmspy-typed"
#define TYPED_OBJECT_SIZE 8192
#define TYPED_RING_LEN 8
#define TYPED_MSG_LEN 32

enum typed_state {
    TYPED_IDLE = 0,
    TYPED_BUSY = 1,
    TYPED_DONE = 2,
    TYPED_BROKEN = -1
};

struct typed_flags {
    unsigned int mode : 3;
    unsigned int on : 1;
    unsigned int : 4; /* unnamed gap */
    unsigned int level : 12;
};

struct __attribute__((packed)) typed_packed {
    uint8_t tag;
    uint32_t value; /* at offset 1: no padding */
    uint16_t check;
};

union typed_word {
    uint32_t word;
    uint8_t bytes[4];
    struct {
        uint16_t lo, hi;
    } halves;
};

struct typed_entry {
    uint32_t seq;
    enum typed_state state;
    double when;
    char label[12];
};

struct typed_shared {
    char magic[8]; /* "TYPED01" */
    uint8_t small; /* then 7 bytes of padding */
    uint64_t wide;
    int16_t delta;
    _Bool ready;
    struct typed_flags flags;
    struct typed_packed packed;
    union typed_word word;
    enum typed_state state;
    float ratio;
    double total;
    int32_t grid[3][4];
    char msg[TYPED_MSG_LEN];
    struct typed_entry ring[TYPED_RING_LEN];
    uint64_t counter;          /* the writer increments it every tick */
    struct typed_shared *self; /* the writer's address of this struct */
    pthread_mutex_t lock;      /* process-shared, robust */
    pthread_rwlock_t rwlock;   /* process-shared */
    pthread_cond_t cond;       /* process-shared */
    sem_t sem;                 /* process-shared, value 3 */
    uint32_t ntail;
    uint32_t tail[]; /* flexible: ntail entries follow */
};

#endif /* TYPED_LAYOUT_H */
