/*
 * Veridian: inter-process communication (the IPC API of the kernel API).
 *
 * Objects (details and rationale in docs/ipc.md):
 *
 *   Endpoint   a receive port owned by one process, with a bounded queue of
 *              VD_IPC_QUEUE_DEPTH messages.  Only its owner receives on it.
 *              create_endpoint also mints an IpcCapability (a capability
 *              of type VD_OBJ_IPC_ENDPOINT) in the owner's space.
 *   Channel    joins two endpoints.  A process that owns one end sends
 *              through the channel to the other end.
 *   Reply      a call leaves a reply slot behind; the receiver gets a
 *              reply token for it: 64 bits of slot index and generation,
 *              bound to the receiving process.  A token works
 *              once, for that process only; guessed, replayed or stolen
 *              tokens give VD_ERR_IPC_BAD_REPLY_TOKEN.
 *   Region     a shared memory region: a list of real frames that several
 *              processes map.  Transfer modes Move, Share, CopyOnWrite.
 *
 * Lifetime: an endpoint or channel lives as long as a capability names it
 * (unless destroyed first).  Revoking its last capability destroys it;
 * destroying or closing it -- or its owner's exit -- revokes every
 * capability to it in every space (docs/capabilities.md).  Ones made by
 * a kernel actor without a capability space are destroyed explicitly.
 *
 * Blocking: send blocks while the destination queue is full, receive while
 * it is empty, call until the reply comes.  Timeouts are relative, in
 * nanoseconds: 0 never sleeps, VD_TIMEOUT_INFINITE waits forever.
 * Closing a channel, destroying an endpoint or the death of a process
 * wakes everybody who waits on them with an error (VD_ERR_IPC_CLOSED,
 * VD_ERR_IPC_PEER_DIED).
 *
 * Processes are named by a struct vd_ipc_actor: pid, capability space and
 * page table.  The syscall layer builds one for the calling process; tests
 * build their own.  All functions may be called from any CPU; one lock
 * (the scheduler's) serialises IPC state.
 */
#ifndef VERIDIAN_IPC_H
#define VERIDIAN_IPC_H

#include <veridian/cap.h>
#include <veridian/types.h>

#ifndef VD_TIMEOUT_INFINITE
#define VD_TIMEOUT_INFINITE UINT64_MAX
#endif

/* ---- user ABI (user programs include this with VD_USER) ---- */

typedef uint64_t vd_endpoint_id_t; /* EndpointId */
typedef uint64_t vd_channel_id_t;  /* ChannelId */
typedef uint64_t vd_region_id_t;   /* SharedRegionId */
typedef uint64_t vd_reply_token_t; /* ReplyToken */

/* Small messages travel in registers on the fast path. */
#define VD_IPC_SMALL_MAX   64
#define VD_IPC_SMALL_WORDS (VD_IPC_SMALL_MAX / 8)
/* Messages an endpoint holds before senders block. */
#define VD_IPC_QUEUE_DEPTH 16

/* Limits of the object tables (ids carry a 16-bit slot index). */
#define VD_IPC_MAX_ENDPOINTS 1024
#define VD_IPC_MAX_CHANNELS  1024
#define VD_IPC_MAX_REGIONS   1024
#define VD_IPC_MAX_REPLIES   1024
/* Largest shared region: 4 MiB. */
#define VD_IPC_REGION_MAX_PAGES 1024

enum vd_ipc_msg_kind {
	VD_IPC_MSG_SMALL = 0, /* SmallMessage: up to 64 bytes inline */
	VD_IPC_MSG_LARGE = 1, /* LargeMessage: a slice of a shared region */
};

/* LargeMessage. */
struct vd_ipc_large {
	vd_region_id_t region;
	uint64_t offset;
	uint64_t len;
};

/* Message: the tagged union of the kernel API. */
struct vd_ipc_message {
	uint8_t kind; /* enum vd_ipc_msg_kind */
	uint8_t len;  /* SMALL: payload bytes, 0 .. VD_IPC_SMALL_MAX */
	uint16_t reserved0;
	uint32_t reserved1;
	union {
		uint64_t words[VD_IPC_SMALL_WORDS];
		uint8_t data[VD_IPC_SMALL_MAX];
		struct vd_ipc_large large;
	};
};

