/*
 * IPC internals shared by the files of core/ipc.
 *
 * Structure (docs/ipc.md has the full story):
 *
 *   ipc_table.c     id tables: 64-bit ids with kind, generation, slot
 *   ipc_endpoint.c  endpoints, channels, the bounded message ring
 *   ipc_message.c   the send / receive / call / reply state machine
 *   ipc_reply.c     reply slots and their unforgeable tokens
 *   ipc_region.c    shared regions: frames, views, holders, mappings
 *   ipc_cow.c       copy-on-write faults
 *   ipc_api.c       the public blocking API, process exit, statistics
 *   ipc_block.c     sleeping and waking through the scheduler
 *   ipc_syscall.c   SYS_IPC_* and the region syscalls
 *   ipc_fastpath.c  call and reply-and-receive from the syscall entry
 *   ipc_syscall_wait.c  their general paths, which sleep
 *
 * The state machine never sleeps.  An operation that cannot finish at once
 * parks a struct ipc_waiter on a list and returns IPC_PENDING; whoever
 * later completes it fills in the result and calls ipc_waiter_complete(),
 * which wakes the thread.  The general paths keep their waiter on the
 * blocked thread's kernel stack (ipc_api.c, ipc_syscall.c,
 * ipc_syscall_wait.c); the fast path keeps its in the thread itself
 * (struct fast_wait in t->ipc_wait, ipc_fastpath.c), so that a thread
 * blocked there holds no kernel frames.  A thread whose wait ends without
 * completion (timeout, kill) calls ipc_waiter_cancel().  This keeps every
 * rule host-testable: a test plays all the threads itself.
 *
 * Locking: every IPC structure is protected by the scheduler lock
 * (vd_sched_lock), so that parking a waiter and going to sleep is atomic
 * with respect to the waker (no lost wake-ups) and the fast path can hand
 * the CPU over without a second lock.  Lock order (docs/ipc.md,
 * "Locking"): the scheduler lock, then either the capability lock or a
 * process's vm_lock (region claims; vm_lock is always taken with
 * interrupts masked, so a timer interrupt cannot take the scheduler lock
 * inside it), then the memory allocator's locks; the limits lock is
 * innermost.
 */
#ifndef CORE_IPC_INTERNAL_H
#define CORE_IPC_INTERNAL_H

#include <veridian/cpu_context.h>
#include <veridian/ipc.h>
#include <veridian/limits.h>
#include <veridian/list.h>
#include <veridian/proc.h>
#include <veridian/sched.h>

/* Split off to keep this file short, each self-contained: */
#include "ipc_region.h" /* shared regions: pages, views, holders */
#include "ipc_reply.h"	/* reply slots and reply tokens */
#include "ipc_table.h"	/* id tables and the ids of IPC objects */

typedef vd_sched_lock_state_t ipc_lock_state_t;

/* Result of a state-machine step that had to park its waiter. */
#define IPC_PENDING ((vd_err_t)-1)
/* ipc_receive_take: the message peeked is no longer first: peek again. */
#define IPC_AGAIN ((vd_err_t)-2)

/* ------------------------------------------------------------------ */
/* Messages, endpoints, channels (ipc_endpoint.c)                      */
/* ------------------------------------------------------------------ */

struct ipc_channel;
struct ipc_waiter;

/* A message in flight: what the receiver will get, plus bookkeeping. */
struct ipc_qmsg {
	struct vd_ipc_header hdr;
	struct vd_ipc_message msg;
	struct ipc_channel *ch; /* channel it came through */
	int reply_slot;		/* CALL: the caller's reply slot, else -1 */
	struct vd_cap_space *cap_space; /* where hdr.capability lives */
	/* LARGE: the recipient's access to the region is provisional until
	 * this message is delivered (share_large, ipc_message.c) */
	bool region_in_flight;
};

