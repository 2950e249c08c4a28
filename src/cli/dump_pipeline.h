/* dump_pipeline.h - formatting a long stretch of an object on several
 * cores, with the output in order.
 *
 * Workers each read a chunk (spy_seg_read), format it with a formatter
 * resumed at the chunk's first line (spy_hexfmt_resume), and hand it
 * over; the calling thread writes the chunks in order. The output is
 * byte-identical to feeding the same bytes to one formatter: where a
 * chunk was formatted from a state that its predecessor's end does not
 * match (the object changed between the two reads), the caller's thread
 * formats it again from the right state. */
#ifndef SPY_DUMP_PIPELINE_H
#define SPY_DUMP_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/backend.h"
#include "../hexfmt.h"

/* Writes n bytes of output; returns 0, or non-zero to stop (a failed
 * write: the caller reports it). */
typedef int (*dump_emit_fn)(const char *out, size_t n, void *arg);

/* Bytes of the object per chunk: fewer hand-overs than smaller chunks,
 * and (with its 2.2 MiB of xxd output) still mostly in cache; 128 KiB to
 * 2 MiB measured, 512 KiB fastest. */
#define DUMP_PIPE_CHUNK (512u * 1024u)

/* The number of workers worth starting for len bytes of seg: 0 when the
 * stretch is short, the object cannot be read from several threads
 * (spy_seg_parallel_reads), or there is one processor. $SPY_DUMP_THREADS
 * overrides the processor count (1: never parallel). */
unsigned dump_pipeline_workers(spy_seg *seg, uint64_t len);

/* Formats bytes [pos, end) of seg with *fmt (in any state, its offset at
 * pos) on workers threads and emits the output in order. On return *fmt
 * is in the state after the last byte emitted. Returns 0 when all was
 * emitted; 1 when emit asked to stop; a negative SPY_E* code when a read
 * failed or no thread could start (*err says which; what was emitted
 * before the failing chunk is kept: the caller finishes *fmt). */
int dump_pipeline_run(spy_seg *seg, spy_hexfmt *fmt, uint64_t pos, uint64_t end,
                      unsigned workers, dump_emit_fn emit, void *arg,
                      spy_err *err);

#endif