/* MessageType. */
enum vd_ipc_msg_type {
	VD_IPC_TYPE_SEND = 0,  /* one-way (send_message) */
	VD_IPC_TYPE_CALL = 1,  /* request: header.reply_token is valid */
	VD_IPC_TYPE_REPLY = 2, /* response to a call */
};

/* Header flags. */
#define VD_IPC_HDR_HAS_CAP (1u << 0) /* header.capability is valid */
/* The sender attached a capability, but it was revoked while the message
 * waited (the object it names was destroyed, or the sender's original
 * was revoked): HAS_CAP is clear and header.capability is zero. */
#define VD_IPC_HDR_CAP_REVOKED (1u << 1)

/* MessageHeader. */
struct vd_ipc_header {
	vd_pid_t sender;
	vd_pid_t recipient;
	uint32_t type;		      /* enum vd_ipc_msg_type */
	uint32_t flags;		      /* VD_IPC_HDR_* */
	uint64_t sequence;	      /* per channel and direction, from 1 */
	vd_channel_id_t channel;      /* the channel it came through */
	vd_reply_token_t reply_token; /* CALL only, else 0 */
	/* Option<IpcCapability>: the receiver's own copy of the capability
	 * the sender attached (derived into the receiver's space). */
	struct vd_capability capability;
};

/* TransferMode. */
enum vd_ipc_transfer_mode {
	VD_IPC_TRANSFER_MOVE = 0, /* the sender loses its access and mappings */
	VD_IPC_TRANSFER_SHARE = 1, /* both map the same frames */
	VD_IPC_TRANSFER_COW = 2,   /* private copy on first write, per page */
};

/*
 * Syscalls (numbers in syscall.h; register layout in docs/ipc.md and
 * core/ipc/ipc_regs.h).  Small messages travel in eight message
 * registers; the info word describes them:
 */
#define VD_IPC_INFO_LEN_MASK	0xffull	    /* SMALL payload bytes */
#define VD_IPC_INFO_LARGE	(1ull << 8) /* MR0..2 = region, offset, len */
#define VD_IPC_INFO_TYPE_SHIFT	16	    /* out: enum vd_ipc_msg_type */
#define VD_IPC_INFO_FLAGS_SHIFT 24	    /* out: VD_IPC_HDR_* */
#define VD_IPC_INFO_SEQ_SHIFT	32 /* out: low 32 bits of the sequence */

/* SYS_IPC_DEBUG operations. */
#define VD_IPC_DEBUG_STATS  0 /* copy struct vd_ipc_stats to a1 */
#define VD_IPC_DEBUG_CYCLES 1 /* return hal_cycles() (benchmarks) */
#define VD_IPC_DEBUG_DUMP   2 /* vd_ipc_dump_state() on the console */

struct vd_ipc_stats {
	uint64_t endpoints; /* live objects */
	uint64_t channels;
	uint64_t regions;
	uint64_t pending_replies; /* reply slots in use */
	uint64_t region_frames;	  /* frames held by regions */
	uint64_t queued_messages;
	uint64_t messages_sent; /* since boot: send, call, reply */
	uint64_t fastpath_hits; /* calls/replies that switched directly */
	uint64_t cow_copies;	/* pages copied by copy-on-write faults */
};

#ifndef VD_USER /* ---- kernel only below ---- */

#include <veridian/mm.h>

/* Who is acting: a process as IPC sees it. */
struct vd_process;
struct vd_ipc_actor {
	vd_pid_t pid;
	struct vd_cap_space *caps; /* its capability space */
	struct vd_page_table *pt;  /* its address space (NULL: none) */
	/* the process whose page table pt is, so that shared regions are
	 * mapped only where it has nothing of its own (vd_uvm_claim); NULL
	 * for a kernel actor with a bare page table */
	struct vd_process *proc;
};

/* Region permissions: VD_RIGHT_READ, VD_RIGHT_WRITE (cap.h). */

/* ------------------------------------------------------------------ */
/* Endpoints and channels                                              */
/* ------------------------------------------------------------------ */

