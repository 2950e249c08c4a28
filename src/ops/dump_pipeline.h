/* dump_pipeline.h - formatting a long stretch of an object on several
 * cores, with the output in order.
 *
 * Each thread (the caller and the workers it starts) reads a chunk
 * (spy_seg_read), formats it with a formatter resumed at the chunk's
 * first line (spy_hexfmt_resume), waits for the chunk's turn and writes
 * it. The output is byte-identical to feeding the same bytes to one
 * formatter: where a chunk was formatted from a state that its
 * predecessor's end does not match (the object changed between the two
 * reads), it is formatted again from the right state before it is
 * written. */
#ifndef SPY_DUMP_PIPELINE_H
#define SPY_DUMP_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/seg.h"
#include "../core/hexfmt.h"

/* Writes n bytes of output; returns 0, or non-zero to stop (a failed
 * write: the caller reports it). */
typedef int (*dump_emit_fn)(const char *out, size_t n, void *arg);

/* Bytes of the object per chunk: fewer hand-overs than smaller chunks,
 * and (with its 2.2 MiB of xxd output) still mostly in cache; 128 KiB to
 * 2 MiB measured, 512 KiB fastest. */
#define DUMP_PIPE_CHUNK (512u * 1024u)

/* The number of threads worth formatting len bytes of seg with: 0 when
 * the stretch is short, the object cannot be read from several threads
 * (spy_seg_parallel_reads), or there is one processor; else one per
 * processor. $SPY_DUMP_THREADS overrides the processor count (1: never
 * parallel). */
unsigned dump_pipeline_workers(spy_seg *seg, uint64_t len);

/* Formats bytes [pos, end) of seg with *fmt (in any state, its offset at
 * pos) on `threads` threads, the calling one among them (0 or 1: the
 * caller alone, each chunk read just before it is written), and emits
 * the output in order; emit is called by one thread at a time, in chunk
 * order, from any of them. A thread that cannot start leaves its chunks
 * to the others. On return *fmt is in the state after the last byte
 * emitted. Returns 0 when all was emitted; 1 when emit asked to stop;
 * SPY_ENOMEM without buffers; the read's SPY_E* code when a read failed
 * (*err says why; what was emitted before that chunk is kept: the caller
 * finishes *fmt). */
int dump_pipeline_run(spy_seg *seg, spy_hexfmt *fmt, uint64_t pos, uint64_t end,
                      unsigned threads, dump_emit_fn emit, void *arg,
                      spy_err *err);

#endif
