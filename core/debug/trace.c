/*
 * Trace ring buffers: one per CPU, written only by its own CPU with
 * interrupts masked (so a trace point in an interrupt handler cannot
 * tear a record the interrupted code was writing), read lock-free by
 * anyone (trace.h).
 *
 * Each ring has two counters, both counting records since boot:
 * `reserved` is bumped before a slot is written and `head` after.  A
 * reader copies a record and then looks at `reserved`: if the writer
 * has since begun to write the slot again (reserved moved a whole ring
 * past the record), the copy may be torn and is dropped, as a lost
 * record.  This is a seqlock with the sequence per ring, not per slot.
 */
#include <veridian/boot.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/sched.h>
#include <veridian/string.h>
#include <veridian/thread.h>
#include <veridian/trace.h>

#define RING_MASK (VD_TRACE_RING_RECORDS - 1)

_Static_assert((VD_TRACE_RING_RECORDS & RING_MASK) == 0,
	       "VD_TRACE_RING_RECORDS must be a power of two");
_Static_assert(sizeof(struct vd_trace_record) == 32,
	       "the trace record is part of the syscall ABI");

struct trace_ring {
	uint64_t reserved; /* records begun */
	uint64_t head;	   /* records finished */
	struct vd_trace_record rec[VD_TRACE_RING_RECORDS];
} __attribute__((aligned(64)));

static struct trace_ring rings[VD_MAX_CPUS];

static const char *const event_names[VD_TRACE_EVENT_COUNT] = {
	[VD_TRACE_NONE] = "none",
	[VD_TRACE_SYSCALL_ENTRY] = "syscall-entry",
	[VD_TRACE_SYSCALL_EXIT] = "syscall-exit",
	[VD_TRACE_IPC_SEND] = "ipc-send",
	[VD_TRACE_IPC_RECEIVE] = "ipc-receive",
	[VD_TRACE_IPC_REPLY] = "ipc-reply",
	[VD_TRACE_CONTEXT_SWITCH] = "context-switch",
	[VD_TRACE_PAGE_FAULT] = "page-fault",
	[VD_TRACE_INTERRUPT] = "interrupt",
	[VD_TRACE_CAP_CREATE] = "cap-create",
	[VD_TRACE_CAP_REVOKE] = "cap-revoke",
	[VD_TRACE_PROC_CREATE] = "proc-create",
	[VD_TRACE_PROC_EXIT] = "proc-exit",
};

const char *vd_trace_event_name(unsigned ev)
{
	return ev < VD_TRACE_EVENT_COUNT ? event_names[ev] : "?";
}

void vd_trace_write(enum vd_trace_event ev, uint64_t a, uint64_t b)
{
	hal_irqstate_t st = hal_irq_save();
	unsigned cpu = hal_cpu_id();
	struct trace_ring *r = &rings[cpu];
	struct vd_thread *t = vd_current_thread();
	uint64_t h = r->head;
	struct vd_trace_record *rec = &r->rec[h & RING_MASK];

	VD_ASSERT(cpu < VD_MAX_CPUS);
	/* reserved first: a reader that sees any of the slot's new bytes
	 * then sees the ring moved past its record (the release fence) */
	__atomic_store_n(&r->reserved, h + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rec->ts_ns = hal_timer_now_ns();
	rec->event = (uint16_t)ev;
	rec->cpu = (uint16_t)cpu;
	rec->tid = t ? (uint32_t)t->tid : 0;
	rec->a = a;
	rec->b = b;
	__atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE);
	hal_irq_restore(st);
}

uint64_t vd_trace_written(unsigned cpu)
{
	if (cpu >= VD_MAX_CPUS)
		return 0;
	return __atomic_load_n(&rings[cpu].head, __ATOMIC_ACQUIRE);
}

size_t vd_trace_read(unsigned cpu, uint64_t *cursor,
		     struct vd_trace_record *out, size_t max)
{
	VD_ASSERT(cursor != NULL && (out != NULL || max == 0));
	if (cpu >= VD_MAX_CPUS)
		return 0;
	struct trace_ring *r = &rings[cpu];
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint64_t i = *cursor, n = 0;

	if (i > head)
		i = head; /* a cursor from the future (or before a reset) */
	/* the oldest readable: one slot may be being written */
	if (head - i > VD_TRACE_RING_RECORDS - 1)
		i = head - (VD_TRACE_RING_RECORDS - 1);
	for (; i < head && n < max; i++) {
		out[n] = r->rec[i & RING_MASK];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t res = __atomic_load_n(&r->reserved, __ATOMIC_RELAXED);
		if (res > i + VD_TRACE_RING_RECORDS) {
			/* overwritten while we copied: skip to what is
			 * still there, and look again */
			i = res - VD_TRACE_RING_RECORDS;
			i--; /* the loop's i++ */
			continue;
		}
		n++;
	}
	*cursor = i;
	return n;
}

void vd_trace_reset(void)
{
	vd_memset(rings, 0, sizeof(rings));
}

void vd_dump_trace(void)
{
	struct vd_trace_record rec;

	kprintf("trace: tracing %s, %u records per CPU\n",
		vd_trace_enabled() ? "on" : "off", VD_TRACE_RING_RECORDS);
	for (unsigned cpu = 0; cpu < VD_MAX_CPUS; cpu++) {
		uint64_t cur = 0, written = vd_trace_written(cpu);

		if (written == 0)
			continue;
		kprintf("trace: cpu %u, %llu records written\n", cpu,
			(unsigned long long)written);
		while (vd_trace_read(cpu, &cur, &rec, 1) == 1)
			kprintf("  %12llu %-15s tid %-4u a %#llx b %#llx\n",
				(unsigned long long)rec.ts_ns,
				vd_trace_event_name(rec.event), rec.tid,
				(unsigned long long)rec.a,
				(unsigned long long)rec.b);
	}
}

void vd_trace_boot(const char *cmdline)
{
	const char *pos = cmdline, *v;
	size_t n;
	bool on = false;

	while (vd_cmdline_next(&pos, "vd.trace", &v, &n))
		on |= n == 2 && vd_strncmp(v, "on", 2) == 0;
	if (!on)
		return;
	vd_set_trace_enabled(true);
	kprintf("trace: on from boot (vd.trace=on); SYS_TRACE_READ reads "
		"the rings\n");
}