/*
 * create_endpoint: a new endpoint owned by `owner`, and a capability for
 * it (all rights) in owner->caps.  cap_out may be NULL.
 * Errors: VD_ERR_INVALID_PARAMETER, VD_ERR_OUT_OF_MEMORY,
 * VD_ERR_RESOURCE_EXHAUSTED (endpoint table or capability space full, or
 * the owner's endpoint limit reached: the endpoint is charged to
 * owner->proc's limits until destroyed, limits.h).
 */
vd_err_t vd_ipc_create_endpoint(const struct vd_ipc_actor *owner,
				vd_endpoint_id_t *id_out,
				struct vd_capability *cap_out);
/* Destroy an endpoint: its channels close, waiters get VD_ERR_IPC_CLOSED,
 * queued calls fail.  VD_ERR_NOT_FOUND for an unknown id. */
vd_err_t vd_ipc_destroy_endpoint(vd_endpoint_id_t id);
/* Owner of an endpoint. */
vd_err_t vd_ipc_endpoint_owner(vd_endpoint_id_t id, vd_pid_t *out);

/*
 * create_channel: join two distinct endpoints.  Errors:
 * VD_ERR_INVALID_PARAMETER (same endpoint twice, NULL out),
 * VD_ERR_NOT_FOUND, VD_ERR_RESOURCE_EXHAUSTED (table full, or the channel
 * limit of whoever pays for e1: the channel is charged there, limits.h),
 * VD_ERR_OUT_OF_MEMORY.
 */
vd_err_t vd_ipc_create_channel(vd_endpoint_id_t e1, vd_endpoint_id_t e2,
			       vd_channel_id_t *out);
/*
 * close_channel: messages still queued from it are dropped (capabilities
 * they carried are revoked); blocked senders, callers waiting for their
 * reply, and receivers of an endpoint left without channels wake with
 * VD_ERR_IPC_CLOSED -- and later receives on such an endpoint fail with
 * it at once, until a channel joins it again.  VD_ERR_NOT_FOUND for an
 * unknown id.
 */
vd_err_t vd_ipc_close_channel(vd_channel_id_t ch);
/* The endpoint at the other end of `ch` as seen from `pid`, and its
 * owner.  VD_ERR_PERMISSION_DENIED if pid owns neither end. */
vd_err_t vd_ipc_channel_peer(vd_channel_id_t ch, vd_pid_t pid,
			     vd_endpoint_id_t *ep_out, vd_pid_t *owner_out);

/* ------------------------------------------------------------------ */
/* Message passing                                                     */
/* ------------------------------------------------------------------ */

/*
 * send_message: deliver msg through `ch` to the end the sender does not
 * own.  cap (VD_CAP_TOKEN_NULL for none) names a capability in the
 * sender's space; it must hold VD_RIGHT_GRANT, and the receiver gets a
 * copy derived from it.  Blocks up to timeout_ns while the queue is full.
 * A large message gives the receiver access to its region when queued,
 * provisionally: it becomes real on delivery and goes if the message is
 * dropped; provisional access is no access (not to map, transfer, or
 * name in a large message or reply).
 * Errors: VD_ERR_INVALID_PARAMETER (bad message), VD_ERR_NOT_FOUND,
 * VD_ERR_PERMISSION_DENIED (sender owns no end; cap without GRANT; a
 * large message about a region it holds no (or provisional) access to),
 * VD_ERR_INVALID_CAPABILITY, VD_ERR_IPC_MSG_TOO_LARGE,
 * VD_ERR_IPC_CLOSED, VD_ERR_TIMEOUT (queue still full).
 */
vd_err_t vd_ipc_send_message(const struct vd_ipc_actor *sender,
			     vd_channel_id_t ch,
			     const struct vd_ipc_message *msg,
			     vd_cap_token_t cap, uint64_t timeout_ns);
/*
 * receive_message: the oldest message of endpoint `ep`, which the receiver
 * must own.  Waits up to timeout_ns (VD_ERR_TIMEOUT).  A CALL carries a
 * reply token in hdr_out->reply_token.
 * Errors: VD_ERR_NOT_FOUND, VD_ERR_PERMISSION_DENIED (not the owner),
 * VD_ERR_TIMEOUT, VD_ERR_IPC_CLOSED: at once, whatever the timeout, if
 * the endpoint's channels have all closed and nothing is queued (a fresh
 * endpoint, which never had a channel, waits for its first), or when the
 * last channel closes or the endpoint dies during the wait.
 *
 * (SYS_IPC_RECEIVE with a header buffer writes the header before it
 * takes the message, so a failed receive loses nothing; SYS_IPC_REPLY
 * with an endpoint -- reply-and-receive -- delivers the reply first, and
 * then an error of the receive, including a bad endpoint capability, is
 * the status: docs/ipc.md.)
 */
