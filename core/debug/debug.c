/*
 * Debug interface: console prints, dumps and the trace switch.  Memory
 * statistics are read here through the public mm API; process and IPC
 * state are printed by the owning subsystems through registered printers.
 */
#include <veridian/debug.h>
#include <veridian/ipc.h>
#include <veridian/mm.h>
#include <veridian/printf.h>
#include <veridian/string.h>

bool vd_trace_on;
uint64_t vd_ipc_fast_info_end = VD_IPC_SMALL_MAX + 1;
static vd_dump_fn dumpers[VD_DUMP_KIND_COUNT];

void vd_debug_print(const char *message)
{
	if (!message)
		return;
	vd_console_write(message, vd_strlen(message));
}

void vd_set_trace_enabled(bool enabled)
{
	__atomic_store_n(&vd_trace_on, enabled, __ATOMIC_RELAXED);
	__atomic_store_n(&vd_ipc_fast_info_end,
			 enabled ? 0 : (uint64_t)VD_IPC_SMALL_MAX + 1,
			 __ATOMIC_RELAXED);
}

bool vd_trace_enabled(void)
{
	return __atomic_load_n(&vd_trace_on, __ATOMIC_RELAXED);
}

void vd_debug_register_dump(enum vd_dump_kind kind, vd_dump_fn fn)
{
	if ((unsigned)kind < VD_DUMP_KIND_COUNT)
		dumpers[kind] = fn;
}

static void dump_via(enum vd_dump_kind kind, uint64_t arg, const char *what)
{
	if (dumpers[kind])
		dumpers[kind](arg);
	else
		kprintf("%s: not available in this kernel\n", what);
}

void vd_dump_process(vd_pid_t pid)
{
	dump_via(VD_DUMP_PROCESS, pid, "dump_process");
}

void vd_dump_ipc_state(void)
{
	dump_via(VD_DUMP_IPC, 0, "dump_ipc_state");
}

void vd_dump_memory_stats(void)
{
	struct vd_memory_stats ms;
	struct vd_allocator_stats hs;

	vd_memory_stats(&ms);
	vd_heap_stats(&hs);
	kprintf("memory: %zu frames total, %zu free, %zu allocated, "
		"%zu reserved\n",
		ms.total_frames, ms.free_frames, ms.allocated_frames,
		ms.reserved_frames);
	for (unsigned z = 0; z < VD_ZONE_COUNT; z++) {
		const struct vd_zone_stats *zs = &ms.zone_stats[z];
		kprintf("  zone %-6s %8zu total %8zu free %8zu allocated "
			"%8zu reserved\n",
			vd_zone_name((enum vd_mem_zone)z), zs->total_frames,
			zs->free_frames, zs->allocated_frames,
			zs->reserved_frames);
	}
	kprintf("heap: %zu bytes in use (peak %zu), %zu allocations, "
		"%zu frees, %zu rejected frees\n",
		hs.current_allocated, hs.peak_allocated, hs.allocation_count,
		hs.free_count, hs.bad_free_count);
}
