/*
 * libveridian IPC: user-space side of the IPC syscalls (docs/ipc.md).
 *
 * Small messages travel in thirteen registers.  Every IPC syscall goes
 * through vd_ipc_sys(), an always-inline function per architecture
 * (arch/<arch>/include/arch/ipc_sys.h here) that binds the fields
 * of a register block to the registers of the IPC ABI, traps, and
 * stores the registers the kernel returns back into the block:
 *
 *   in:  a0 target (capability or reply token), a1 info, a2 capability
 *        to pass / endpoint to receive on next, a3 timeout, mr[] payload
 *   out: a0 reply token of a received call, a1 info, a2 capability
 *        received, a3 sender pid, mr[] payload; the return value is the
 *        status (0 or -vd_err_t)
 *
 * Because it is inlined, a caller's local struct vd_ipc_regs whose
 * address goes nowhere else lives in those registers (as seL4's libsel4
 * does it): a loop of calls keeps its message in registers instead of
 * loading and storing the whole block around every trap.
 */
#ifndef VD_USER_IPC_H
#define VD_USER_IPC_H

#include <vd.h>
#include <veridian/ipc.h>

struct vd_ipc_regs {
	uint64_t a0, a1, a2, a3;
	uint64_t mr[VD_IPC_SMALL_WORDS];
};

/* The end of every architecture's vd_ipc_sys: the registers the kernel
 * returned, back into the block.  Inlined, a block that lives in
 * registers costs nothing here (mr is a temporary the compiler drops). */
static inline __attribute__((always_inline)) void
vd_ipc_regs_out(struct vd_ipc_regs *r, uint64_t a0, uint64_t a1, uint64_t a2,
		uint64_t a3, const uint64_t mr[VD_IPC_SMALL_WORDS])
{
	r->a0 = a0;
	r->a1 = a1;
	r->a2 = a2;
	r->a3 = a3;
	for (unsigned i = 0; i < VD_IPC_SMALL_WORDS; i++)
		r->mr[i] = mr[i];
}

/* vd_ipc_sys, per architecture
 * (user/ipc-lib/arch/<arch>/include/arch/ipc_sys.h). */
#include <arch/ipc_sys.h>

/* ---- objects ---- */

/* Returns the endpoint id (>= 0) and its capability in *cap, or -err. */
static inline long vd_ipc_endpoint_create(vd_cap_token_t *cap)
{
	return vd_syscall6(VD_SYS_IPC_ENDPOINT_CREATE, (long)cap, 0, 0, 0, 0,
			   0);
}

static inline long vd_ipc_endpoint_destroy(vd_cap_token_t ep)
{
	return vd_syscall6(VD_SYS_IPC_ENDPOINT_DESTROY, (long)ep, 0, 0, 0, 0,
			   0);
}

/* A channel from my endpoint `own` to `peer`; its capability in *cap. */
static inline long vd_ipc_channel_create(vd_cap_token_t own,
					 vd_cap_token_t peer,
					 vd_cap_token_t *cap)
{
	return vd_syscall6(VD_SYS_IPC_CHANNEL_CREATE, (long)own, (long)peer,
			   (long)cap, 0, 0, 0);
}

static inline long vd_ipc_channel_close(vd_cap_token_t ch)
{
	return vd_syscall6(VD_SYS_IPC_CHANNEL_CLOSE, (long)ch, 0, 0, 0, 0, 0);
}

/* ---- messages ---- */

/* vd_ipc_sys with the four argument words set (the message registers are
 * the caller's r->mr). */
static inline __attribute__((always_inline)) long
vd_ipc_trap(long nr, struct vd_ipc_regs *r, uint64_t a0, uint64_t a1,
	    uint64_t a2, uint64_t a3)
{
	r->a0 = a0;
	r->a1 = a1;
	r->a2 = a2;
	r->a3 = a3;
	return vd_ipc_sys(nr, r);
}

static inline long vd_ipc_send(vd_cap_token_t ch, struct vd_ipc_regs *r,
			       unsigned len, vd_cap_token_t cap,
			       uint64_t timeout_ns)
{
	return vd_ipc_trap(VD_SYS_IPC_SEND, r, ch, len, cap, timeout_ns);
}

/* Reply in r->a1 (info) and r->mr. */
static inline long vd_ipc_call(vd_cap_token_t ch, struct vd_ipc_regs *r,
			       unsigned len, vd_cap_token_t cap,
			       uint64_t timeout_ns)
{
	return vd_ipc_trap(VD_SYS_IPC_CALL, r, ch, len, cap, timeout_ns);
}

