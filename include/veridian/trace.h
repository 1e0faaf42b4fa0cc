/*
 * Veridian: event tracing (set_trace_enabled of the kernel API, made real).
 *
 * Trace points in the kernel's paths (syscall entry and exit, IPC send,
 * receive and reply, context switch, page fault, interrupt, capability
 * create and revoke, process create and exit) each write one fixed-size
 * record into the ring buffer of the CPU they run on.  With tracing off
 * a trace point is one load of vd_trace_on and a branch that is not
 * taken; everything else is out of line (core/debug/trace.c).  The IPC
 * fast path is not traced: with tracing on it steps aside for the
 * general path, which is (docs/tracing.md).
 *
 * Readers: vd_dump_trace (the console), SYS_TRACE_READ (user space,
 * with the trace capability: VD_OBJ_DEVICE VD_DEVICE_TRACE, READ).
 */
#ifndef VERIDIAN_TRACE_H
#define VERIDIAN_TRACE_H

#include <veridian/debug.h>
#include <veridian/hal.h>
#include <veridian/trace_abi.h>
#include <veridian/types.h>

/* Write a record into this CPU's ring (tracing on or not: tests). */
void vd_trace_write(enum vd_trace_event ev, uint64_t a, uint64_t b);

/* The trace point: one predictable branch when tracing is off. */
#define VD_TRACE_EVENT(ev, a, b)                                               \
	do {                                                                   \
		if (VD_UNLIKELY(vd_trace_on))                                  \
			vd_trace_write((ev), (a), (b));                        \
	} while (0)

/*
 * Copy up to `max` records of `cpu`'s ring, oldest first, from record
 * number *cursor on (numbers count every record the CPU ever wrote,
 * from 0).  A reader that fell behind by more than the ring holds skips
 * the overwritten records: the first one copied is then numbered above
 * the old *cursor (the difference is how many were lost).  *cursor ends
 * one past the last record copied.  Lock-free: records the writer
 * overwrites while they are copied are dropped, as lost.  Returns how
 * many were copied; 0 for a cpu >= VD_MAX_CPUS.
 */
size_t vd_trace_read(unsigned cpu, uint64_t *cursor,
		     struct vd_trace_record *out, size_t max);
/* How many records `cpu` has written since boot (or vd_trace_reset). */
uint64_t vd_trace_written(unsigned cpu);
/* Empty every ring (tests). */
void vd_trace_reset(void);
/* Print every CPU's ring on the console, oldest first. */
void vd_dump_trace(void);
/* At boot: the command-line word vd.trace=on switches tracing on in any
 * image (the production one included), before user space starts. */
void vd_trace_boot(const char *cmdline);
/* The event's name ("syscall-entry", ...), "?" for an unknown one. */
const char *vd_trace_event_name(unsigned ev);

#endif /* VERIDIAN_TRACE_H */
