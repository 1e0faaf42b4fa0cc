/*
 * Veridian: what SYS_TRACE_READ hands out (the trace record and its
 * events), for the kernel (trace.h) and user space alike.
 */
#ifndef VERIDIAN_TRACE_ABI_H
#define VERIDIAN_TRACE_ABI_H

#include <veridian/types.h>

/* Events and what their two arguments hold. */
enum vd_trace_event {
	VD_TRACE_NONE = 0,
	VD_TRACE_SYSCALL_ENTRY = 1,  /* a: number, b: first argument */
	VD_TRACE_SYSCALL_EXIT = 2,   /* a: number, b: result register */
	VD_TRACE_IPC_SEND = 3,	     /* a: channel id, b: 1 call, 0 send */
	VD_TRACE_IPC_RECEIVE = 4,    /* a: endpoint id, b: sender pid */
	VD_TRACE_IPC_REPLY = 5,	     /* a: reply token, b: caller pid */
	VD_TRACE_CONTEXT_SWITCH = 6, /* a: previous tid, b: next tid */
	VD_TRACE_PAGE_FAULT = 7,     /* a: address, b: access | user << 8 */
	VD_TRACE_INTERRUPT = 8,	     /* a: VD_TRACE_IRQ_*, b: irq number */
	VD_TRACE_CAP_CREATE = 9,     /* a: object type, b: object id */
	VD_TRACE_CAP_REVOKE = 10,    /* a: token, b: result */
	VD_TRACE_PROC_CREATE = 11,   /* a: pid, b: parent pid (0 kernel) */
	VD_TRACE_PROC_EXIT = 12,     /* a: pid, b: exit code */
	VD_TRACE_EVENT_COUNT
};

/* VD_TRACE_INTERRUPT's kinds. */
#define VD_TRACE_IRQ_TIMER  0
#define VD_TRACE_IRQ_IPI    1
#define VD_TRACE_IRQ_DEVICE 2

/*
 * One record, 32 bytes, the same layout for the kernel and user space
 * (SYS_TRACE_READ copies them out as they are).  tid is the thread that
 * ran (0 before the scheduler starts, or the idle thread's).
 */
struct vd_trace_record {
	uint64_t ts_ns; /* hal_timer_now_ns() when it was written */
	uint16_t event; /* enum vd_trace_event */
	uint16_t cpu;	/* the CPU whose ring holds it */
	uint32_t tid;	/* the running thread */
	uint64_t a, b;	/* the event's arguments, above */
};

/* Records per CPU ring (a power of two); one slot is the one being
 * written, so a reader sees at most VD_TRACE_RING_RECORDS - 1. */
#define VD_TRACE_RING_RECORDS 512u
/* The most records one SYS_TRACE_READ may ask for. */
#define VD_TRACE_READ_MAX VD_TRACE_RING_RECORDS

#endif /* VERIDIAN_TRACE_ABI_H */