/* hdr may be NULL. */
static inline long vd_ipc_receive(vd_cap_token_t ep, struct vd_ipc_regs *r,
				  struct vd_ipc_header *hdr,
				  uint64_t timeout_ns)
{
	return vd_ipc_trap(VD_SYS_IPC_RECEIVE, r, ep, (uintptr_t)hdr, 0,
			   timeout_ns);
}

static inline long vd_ipc_reply(vd_reply_token_t token, struct vd_ipc_regs *r,
				unsigned len)
{
	return vd_ipc_trap(VD_SYS_IPC_REPLY, r, token, len, 0, 0);
}

/* Reply, then receive the next message on `ep` (seL4's ReplyRecv). */
static inline long vd_ipc_reply_recv(vd_reply_token_t token,
				     struct vd_ipc_regs *r, unsigned len,
				     vd_cap_token_t ep, uint64_t timeout_ns)
{
	return vd_ipc_trap(VD_SYS_IPC_REPLY, r, token, len, ep, timeout_ns);
}

/* Fields of a received message. */
static inline unsigned vd_ipc_len(const struct vd_ipc_regs *r)
{
	return (unsigned)(r->a1 & VD_IPC_INFO_LEN_MASK);
}

static inline unsigned vd_ipc_type(const struct vd_ipc_regs *r)
{
	return (unsigned)(r->a1 >> VD_IPC_INFO_TYPE_SHIFT) & 0xff;
}

static inline bool vd_ipc_has_cap(const struct vd_ipc_regs *r)
{
	return (r->a1 >> VD_IPC_INFO_FLAGS_SHIFT) & VD_IPC_HDR_HAS_CAP;
}

/* The sender attached a capability that was revoked before the message
 * arrived (A2 is 0). */
static inline bool vd_ipc_cap_revoked(const struct vd_ipc_regs *r)
{
	return (r->a1 >> VD_IPC_INFO_FLAGS_SHIFT) & VD_IPC_HDR_CAP_REVOKED;
}

/* ---- shared regions ---- */

static inline long vd_ipc_region_create(size_t size, uint32_t perms)
{
	return vd_syscall6(VD_SYS_IPC_REGION_CREATE, (long)size, perms, 0, 0, 0,
			   0);
}

/* The same, and *cap_out gets the caller's Memory capability to the
 * region: revoking it takes the region from everyone it reached. */
static inline long vd_ipc_region_create_cap(size_t size, uint32_t perms,
					    vd_cap_token_t *cap_out)
{
	return vd_syscall6(VD_SYS_IPC_REGION_CREATE, (long)size, perms,
			   (long)cap_out, 0, 0, 0);
}

/* Returns the address (addr 0: the kernel picks). */
static inline long vd_ipc_region_map(uint64_t region, uintptr_t addr)
{
	return vd_syscall6(VD_SYS_IPC_REGION_MAP, (long)region, (long)addr, 0,
			   0, 0, 0);
}

static inline long vd_ipc_region_unmap(uint64_t region, uintptr_t addr)
{
	return vd_syscall6(VD_SYS_IPC_REGION_UNMAP, (long)region, (long)addr, 0,
			   0, 0, 0);
}

/* To the owner of the other end of channel `ch`. */
static inline long vd_ipc_region_transfer(uint64_t region, vd_cap_token_t ch,
					  unsigned mode)
{
	return vd_syscall6(VD_SYS_IPC_REGION_TRANSFER, (long)region, (long)ch,
			   mode, 0, 0, 0);
}

static inline long vd_ipc_region_release(uint64_t region)
{
	return vd_syscall6(VD_SYS_IPC_REGION_RELEASE, (long)region, 0, 0, 0, 0,
			   0);
}

/* ---- debugging and benchmarks ---- */

/* SYS_IPC_DEBUG needs the debug capability (vd_debug_cap(): the one
 * the process was started with, or 0: PermissionDenied). */
static inline long vd_ipc_stats(struct vd_ipc_stats *st)
{
	return vd_syscall6(VD_SYS_IPC_DEBUG, VD_IPC_DEBUG_STATS, (long)st,
			   (long)vd_debug_cap(), 0, 0, 0);
}

/* The kernel's instruction/cycle counter (hal_cycles). */
static inline uint64_t vd_ipc_cycles(void)
{
	return (uint64_t)vd_syscall6(VD_SYS_IPC_DEBUG, VD_IPC_DEBUG_CYCLES, 0,
				     (long)vd_debug_cap(), 0, 0, 0);
}

#endif /* VD_USER_IPC_H */