struct ipc_endpoint {
	vd_endpoint_id_t id;	   /* first: ipc_objs_lookup_self */
	struct vd_ipc_actor owner; /* receives; holds derived capabilities */
	unsigned nchannels;	   /* open channels attached */
	struct vd_list channels;   /* ipc_chan_link.node of those channels */
	/* waiters in receive, FIFO.  Invariant, between operations: while
	 * one waits, nothing is queued (count == 0) -- a message finds its
	 * receiver at once (ipc_endpoint_feed) */
	struct vd_list receivers;
	struct vd_list senders; /* waiters blocked on a full queue, FIFO */
	unsigned head;		/* ring of VD_IPC_QUEUE_DEPTH messages */
	union {
		struct {
			uint32_t count; /* messages queued */
			/* its channels have all closed and none is left:
			 * a receive with nothing queued fails with
			 * VD_ERR_IPC_CLOSED at once (a fresh endpoint,
			 * which never had one, waits for its first) */
			uint32_t closed;
		};
		/* both, for the fast path's one test: a receiver may wait
		 * here only if this is 0 */
		uint64_t count_closed;
	};
	struct vd_limits *limits; /* charged (ENDPOINTS), with a reference */
	struct ipc_qmsg ring[VD_IPC_QUEUE_DEPTH];
};

/* A channel's membership in one endpoint's channel list. */
struct ipc_chan_link {
	struct vd_list node; /* in ep->channels */
	struct ipc_channel *ch;
};

struct ipc_channel {
	vd_channel_id_t id; /* first: ipc_objs_lookup_self */
	struct ipc_endpoint *ep[2];
	struct ipc_chan_link link[2]; /* link[i] is in ep[i]->channels */
	uint64_t seq[2];	      /* last sequence number sent from end i */
	vd_pid_t pid[2]; /* ep[i]->owner.pid, for the fast path's end test */
	struct vd_limits *limits; /* charged (CHANNELS): ep[0]'s */
};

/* Ring operations. */
bool ipc_ring_full(const struct ipc_endpoint *ep);
void ipc_ring_push(struct ipc_endpoint *ep, const struct ipc_qmsg *m);
void ipc_ring_pop(struct ipc_endpoint *ep, struct ipc_qmsg *out);
/* Remove every queued message matching (ch or NULL, reply slot or -1);
 * each removed message is handed to drop(). */
void ipc_ring_remove(struct ipc_endpoint *ep, const struct ipc_channel *ch,
		     int reply_slot,
		     void (*drop)(struct ipc_qmsg *m, vd_err_t why),
		     vd_err_t why);

/* A new endpoint of owner, charged to owner's limits (ENDPOINTS):
 * VD_ERR_RESOURCE_EXHAUSTED at its limit or when the table is full. */
vd_err_t ipc_endpoint_create_locked(const struct vd_ipc_actor *owner,
				    struct ipc_endpoint *ep,
				    vd_endpoint_id_t *id_out);
/* Move parked senders into free ring slots (after something left it). */
void ipc_endpoint_admit(struct ipc_endpoint *ep);
/* Restore the receivers invariant (struct ipc_endpoint) after messages
 * were queued while receivers wait: each gets the oldest message, or is
 * woken to take it itself (take_self); then admit (ipc_message.c). */
void ipc_endpoint_feed(struct ipc_endpoint *ep);
/* Tear down: channels close, waiters wake with `why`; the object is
 * freed. */
void ipc_endpoint_destroy_locked(struct ipc_endpoint *ep, vd_err_t why);
/* A channel e1 <-> e2, charged (CHANNELS) to whoever is charged for e1:
 * VD_ERR_RESOURCE_EXHAUSTED at that limit or when the table is full. */
vd_err_t ipc_channel_create_locked(struct ipc_channel *ch, vd_endpoint_id_t e1,
				   vd_endpoint_id_t e2, vd_channel_id_t *out);
void ipc_channel_close_locked(struct ipc_channel *ch, vd_err_t why);

/* ------------------------------------------------------------------ */
/* Waiters and the message state machine (ipc_message.c)              */
/* ------------------------------------------------------------------ */

/* One byte (packed), to share a word with the flags of struct ipc_waiter. */
enum __attribute__((packed)) ipc_wait_state {
	IPC_WAIT_NONE = 0,
	IPC_WAIT_RECV,	/* on ep->receivers */
	IPC_WAIT_SEND,	/* on ep->senders, message in w->q */
	IPC_WAIT_REPLY, /* call delivered or queued; waits for the reply */
};

/*
 * One blocked thread, for exactly one operation.  Lives on the thread's
 * kernel stack (or in a test); the fast path's lives in the thread
 * (ipc_fastpath.c), which keeps no kernel frames while it waits.
 */