vd_err_t vd_ipc_receive_message(const struct vd_ipc_actor *receiver,
				vd_endpoint_id_t ep, uint64_t timeout_ns,
				struct vd_ipc_message *msg_out,
				struct vd_ipc_header *hdr_out);
/*
 * call: send `request` as a CALL and wait for the reply (up to timeout_ns
 * in total).  If the callee's process dies first: VD_ERR_IPC_PEER_DIED;
 * if the channel closes: VD_ERR_IPC_CLOSED.  On timeout the request is
 * withdrawn if still queued and the reply token dies.
 */
vd_err_t vd_ipc_call(const struct vd_ipc_actor *caller, vd_channel_id_t ch,
		     const struct vd_ipc_message *request, vd_cap_token_t cap,
		     uint64_t timeout_ns, struct vd_ipc_message *reply_out);
/* reply: answer the call `token` names.  The token is then dead.
 * Errors (then the call still waits): VD_ERR_IPC_BAD_REPLY_TOKEN, and
 * those of a message (a large reply needs real access to its region:
 * VD_ERR_PERMISSION_DENIED for none or provisional access). */
vd_err_t vd_ipc_reply(const struct vd_ipc_actor *replier,
		      vd_reply_token_t token,
		      const struct vd_ipc_message *response);

/* ------------------------------------------------------------------ */
/* Zero-copy shared regions                                            */
/* ------------------------------------------------------------------ */

/*
 * create_shared_region: `size` bytes (rounded up to pages, at most
 * VD_IPC_REGION_MAX_PAGES) of zeroed frames, accessible to `owner`.
 * permissions: VD_RIGHT_READ, optionally VD_RIGHT_WRITE.  The region is
 * charged to owner->proc's limits (REGIONS 1, MEMORY its pages) until it
 * is freed, wherever it went: VD_ERR_RESOURCE_EXHAUSTED (table or region
 * limit), VD_ERR_OUT_OF_MEMORY (frames or memory limit),
 * VD_ERR_INVALID_PARAMETER.
 */
vd_err_t vd_ipc_create_shared_region(const struct vd_ipc_actor *owner,
				     size_t size, uint32_t permissions,
				     vd_region_id_t *out);
/*
 * map_shared_region: map the whole region into p's address space at
 * `address` (page-aligned), or anywhere free if address is 0.  p must
 * have access (created it, or received it by transfer or large message).
 * Errors: VD_ERR_PERMISSION_DENIED, VD_ERR_MEM_ALREADY_MAPPED,
 * VD_ERR_MEM_BAD_ADDRESS, VD_ERR_OUT_OF_MEMORY ...
 */
vd_err_t vd_ipc_map_shared_region(const struct vd_ipc_actor *p,
				  vd_region_id_t region, vaddr_t address,
				  vaddr_t *out);
/*
 * mmap of a Memory capability `token` of p's (MAP, READ; WRITE for a
 * writable mapping): the region it names, `len` its whole size, at
 * `address` or anywhere (0).  A process without access gets it through a
 * capability derived from the token (so the token needs GRANT), which
 * revoking the token takes away with the mapping.
 * Errors: VD_ERR_INVALID_CAPABILITY, VD_ERR_PERMISSION_DENIED (rights,
 * no GRANT, a read-only holder asked for writing), VD_ERR_NOT_FOUND
 * (region gone), VD_ERR_INVALID_PARAMETER (len), and map_shared_region's.
 */
vd_err_t vd_ipc_map_memory(const struct vd_ipc_actor *p, vd_cap_token_t token,
			   size_t len, bool writable, vaddr_t address,
			   vaddr_t *out);
/* Undo one mapping made by map_shared_region (the start address). */
vd_err_t vd_ipc_unmap_shared_region(const struct vd_ipc_actor *p,
				    vd_region_id_t region, vaddr_t address);
