/*
 * demo_layout.h - what demo_writer keeps changing in /shmspy-demo.
 *
 * The object is DEMO_OBJECT_SIZE (4096) bytes; only the first
 * DEMO_LAYOUT_SIZE (384) are used, the rest stays zero. All integers are in
 * native byte order (little-endian on x86 and ARM). The regions start on
 * 16-byte boundaries so that each begins a line of a hex dump: `xxd -l 128`
 * shows the header and the text ring.
 *
 *   offset       size  field      changes
 *   -----------  ----  ---------  -----------------------------------------
 *     0 (0x000)     8  magic      never: "SPYDEMO\0"
 *     8 (0x008)     4  version    never: uint32, 1
 *    12 (0x00c)     4  pid        never: uint32, the writer's process id
 *    16 (0x010)     8  counter    every tick: uint64, ticks so far (0 first)
 *    24 (0x018)     8  unix_time  every second: int64, seconds since 1970
 *    32 (0x020)     8  mono_ns    every tick: uint64, CLOCK_MONOTONIC in ns
 *    40 (0x028)    24  reserved   never: zero
 *    64 (0x040)    64  ring       every tick: one more byte of DEMO_MESSAGE
 *                                 is written at ring[counter % 64], taking
 *                                 message byte counter % strlen(message)
 *   128 (0x080)   256  slow       every tick: starts as 0, 1, ..., 255;
 *                                 each tick adds 1 to slow[counter % 256],
 *                                 so any one byte changes every 256 ticks
 *   384 (0x180)        end of the layout (DEMO_LAYOUT_SIZE)
 *
 * There is no lock: a reader may catch a tick half-written. For a hex
 * viewer that only shows bytes changing, that is fine.
 */
#ifndef DEMO_LAYOUT_H
#define DEMO_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define DEMO_DEFAULT_NAME "/shmspy-demo"
#define DEMO_OBJECT_SIZE 4096
#define DEMO_MAGIC "SPYDEMO" /* 7 characters + NUL = 8 bytes */
#define DEMO_VERSION 1
#define DEMO_RING_LEN 64
#define DEMO_SLOW_LEN 256
/* UTF-8: the dash is 3 bytes, written one byte per tick like the rest. */
#define DEMO_MESSAGE "shmspy live demo — bytes that change are highlighted. "

struct demo_layout {
    char magic[8];
    uint32_t version;
    uint32_t pid;
    uint64_t counter;
    int64_t unix_time;
    uint64_t mono_ns;
    uint8_t reserved[24];
    char ring[DEMO_RING_LEN];
    uint8_t slow[DEMO_SLOW_LEN];
};

#define DEMO_LAYOUT_SIZE 384

/* The table above is the contract; these make the compiler check it. */
_Static_assert(offsetof(struct demo_layout, version) == 8, "version");
_Static_assert(offsetof(struct demo_layout, pid) == 12, "pid");
_Static_assert(offsetof(struct demo_layout, counter) == 16, "counter");
_Static_assert(offsetof(struct demo_layout, unix_time) == 24, "unix_time");
_Static_assert(offsetof(struct demo_layout, mono_ns) == 32, "mono_ns");
_Static_assert(offsetof(struct demo_layout, ring) == 64, "ring");
_Static_assert(offsetof(struct demo_layout, slow) == 128, "slow");
_Static_assert(sizeof(struct demo_layout) == DEMO_LAYOUT_SIZE, "size");

#endif /* DEMO_LAYOUT_H */