struct ipc_waiter {
	struct vd_list link;
	/* state to result are one 8-byte word: the fast path starts and ends
	 * a wait with one store (the compiler merges adjacent ones) */
	enum ipc_wait_state state;
	bool done;    /* result is final */
	bool in_regs; /* see user_ctx */
	/* a small message may go straight into user_ctx: a syscall waiter
	 * that did not ask for the full header (one test for the fast
	 * path) */
	bool regs_ok;
	vd_err_t result;
	struct vd_thread *thread; /* woken by ipc_waiter_complete */
	struct ipc_endpoint *ep;  /* RECV / SEND: where it waits */
	struct vd_ipc_actor self; /* who waits */
	struct ipc_qmsg q; /* SEND: message to deliver; RECV: delivered */
	int reply_slot;	   /* CALL: own reply slot, else -1 */
	/* RECV: a sender only wakes it; it takes the message from the queue
	 * itself, once it has put the header where it must go
	 * (ipc_receive_peek) */
	bool take_self;
	struct vd_ipc_message *reply_out; /* CALL: where the reply goes */
	/* Syscalls (ipc_syscall.c): the waiter's saved user registers.  The
	 * fast path writes a small message or reply straight into them and
	 * sets in_regs, so the woken thread has nothing left to copy. */
	struct vd_cpu_context *user_ctx;
};
_Static_assert(sizeof(enum ipc_wait_state) == 1 &&
		       __builtin_offsetof(struct ipc_waiter, result) ==
			       __builtin_offsetof(struct ipc_waiter, state) + 4,
	       "ipc_waiter: state, flags and result share a word");

void ipc_waiter_init(struct ipc_waiter *w, const struct vd_ipc_actor *self);
/* Final result: record it and wake the thread (if it sleeps). */
void ipc_waiter_complete(struct ipc_waiter *w, vd_err_t result);
/* The same without the wake-up: the caller hands the CPU to w's thread
 * itself (fast path). */
static inline __attribute__((always_inline)) void
ipc_waiter_finish(struct ipc_waiter *w, vd_err_t result)
{
	vd_list_remove(&w->link);
	w->state = IPC_WAIT_NONE;
	w->done = true;
	w->result = result;
}
/* A waiter's wait is over, successfully, with its message or reply put
 * into its registers (in_regs): one store for state, flags and result.
 * It is on no list (any more): the fast path's. */
static inline __attribute__((always_inline)) void
ipc_waiter_done_in_regs(struct ipc_waiter *w)
{
	w->state = IPC_WAIT_NONE;
	w->done = true;
	w->in_regs = true;
	w->regs_ok = true;
	w->result = VD_OK;
}
/*
 * After a step returned `step`: if it parked w, sleep until w completes,
 * the absolute deadline passes, or the thread is killed (then cancel).
 * Returns the outcome.  Lock held throughout (*st as in ipc_sleep_locked).
 */
vd_err_t ipc_wait_done(struct ipc_waiter *w, vd_err_t step, uint64_t deadline,
		       ipc_lock_state_t *st);
/* The wait ended without completion: unlink w, withdraw what it left
 * behind (queued call, reply slot), and make `why` its result. */
void ipc_waiter_cancel(struct ipc_waiter *w, vd_err_t why);

/* Validate msg as a sendable message from `from` (large: region access). */
vd_err_t ipc_check_message(const struct vd_ipc_actor *from,
			   const struct vd_ipc_message *msg);

/*
 * The steps.  Each returns VD_OK (done: w->result is the outcome),
 * IPC_PENDING (w parked; sleep and then look at w->done), or an error
 * (nothing changed).  Called with the IPC lock held.
 */
vd_err_t ipc_send_begin(struct ipc_waiter *w, vd_channel_id_t ch,
			const struct vd_ipc_message *msg, vd_cap_token_t cap,
			bool nonblocking);
vd_err_t ipc_call_begin(struct ipc_waiter *w, vd_channel_id_t ch,
			const struct vd_ipc_message *msg, vd_cap_token_t cap,
			struct vd_ipc_message *reply_out, bool nonblocking);
vd_err_t ipc_receive_begin(struct ipc_waiter *w, vd_endpoint_id_t ep,
			   bool nonblocking);