/*
 * The capability p's access to `region` (its id, or a capability to it)
 * comes through: a VD_OBJ_MEMORY capability to the region in p's space,
 * or 0 for an actor without one (kernel threads).  Revoking it takes the
 * region from p and from everyone p gave it to (docs/ipc.md).
 * Errors: as vd_ipc_map_shared_region's NotFound / PermissionDenied;
 * VD_ERR_INVALID_PARAMETER (out NULL).
 */
vd_err_t vd_ipc_region_cap(const struct vd_ipc_actor *p, vd_region_id_t region,
			   vd_cap_token_t *out);
/* Give up p's access (and mappings) and revoke its capability: those p
 * gave the region to (derived from it) lose it too; the frames are freed
 * when the last holder goes. */
vd_err_t vd_ipc_release_shared_region(const struct vd_ipc_actor *p,
				      vd_region_id_t region);
/*
 * transfer_shared_region: give `to` access.  Move: `from` loses access
 * and its mappings.  Share: both see the same frames.  CopyOnWrite: `to`
 * gets its own view of the same frames; the first write by either side to
 * a page copies that page for the writer; the pages it may copy are
 * charged to from's memory limit until `to`'s view goes.
 * Errors: VD_ERR_PERMISSION_DENIED (from has no access),
 * VD_ERR_BUSY (to already has access), VD_ERR_INVALID_PARAMETER,
 * VD_ERR_OUT_OF_MEMORY (CopyOnWrite over from's memory limit).
 */
vd_err_t vd_ipc_transfer_shared_region(const struct vd_ipc_actor *from,
				       const struct vd_ipc_actor *to,
				       vd_region_id_t region,
				       enum vd_ipc_transfer_mode mode);
/* Size in bytes of a region p has access to. */
vd_err_t vd_ipc_region_size(const struct vd_ipc_actor *p, vd_region_id_t region,
			    size_t *out);

/*
 * Page-fault hook (from core/proc's vd_page_fault): resolve a write fault
 * on a copy-on-write page of a shared region in p's address space.
 * Returns true if the fault was handled and the access can be retried.
 */
bool vd_ipc_handle_page_fault(const struct vd_ipc_actor *p, vaddr_t addr,
			      unsigned access);

/* ------------------------------------------------------------------ */
/* Process lifetime, statistics, debugging                             */
/* ------------------------------------------------------------------ */

/*
 * A process is exiting: destroy its endpoints, fail the calls it was
 * serving with VD_ERR_IPC_PEER_DIED, drop its region access and mappings.
 * Call it after every thread of the process has left the kernel (a thread
 * blocked in IPC keeps its wait record on its kernel stack, or in its
 * thread for a fast-path wait; a killed thread's wait ends with an error
 * and withdraws it) and before the
 * capability space and page table go.
 */
void vd_ipc_process_exit(const struct vd_ipc_actor *p);

/* A new user thread t (t->proc and t->uctx set) joins its process: set
 * up the wait record the IPC fast path keeps in it. */
struct vd_thread;
void vd_ipc_thread_init(struct vd_thread *t);

void vd_ipc_get_stats(struct vd_ipc_stats *out);

/* dump_ipc_state of the debug interface. */
void vd_ipc_dump_state(void);

/*
 * Register the IPC state dump with the debug interface (the IPC syscalls
 * are in the syscall table, syscalls.def).  Idempotent; called before the
 * first user process runs.
 */
void vd_ipc_init(void);

struct vd_cpu_context;
/*
 * The IPC fast path (core/ipc/ipc_fastpath.c), where the HAL's syscall
 * entry sends SYS_IPC_CALL and SYS_IPC_REPLY instead of to vd_syscall,
 * interrupts still masked (hal.h).  When the peer already waits and the
 * message is a plain small one it completes the syscall itself and never
 * returns: the CPU goes straight to the peer's user mode.  Otherwise it
 * changes nothing and returns what vd_syscall (the dispatcher) returns,
 * with the same results.
 */
const volatile uint32_t *vd_ipc_fast_call(struct vd_cpu_context *ctx);
const volatile uint32_t *vd_ipc_fast_reply_recv(struct vd_cpu_context *ctx);

#endif /* !VD_USER */
#endif /* VERIDIAN_IPC_H */
