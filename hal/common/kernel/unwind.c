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
 * corrupt fp ends the walk instead of faulting.  That is also how a walk
 * ends at a syscall: the syscall entries leave the user's fp in place
 * (an instruction fewer on every syscall), and a user address is no
 * kernel stack.
 */
#include <hal/unwind.h>

#if defined(__riscv)
#define RECORD_BELOW_FP 16
#else
#define RECORD_BELOW_FP 0
#endif

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

/* Is the 16-byte record at rec where a kernel stack can be? */
static bool record_ok(uintptr_t rec)
{
	if (rec & 7)
		return false;
	if (rec >= (uintptr_t)__kernel_start &&
	    rec + 16 <= (uintptr_t)__kernel_end)
		return true;
	return rec >= ram_lo && rec + 16 <= ram_hi;
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
	*fp = next > f ? next : 0; /* frames live at increasing addresses */
	return *pc != 0;
}
