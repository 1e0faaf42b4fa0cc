/*
 * RISC-V HAL: FP state of user threads (hal.h, docs/fpu.md), F and D
 * extensions: f0..f31 (64 bits) and fcsr; no V extension state.
 *
 * Access switch and dirty tracking: sstatus.FS (arch/cpu.h).  Off while
 * no thread's state is loaded, so the first FP instruction raises an
 * illegal-instruction exception (trap.c hands it to vd_fpu_trap when the
 * trapping context had FS = Off).  Loading leaves FS = Clean; the
 * hardware makes it Dirty on the first FP register write, and only a
 * Dirty state is saved at unload.
 *
 * FS lives in sstatus, which the trap exit reloads from the saved user
 * context (vectors.S, restore_user_csrs): the user context's copy is the
 * one that counts on the way back to user mode, so both change together.
 *
 * Area (264 bytes): f0..f31 at 8 * i, fcsr at 256 (0 = round to nearest,
 * no flags: its reset value).
 */
#include <arch/context.h>
#include <arch/cpu.h>
#include <veridian/hal.h>
#include <veridian/panic.h>
#include <veridian/string.h>

#define AREA_SIZE (33 * 8)

void rv_fpu_save_regs(void *area);
void rv_fpu_load_regs(const void *area);

size_t hal_fpu_area_size(void)
{
	return AREA_SIZE;
}

void hal_fpu_area_init(void *area)
{
	vd_memset(area, 0, AREA_SIZE);
}

static void set_fs(struct vd_cpu_context *uctx, uint64_t fs)
{
	csr_clear(sstatus, SSTATUS_FS);
	csr_set(sstatus, fs);
	uctx->status = (uctx->status & ~SSTATUS_FS) | fs;
}

void hal_fpu_load(struct vd_cpu_context *uctx, const void *area)
{
	VD_DEBUG_ASSERT(!hal_irq_local_enabled());
	set_fs(uctx, SSTATUS_FS_CLEAN);
	rv_fpu_load_regs(area);
	set_fs(uctx, SSTATUS_FS_CLEAN); /* the loads made it Dirty */
}

void hal_fpu_unload(struct vd_cpu_context *uctx, void *area)
{
	if ((csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS_DIRTY)
		rv_fpu_save_regs(area);
	set_fs(uctx, SSTATUS_FS_OFF);
}

vd_err_t hal_fpu_area_check(const void *area)
{
	(void)area; /* fscsr keeps only fcsr's 8 defined bits */
	return VD_OK;
}
