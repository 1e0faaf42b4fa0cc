/*
 * Support for the HAL ktests: the portable ones in tests/ktest/hal_*.c
 * and the arch-specific ones in hal/<arch>/ktest_*.c.
 *
 * Three pieces:
 *
 *   - a fault catcher: run a function with core's page-fault test hook
 *     armed; a fault is recorded and unwinds back (hal_kt_catch_fault);
 *
 *   - a throw-away user address space and a way into it and back out
 *     (hal_kt_user_*): the program runs in user mode on a kernel stack of
 *     this file's own until a syscall or fault hook calls
 *     hal_kt_user_exit;
 *
 *   - a tiny per-arch assembler (hal_kt_emit_*, implemented in
 *     hal/<arch>/ktest_code.c) that writes the machine code of the few
 *     operations the user programs need, so the programs themselves are
 *     portable.
 *
 * Everything here is for tests only: one test at a time, on one CPU.
 */
#ifndef HAL_KTEST_H
#define HAL_KTEST_H

#include <veridian/hal.h>

/* ---- faults in kernel code ------------------------------------------ */

/* What vd_page_fault was told about the last caught fault. */
struct hal_kt_fault {
	bool hit;
	vaddr_t addr;
	unsigned access; /* VD_FAULT_* */
	bool from_user;
	vaddr_t pc; /* VD_CTX_PC of the faulting context */
};
extern struct hal_kt_fault hal_kt_fault;

/* Run fn(arg) with the page-fault test hook armed.  A page fault is
 * recorded in hal_kt_fault and abandons fn; returns true if one hit. */
bool hal_kt_catch_fault(void (*fn)(uintptr_t), uintptr_t arg);

/* Touch helpers for hal_kt_catch_fault. */
void hal_kt_read(uintptr_t va);	   /* 8-byte load */
void hal_kt_write(uintptr_t va);   /* 8-byte store */
void hal_kt_rewrite(uintptr_t va); /* store a byte back unchanged */
void hal_kt_call(uintptr_t va);	   /* call va as a function */

/* ---- a user address space ------------------------------------------- */

/*
 * Layout of the test address space (all in the user half on every arch):
 *   HAL_KT_CODE_VA    the program, user R-X
 *   HAL_KT_RO_VA      a zeroed page, user R-- NX
 *   HAL_KT_HOLE_VA    nothing mapped
 *   HAL_KT_STACK_VA   the user stack, user RW- NX (sp starts at its top)
 */
#define HAL_KT_CODE_VA	 ((vaddr_t)0x400000)
#define HAL_KT_RO_VA	 ((vaddr_t)0x500000)
#define HAL_KT_HOLE_VA	 ((vaddr_t)0x600000)
#define HAL_KT_STACK_VA	 ((vaddr_t)0x7ff000)
#define HAL_KT_STACK_TOP (HAL_KT_STACK_VA + VD_PAGE_SIZE)

#define HAL_KT_CODE_MAX 256

/* A user program being assembled by hal_kt_emit_*. */
struct hal_kt_code {
	uint8_t bytes[HAL_KT_CODE_MAX];
	size_t len;
};

struct hal_kt_user {
	paddr_t root, code, ro, stack;
};

/* Build the address space with `code` in its code page.  On failure
 * returns false with everything already freed. */
bool hal_kt_user_init(struct hal_kt_user *u, const struct hal_kt_code *code);
void hal_kt_user_fini(struct hal_kt_user *u);

/*
 * Enter user mode at HAL_KT_CODE_VA with arg0/arg1 in the first two
 * argument registers (hal_user_context_init) and run until a hook calls
 * hal_kt_user_exit(val); returns val.  The caller arms core's syscall
 * and/or page-fault test hooks first (with a hook armed, core's return-
 * to-user path leaves the borrowed stack alone); both are disarmed on
 * the way out.  before_entry, if not NULL, runs with interrupts disabled
 * just before the switch to user mode (e.g. to make an interrupt pend).
 * Afterwards the kernel's own address space is active again.
 */
int hal_kt_user_run(struct hal_kt_user *u, uint64_t arg0, uint64_t arg1,
		    void (*before_entry)(void));
/* From a hook: leave user mode for good; hal_kt_user_run returns val
 * (nonzero). */
VD_NORETURN void hal_kt_user_exit(int val);
/* Is a kernel address inside the stack the user program traps onto? */
bool hal_kt_on_user_kstack(uintptr_t addr);

/* A page-fault hook that records the fault in hal_kt_fault and calls
 * hal_kt_user_exit(1). */
bool hal_kt_fault_exit_hook(struct vd_cpu_context *ctx, vaddr_t addr,
			    unsigned access, bool from_user);

/* ---- the per-arch assembler (hal/<arch>/ktest_code.c) --------------- */

/*
 * "arg i" is the register of syscall argument i (vd_ctx_arg_slot in each
 * arch's arch/context.h), "nr" the syscall-number register.  The
 * size_t results are byte offsets into the program: add HAL_KT_CODE_VA
 * for the address.
 */
/* arg i = value. */
void hal_kt_emit_arg(struct hal_kt_code *c, unsigned i, uint64_t value);
/* nr = nr, then the syscall instruction; the other argument registers
 * keep what they hold.  Returns the offset just past the syscall
 * instruction: the pc the syscall's context reports. */
size_t hal_kt_emit_syscall(struct hal_kt_code *c, uint64_t nr);
/* arg 0 = the result of the last syscall (nothing to do where the
 * result register is arg 0). */
void hal_kt_emit_result_to_arg0(struct hal_kt_code *c);
/* arg 0 = the 8 bytes at addr / the 8 bytes at addr = arg 0.  Return the
 * offset of the load / store instruction (the pc if it faults). */
size_t hal_kt_emit_load(struct hal_kt_code *c, vaddr_t addr);
size_t hal_kt_emit_store(struct hal_kt_code *c, vaddr_t addr);
/* Jump to addr. */
void hal_kt_emit_jump(struct hal_kt_code *c, vaddr_t addr);
/* Branch to itself forever. */
void hal_kt_emit_spin(struct hal_kt_code *c);
/* n (1 .. 65535) syscalls nr in the tightest loop the arch has; the
 * counter lives in a callee-saved register. */
void hal_kt_emit_syscall_loop(struct hal_kt_code *c, uint64_t nr, unsigned n);

/* Append raw bytes (for the emitters and arch-specific programs). */
void hal_kt_emit_bytes(struct hal_kt_code *c, const void *bytes, size_t n);

#endif /* HAL_KTEST_H */