/*
 * A receive whose header goes where writing it may fail (a user buffer
 * that another thread may unmap): the message leaves the queue only once
 * the header is out, so a failed receive loses nothing.
 *
 * ipc_receive_peek is ipc_receive_begin without the taking: VD_OK puts a
 * copy of the first queued message in w->q (with the reply token it will
 * get) and leaves it queued; a parked waiter is woken without a message
 * when one arrives (take_self) and peeks again.  Then, lock released,
 * write the header; lock taken again, either ipc_receive_take -- VD_OK
 * (w->q is the message, delivered), IPC_AGAIN (it is no longer first:
 * another thread took it, or it was withdrawn; peek again) or
 * VD_ERR_NOT_FOUND (the endpoint is gone) -- or, if the header could
 * not be written, just leave: the message stays queued, and no other
 * receiver waits for it (a message that is queued has no receiver
 * waiting: feed woke them all).
 */
vd_err_t ipc_receive_peek(struct ipc_waiter *w, vd_endpoint_id_t ep,
			  bool nonblocking);
vd_err_t ipc_receive_take(struct ipc_waiter *w, vd_endpoint_id_t ep);
vd_err_t ipc_reply_locked(const struct vd_ipc_actor *replier,
			  vd_reply_token_t token,
			  const struct vd_ipc_message *resp,
			  struct ipc_waiter **woken);

/* Drop a message that will never be delivered: revoke its capability and
 * fail its caller with `why`. */
void ipc_qmsg_drop(struct ipc_qmsg *m, vd_err_t why);

/* ------------------------------------------------------------------ */
/* Locking and sleeping (ipc_block.c)                                  */
/* ------------------------------------------------------------------ */

static inline ipc_lock_state_t ipc_lock(void)
{
	return vd_sched_lock();
}

static inline void ipc_unlock(ipc_lock_state_t st)
{
	vd_sched_unlock(st);
}

/* One-time initialisation of the tables (idempotent; under the lock). */
void ipc_init_locked(void);

/*
 * Sleep until woken or the absolute deadline, with the lock held on entry
 * and on return (*st is the state to unlock with; it may change).
 * Returns VD_OK if woken, VD_ERR_TIMEOUT, or another error if the thread
 * must stop waiting (it is being killed).
 */
vd_err_t ipc_sleep_locked(struct ipc_waiter *w, uint64_t deadline_ns,
			  ipc_lock_state_t *st);
/* Wake the thread of w (lock held). */
void ipc_wake_locked(struct ipc_waiter *w);
/*
 * Fast path: w (parked, of the calling thread) sleeps and `next` -- a
 * completed waiter whose thread sleeps in IPC -- runs on this CPU at once,
 * without a trip through the run queue.  Returns like ipc_sleep_locked.
 */
vd_err_t ipc_sleep_switch_locked(struct ipc_waiter *w, struct ipc_waiter *next,
				 uint64_t deadline_ns, ipc_lock_state_t *st);
uint64_t ipc_now_ns(void);

/*
 * Host tests replace sleeping: the hook runs "the rest of the world"
 * while the caller sleeps (with the lock released, so it may call the
 * public API), and returns what the sleep would have returned.  The wake
 * hook observes wake-ups.  Not in the production image (VD_PRODUCTION:
 * its ipc_block.c and ipc_api.c are compiled for it alone).
 */
#ifndef VD_PRODUCTION
extern vd_err_t (*ipc_test_sleep_hook)(struct ipc_waiter *w,
				       uint64_t deadline_ns);
extern void (*ipc_test_wake_hook)(struct ipc_waiter *w);
#define IPC_TEST_SLEEP_HOOKED() (ipc_test_sleep_hook != NULL)
#else
#define IPC_TEST_SLEEP_HOOKED() false
#endif

/* ------------------------------------------------------------------ */
/* Syscall layer (ipc_syscall.c, ipc_fastpath.c, ipc_syscall_wait.c)   */
/* ------------------------------------------------------------------ */

/* Deadline for a relative timeout; skips the clock when it is infinite. */
static inline uint64_t ipc_deadline_of(uint64_t timeout_ns)
{
	if (timeout_ns == VD_TIMEOUT_INFINITE)
		return VD_TIMEOUT_INFINITE;
	return vd_deadline_after(ipc_now_ns(), timeout_ns);
}

