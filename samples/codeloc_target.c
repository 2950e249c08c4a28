/* codeloc_target - a process whose code locations are known, for
 * tests/unit/backends/test_codeloc.c.
 *
 *   codeloc_target
 *
 * Prints `marker ADDR LINE` (the address of the function codeloc_marker
 * and the source line it stands on: the whole function is one line, so
 * every instruction of it is on that line), `base ADDR` (where the
 * executable starts, __executable_start), then sleeps until killed. Built
 * twice: with -g (codeloc_target) and without, stripped
 * (codeloc_stripped). */
#include <stdio.h>
#include <unistd.h>

extern char __executable_start[];

static __attribute__((noinline)) void codeloc_marker(volatile int *p) {
    *p += 1;
}
enum { MARKER_LINE = __LINE__ - 1 };

int main(void) {
    volatile int x = 0;
    void (*volatile fn)(volatile int *) = codeloc_marker;
    fn(&x);
    printf("marker %p %d\nbase %p\n", (void *)(size_t)fn, MARKER_LINE,
           (void *)__executable_start);
    fflush(stdout);
    for (;;)
        pause();
}
