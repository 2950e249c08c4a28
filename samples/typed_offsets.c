/* typed_offsets - prints where the compiler put every field of struct
 * typed_shared (samples/typed_layout.h): the truth typed layouts are
 * checked against (tests/unit/backends/test_layoutsrc.c).
 *
 *   typed_offsets [--hold]
 *
 * One line a field, `PATH OFFSET SIZE` (offsetof and sizeof, in bytes),
 * for bitfields `PATH bits WIDTH@BIT` (BIT counted from the least
 * significant bit of byte 0 of the struct, found at run time by setting
 * the field to all ones in a zeroed struct), and last `sizeof SIZE`.
 * --hold then sleeps until killed, so that a test can read this
 * process's own DWARF through --from PID. Built with -g. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "typed_layout.h"

#define T struct typed_shared
#define F(path, member)                                                        \
    printf("%s %zu %zu\n", path, offsetof(T, member), sizeof(((T *)0)->member))

/* Prints the bits a bitfield occupies: set it to all ones in a zeroed
 * struct and look. */
#define BITS(path, member)                                                     \
    do {                                                                       \
        static T s_;                                                           \
        volatile unsigned ones_ = ~0u;                                         \
        memset(&s_, 0, sizeof s_);                                             \
        s_.member = ones_;                                                     \
        print_bits(path, (const unsigned char *)&s_, sizeof s_);               \
    } while (0)

static void print_bits(const char *path, const unsigned char *p, size_t n) {
    size_t i, first = (size_t)-1, count = 0;
    for (i = 0; i < n * 8; i++)
        if (p[i / 8] & (1u << (i % 8))) {
            if (first == (size_t)-1)
                first = i;
            count++;
        }
    printf("%s bits %zu@%zu\n", path, count, first);
}

int main(int argc, char **argv) {
    int hold = argc > 1 && strcmp(argv[1], "--hold") == 0;

    if (argc > 1 && !hold) {
        fprintf(stderr, "usage: typed_offsets [--hold]\n");
        return 2;
    }
    F("magic", magic);
    F("magic[3]", magic[3]);
    F("small", small);
    F("wide", wide);
    F("delta", delta);
    F("ready", ready);
    F("flags", flags);
    BITS("flags.mode", flags.mode);
    BITS("flags.on", flags.on);
    BITS("flags.level", flags.level);
    F("packed", packed);
    F("packed.tag", packed.tag);
    F("packed.value", packed.value);
    F("packed.check", packed.check);
    F("word", word);
    F("word.word", word.word);
    F("word.bytes", word.bytes);
    F("word.bytes[2]", word.bytes[2]);
    F("word.halves", word.halves);
    F("word.halves.lo", word.halves.lo);
    F("word.halves.hi", word.halves.hi);
    F("state", state);
    F("ratio", ratio);
    F("total", total);
    F("grid", grid);
    F("grid[1]", grid[1]);
    F("grid[2][3]", grid[2][3]);
    F("msg", msg);
    F("msg[5]", msg[5]);
    F("ring", ring);
    F("ring[1]", ring[1]);
    F("ring[1].seq", ring[1].seq);
    F("ring[1].state", ring[1].state);
    F("ring[1].when", ring[1].when);
    F("ring[1].label", ring[1].label);
    F("ring[7].label[11]", ring[7].label[11]);
    F("counter", counter);
    F("self", self);
    F("lock", lock);
#ifdef __GLIBC__
    F("lock.__data.__lock", lock.__data.__lock);
    F("lock.__data.__owner", lock.__data.__owner);
    F("lock.__data.__kind", lock.__data.__kind);
#endif
    F("rwlock", rwlock);
    F("cond", cond);
    F("sem", sem);
    F("ntail", ntail);
    printf("tail %zu 0\n", offsetof(T, tail));
    printf("sizeof %zu\n", sizeof(T));
    fflush(stdout);
    if (hold)
        for (;;)
            pause();
    return 0;
}