/* An id behind a valid capability that no longer names a live object:
 * the endpoint or channel was closed (or died with its owner). */
static inline vd_err_t ipc_gone_is_closed(vd_err_t err)
{
	return err == VD_ERR_NOT_FOUND ? VD_ERR_IPC_CLOSED : err;
}

/* The calling process as an actor (VD_ERR_INVALID_PARAMETER if none). */
vd_err_t ipc_current_actor(struct vd_cpu_context *ctx, struct vd_ipc_actor *a);
/* The endpoint or channel id (kind) behind a capability with `rights`. */
vd_err_t ipc_cap_object(const struct vd_ipc_actor *a, vd_cap_token_t token,
			unsigned kind, uint32_t rights, uint64_t *id);
/* Registers <-> messages (ipc_regs.h has the layout). */
vd_err_t ipc_msg_from_regs(struct vd_cpu_context *ctx, uint64_t info,
			   struct vd_ipc_message *m);
uint64_t ipc_info_word(const struct vd_ipc_message *m, uint32_t type,
		       uint32_t flags, uint64_t seq);
void ipc_put_received(struct vd_cpu_context *ctx, const struct ipc_qmsg *q);
void ipc_put_reply(struct vd_cpu_context *ctx,
		   const struct vd_ipc_message *reply);
/* The general paths of the blocking syscalls (ipc_syscall_wait.c, after
 * the fast path, vd_ipc_fast_call and _reply_recv). */
vd_err_t ipc_call_regs(const struct vd_ipc_actor *self, vd_channel_id_t ch,
		       const struct vd_ipc_message *m, vd_cap_token_t cap,
		       uint64_t timeout_ns, struct vd_cpu_context *ctx,
		       struct vd_ipc_message *reply);
vd_err_t ipc_reply_regs(const struct vd_ipc_actor *self, vd_reply_token_t token,
			const struct vd_ipc_message *m);
/* Reply-and-receive: the reply, then (if it was delivered) the receive
 * on ep -- or, if the endpoint capability was bad (ep_err), that error.
 * Errors of the reply come back as they are (nothing happened); those
 * of the receive with NOT_FOUND as VD_ERR_IPC_CLOSED. */
vd_err_t ipc_reply_recv_regs(const struct vd_ipc_actor *self,
			     vd_reply_token_t token,
			     const struct vd_ipc_message *m,
			     vd_endpoint_id_t ep, vd_err_t ep_err,
			     uint64_t timeout_ns, struct vd_cpu_context *ctx);
/* create_channel for a process: `own` must be an endpoint of `owner`'s
 * (VD_ERR_PERMISSION_DENIED), as a capability to someone else's endpoint
 * does not make one its end of a channel; *cap_out gets the channel's
 * capability (all rights) in owner->caps, minted under the same lock
 * (ipc_api.c).  VD_ERR_RESOURCE_EXHAUSTED / VD_ERR_OUT_OF_MEMORY from the
 * capability space leave no channel behind. */
vd_err_t ipc_create_own_channel(const struct vd_ipc_actor *owner,
				vd_endpoint_id_t own, vd_endpoint_id_t peer,
				vd_channel_id_t *out,
				struct vd_capability *cap_out);
/* transfer_shared_region to the owner of the other end of channel ch,
 * found under the same lock (ipc_api.c); and the transfer itself, lock
 * held (ipc_region.c). */
vd_err_t ipc_transfer_on_channel(const struct vd_ipc_actor *self,
				 vd_channel_id_t ch, vd_region_id_t region,
				 enum vd_ipc_transfer_mode mode);
vd_err_t ipc_transfer_locked(const struct vd_ipc_actor *from,
			     const struct vd_ipc_actor *to,
			     vd_region_id_t region,
			     enum vd_ipc_transfer_mode mode);

/* Host tests: forget all IPC state (after the heap was re-initialised). */
void ipc_test_reset(void);

/* Messages of the general paths, for vd_ipc_get_stats (the fast path's
 * are the scheduler's hand-overs, vd_sched_fast_handoffs). */
extern uint64_t ipc_messages_sent;

#endif /* CORE_IPC_INTERNAL_H */
