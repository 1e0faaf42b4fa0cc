/*
 * Veridian: debug and diagnostics (the `debug` module of the kernel API).
 *
 * debug_print, dump_process, dump_memory_stats, dump_ipc_state and
 * set_trace_enabled.  Dumps go to the console.  Tracing is a global switch
 * checked by VD_TRACE(): one load and a predictable branch when off, so
 * trace points can stay in hot paths.
 */
#ifndef VERIDIAN_DEBUG_H
#define VERIDIAN_DEBUG_H

#include <veridian/printf.h>
#include <veridian/types.h>

void vd_debug_print(const char *message);
void vd_dump_process(vd_pid_t pid);
void vd_dump_memory_stats(void);
void vd_dump_ipc_state(void);
void vd_set_trace_enabled(bool enabled);
bool vd_trace_enabled(void);

extern bool vd_trace_on;
/*
 * The IPC fast path takes a message whose info word is below this: one
 * more than the largest small message, or 0 while tracing is on (the
 * fast path has no trace points), so that one compare, which the fast
 * path makes anyway, is also its test of the trace switch.  Written only
 * by vd_set_trace_enabled.
 */
extern uint64_t vd_ipc_fast_info_end;

#define VD_TRACE(fmt, ...)                                                     \
	do {                                                                   \
		if (VD_UNLIKELY(vd_trace_on))                                  \
			kprintf("trace: " fmt "\n", ##__VA_ARGS__);            \
	} while (0)

/*
 * Subsystems that own state a dump needs register a printer here, so the
 * debug module does not reach into their internals (and links even when a
 * subsystem is absent, e.g. in a host test).
 */
enum vd_dump_kind {
	VD_DUMP_PROCESS, /* arg: pid */
	VD_DUMP_IPC,	 /* arg unused */
	VD_DUMP_KIND_COUNT
};
typedef void (*vd_dump_fn)(uint64_t arg);
void vd_debug_register_dump(enum vd_dump_kind kind, vd_dump_fn fn);

#endif /* VERIDIAN_DEBUG_H */
