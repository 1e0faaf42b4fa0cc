/*
 * Frame-pointer unwinding (hal_frame_pointer, hal_unwind_frame) for the
 * three hardware HALs.  The kernel is built -fno-omit-frame-pointer, so
 * every function keeps a two-word frame record {caller's fp, return
 * address}; the ABIs differ only in where fp points:
 *
 *   x86_64 (System V), AArch64 (AAPCS64)   at the record:
 *        fp + 0  caller's fp     fp + 8  return address
 *   RISC-V (psABI)                         just above it:
 *        fp - 16 caller's fp     fp - 8  return address
 *
 * Kernel trap entries add a record whose return address is the
 * interrupted pc, so a backtrace runs through traps into the interrupted
 * code.  A record is only read if it lies where kernel stacks live (the
 * image or RAM in the physmap), and the chain must climb the stack, so a
 * corrupt fp ends the walk instead of faulting.  A chain that runs on a
 * thread's kernel stack (VD_KSTACK_SIZE-aligned, in RAM) stays on that
 * stack; only one on a stack in the image (boot, per-CPU, IST) may lead
 * to another.  That is also how a walk ends at a syscall: the syscall
 * entries leave the user's fp in place (an instruction fewer on every
 * syscall), and whatever the user put there either is no kernel stack
 * or lies within the thread's own, so a panic backtrace never reads
 * elsewhere for it.
 */
#include <hal/unwind.h>
#include <veridian/thread.h>

#define RECORD_BELOW_FP HAL_FP_RECORD_BELOW

/* Linker-script symbols around the whole image (every HAL's script). */
extern char __kernel_start[], __kernel_end[];

/* Virtual addresses of the RAM part of the physmap (hal_unwind_init). */
static uintptr_t ram_lo, ram_hi;

void hal_unwind_init(const struct vd_boot_info *bi)
{
	paddr_t lo = ~(paddr_t)0, hi = 0;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct vd_mem_region *r = &bi->mem[i];
		if (r->type != VD_MEM_USABLE || !r->size)
			continue;
		lo = VD_MIN(lo, r->base);
		hi = VD_MAX(hi, r->base + r->size);
	}
	if (hi > lo) {
		ram_lo = (uintptr_t)vd_phys_to_virt(lo);
		ram_hi = (uintptr_t)vd_phys_to_virt(hi);
	}
}

static bool in_image(uintptr_t rec)
{
	return rec >= (uintptr_t)__kernel_start &&
	       rec + 16 <= (uintptr_t)__kernel_end;
}

/* Is the 16-byte record at rec where a kernel stack can be? */
static bool record_ok(uintptr_t rec)
{
	if (rec & 7)
		return false;
	return in_image(rec) || (rec >= ram_lo && rec + 16 <= ram_hi);
}

/* May a chain go on from the record at rec to the one at next?  Up the
 * stack, and off a thread's kernel stack never. */
static bool next_ok(uintptr_t rec, uintptr_t next)
{
	if (next <= rec)
		return false;
	return in_image(rec) || next / VD_KSTACK_SIZE == rec / VD_KSTACK_SIZE;
}

/* Our own record dies when we return (the next call reuses the stack),
 * so hand back the caller's fp saved in it. */
uintptr_t hal_frame_pointer(void)
{
	return *(uintptr_t *)((uintptr_t)__builtin_frame_address(0) -
			      RECORD_BELOW_FP);
}

bool hal_unwind_frame(uintptr_t *fp, uintptr_t *pc)
{
	uintptr_t f = *fp, rec = f - RECORD_BELOW_FP;
	if (!f || !record_ok(rec))
		return false;
	uintptr_t next = ((const uintptr_t *)rec)[0];
	*pc = ((const uintptr_t *)rec)[1];
	*fp = next_ok(rec, next - RECORD_BELOW_FP) ? next : 0;
	return *pc != 0;
}
