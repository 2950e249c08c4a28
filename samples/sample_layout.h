/*
 * sample_layout.h - the byte layout shm_writer writes and shm_reader reads.
 *
 * Two unrelated processes can only agree on what the bytes of a shared
 * object mean if both are compiled against the same description of them:
 * this header. We use plain offsets rather than a struct so that the layout
 * reads the same here, in a hex dump and in `shmspy read -s OFF --as TYPE`.
 *
 *   offset  size  field
 *   ------  ----  -----------------------------------------------------
 *        0     4  value: int32_t, native byte order (little-endian on
 *                 x86 and ARM), default 100
 *        4     4  unused, always zero (keeps the text 8-byte aligned)
 *        8   256  text: NUL-terminated string, at most 255 bytes + NUL,
 *                 default "Hello from Process 1"
 *      264        end of the layout (SAMPLE_LAYOUT_SIZE); the object is
 *                 usually larger (4096 by default) and the rest is zero
 *
 * An object of fewer than SAMPLE_LAYOUT_SIZE bytes is not a sample object:
 * reading past its end would raise SIGBUS, so the reader checks first.
 */
#ifndef SAMPLE_LAYOUT_H
#define SAMPLE_LAYOUT_H

#define SAMPLE_DEFAULT_NAME "/shmspy-sample"
#define SAMPLE_DEFAULT_SIZE 4096
#define SAMPLE_DEFAULT_VALUE 100
#define SAMPLE_DEFAULT_TEXT "Hello from Process 1"

#define SAMPLE_OFF_VALUE 0
#define SAMPLE_OFF_TEXT 8
#define SAMPLE_TEXT_MAX 256 /* bytes in the text field, NUL included */
#define SAMPLE_LAYOUT_SIZE (SAMPLE_OFF_TEXT + SAMPLE_TEXT_MAX) /* 264 */

#endif /* SAMPLE_LAYOUT_H */
