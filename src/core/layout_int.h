/* layout_int.h - what layout.c, layout_value.c and layout_file.c share;
 * not for other modules. */
#ifndef SPY_LAYOUT_INT_H
#define SPY_LAYOUT_INT_H

#include <stdint.h>

#include "layout.h"

/* A malloc'd copy of s, NULL on ENOMEM. */
char *spy__layout_strdup(const char *s);
/* The bytes a bitfield of bit_size bits at bit_offset spans. */
uint64_t spy__layout_bit_bytes(uint8_t bit_size, uint8_t bit_offset);

#endif
