/*
 * Veridian: the hardware abstraction layer contract.
 *
 * This header is the only way the portable core (core/) reaches hardware.
 * Each architecture implements it in hal/<arch>/; the host test build
 * implements it in hal/host/ with a fake machine.  Core code never includes
 * anything under hal/.
 *
 * Two directions:
 *   hal_*  functions are implemented by the HAL and called by core.
 *   vd_*   functions declared at the end ("upcalls") are implemented by core
 *          and called by the HAL: boot entry, trap handlers, page-table
 *          frame allocation.
 *
 * Unless stated otherwise a hal_* function acts on the calling CPU, may be
 * called with interrupts enabled or disabled, and does not sleep.
 *
 * Memory layout every HAL provides:
 *   - the kernel runs in the upper half of the virtual address space;
 *     user space owns the lower half [VD_USER_BASE, hal_user_top()).
 *   - all usable RAM is mapped read/write, non-executable at
 *     hal_physmap_base + pa (the "physmap"), so core can touch any frame
 *     through vd_phys_to_virt().
 */
#ifndef VERIDIAN_HAL_H
#define VERIDIAN_HAL_H

#include <veridian/cpu_context.h>
#include <veridian/types.h>

/* ------------------------------------------------------------------ */
/* Boot information                                                    */
/* ------------------------------------------------------------------ */

#define VD_MAX_MEM_REGIONS 32
#define VD_MAX_CPUS	   8

enum vd_mem_type {
	VD_MEM_USABLE = 1,    /* free RAM */
	VD_MEM_RESERVED = 2,  /* firmware, MMIO holes, ACPI, ... */
	VD_MEM_KERNEL = 3,    /* the kernel image (text..bss) */
	VD_MEM_BOOT_DATA = 4, /* DTB, boot info, initrd: keep until parsed */
};

struct vd_mem_region {
	paddr_t base;
	uint64_t size;
	enum vd_mem_type type;
};

/*
 * Filled by the HAL from what the firmware handed over (PVH start info or
 * Multiboot info on x86_64, the DTB on AArch64 and RISC-V) before vd_kmain.
 * mem[] lists RAM as the firmware describes it; reserved[] lists ranges
 * inside RAM that must not be handed out (kernel image, DTB, OpenSBI, ...).
 */
struct vd_boot_info {
	const char *arch;  /* "x86_64", "aarch64", "riscv64" */
	const char *board; /* board descriptor name, e.g. "aarch64-qemu-virt" */
	const char *firmware; /* "PVH", "Multiboot", "U-Boot", "OpenSBI", ... */
	const char *cmdline;  /* may be "" */
	uint64_t boot_cpu_hwid; /* APIC id / MPIDR / hart id of the boot CPU */
	unsigned cpu_count;	/* CPUs the firmware reports (>= 1) */
	uint64_t cpu_hwid[VD_MAX_CPUS]; /* hardware id per logical cpu */
	unsigned mem_count;
	struct vd_mem_region mem[VD_MAX_MEM_REGIONS];
	unsigned reserved_count;
	struct vd_mem_region reserved[VD_MAX_MEM_REGIONS];
	paddr_t initrd_base; /* 0 if none */
	uint64_t initrd_size;
};

/* ------------------------------------------------------------------ */
/* CPU                                                                 */
/* ------------------------------------------------------------------ */

/* Logical index of the calling CPU, 0 .. hal_cpu_count()-1. */
unsigned hal_cpu_id(void);
/* Number of CPUs that are online (started and running core code). */
unsigned hal_cpu_count(void);
/*
 * Free-running instruction/cycle counter (rdtsc, PMCCNTR_EL0, rdinstret).
 * Under QEMU -icount shift=0 it counts instructions exactly; benchmarks
 * report differences of it.
 */
uint64_t hal_cycles(void);
/*
 * One 64-bit word from the CPU's hardware random number generator
 * (x86_64 RDRAND, AArch64 RNDR), if it has one: true and *out set.  False
 * when there is none or it keeps failing; callers that need a secret
 * (the capability MAC key) mix it with what else they have.
 */
bool hal_entropy(uint64_t *out);
/*
 * Wait for an interrupt.  Call with local interrupts DISABLED, after
 * checking for work: the wait and the enabling of interrupts are one
 * atomic step, so an interrupt (a wake-up IPI) that arrives between the
 * caller's check and the wait is not lost, it ends the wait at once.
 * The interrupt that ended the wait has been handled (its handler ran)
 * when this returns, and interrupts are disabled again.  x86_64: "sti;
 * hlt" (STI's one-instruction shadow makes the pair atomic), then cli;
 * AArch64 / RISC-V: wfi, which wakes on a pending interrupt even while
 * it is masked, then unmask for a moment to take it.  May return without
 * an interrupt (spurious wake-ups): callers loop and re-check.
 *
 *	hal_irqstate_t s = hal_irq_save();
 *	while (!work_to_do())
 *		hal_cpu_idle();
 *	hal_irq_restore(s);
 */
void hal_cpu_idle(void);

/* Local interrupt mask: save-and-disable, restore, enable. */
typedef unsigned long hal_irqstate_t;
hal_irqstate_t hal_irq_save(void);
void hal_irq_restore(hal_irqstate_t state);
void hal_irq_local_enable(void);
bool hal_irq_local_enabled(void);

/*
 * Start logical CPU `cpu` (1 .. boot_info.cpu_count-1) at
 * vd_kmain_secondary(cpu) on a fresh stack, with the kernel address space
 * and traps set up.  Returns once the CPU has been told to start (PSCI
 * CPU_ON, SBI HSM hart_start, INIT-SIPI-SIPI); core waits for it to check in.
 * Errors: VD_ERR_INVALID_PARAMETER for cpu 0 or a CPU the machine does not
 * have (or the firmware's INVALID_PARAMETERS); VD_ERR_BUSY if the CPU is
 * online already, or the firmware says it is on or starting (PSCI
 * ALREADY_ON / ON_PENDING, SBI ALREADY_AVAILABLE); VD_ERR_NOT_FOUND if the
 * firmware refused for another reason (AArch64, RISC-V).  On x86_64 an
 * INIT-SIPI-SIPI has no answer: a CPU that does not start is seen only by
 * core's wait for it.
 */
vd_err_t hal_cpu_start(unsigned cpu);
/* Send a reschedule inter-processor interrupt; the target runs vd_ipi(). */
void hal_ipi_send(unsigned cpu);

/* Frame-pointer unwinding for backtraces.  hal_frame_pointer returns the
 * frame pointer of its caller (its own frame is dead once it returns). */
uintptr_t hal_frame_pointer(void);
/* Step from frame *fp to its caller: sets *pc to the return address and *fp
 * to the caller's frame.  Returns false at the end of the chain. */
bool hal_unwind_frame(uintptr_t *fp, uintptr_t *pc);

/* ------------------------------------------------------------------ */
/* Console and power                                                   */
/* ------------------------------------------------------------------ */

void hal_console_putc(char c);
/* Next received character, or -1 if none is waiting (never blocks). */
int hal_console_getc(void);

/*
 * Power the machine off through the bound power driver (docs/drivers.md).
 * Under QEMU the process exits, and where the device can carry it
 * `status` (0 = success, nonzero = failure) becomes the exit status
 * (isa-debug-exit, semihosting SYS_EXIT, sifive_test); PSCI SYSTEM_OFF,
 * SBI SRST and ACPI S5 exit 0 whatever the status.  The board descriptor
 * says which process exit status means "pass" (isa-debug-exit cannot
 * exit with 0).  With no power driver, or one that returns, the CPU says
 * so on the console and halts.
 */
VD_NORETURN void hal_poweroff(int status);

/* ------------------------------------------------------------------ */
/* Timer and interrupt controller                                      */
/* ------------------------------------------------------------------ */

/* Monotonic time since boot in nanoseconds. */
uint64_t hal_timer_now_ns(void);
/* Arm the per-CPU one-shot timer: vd_timer_irq() runs at or after
 * `deadline_ns` (a hal_timer_now_ns() value).  UINT64_MAX disarms. */
void hal_timer_set_deadline(uint64_t deadline_ns);

/* Device interrupt lines of the platform interrupt controller
 * (GIC, PLIC, IO-APIC).  The HAL delivers them to vd_irq(irq). */
void hal_irq_unmask(unsigned irq);
void hal_irq_mask(unsigned irq);

/* ------------------------------------------------------------------ */
/* Address spaces and page tables                                      */
/* ------------------------------------------------------------------ */

/* Portable page flags (PageFlags of the kernel API).  Each HAL encodes
 * them in its format and documents which ones the hardware lacks. */
#define VD_PTE_PRESENT	     (1u << 0)
#define VD_PTE_WRITABLE	     (1u << 1)
#define VD_PTE_USER	     (1u << 2)
#define VD_PTE_WRITE_THROUGH (1u << 3)
#define VD_PTE_CACHE_DISABLE (1u << 4)
#define VD_PTE_ACCESSED	     (1u << 5)
#define VD_PTE_DIRTY	     (1u << 6)
#define VD_PTE_HUGE	     (1u << 7) /* 2 MiB leaf instead of 4 KiB */
#define VD_PTE_GLOBAL	     (1u << 8)
#define VD_PTE_NO_EXECUTE    (1u << 9)
#define VD_PTE_ALL_FLAGS     0x3ffu

#define VD_HUGE_PAGE_SIZE ((size_t)2 << 20)

/* Base of the physmap; see the comment at the top. */
extern uintptr_t hal_physmap_base;

static inline void *vd_phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)(pa + hal_physmap_base);
}

static inline paddr_t vd_virt_to_phys(const void *va)
{
	return (paddr_t)((uintptr_t)va - hal_physmap_base);
}

/* Lowest and one-past-highest user virtual address.  The host build's
 * fake HAL may narrow user space to a window of a test's own
 * (host_set_user_window in host/fake.h), so there the base is a call. */
#ifdef VD_HOST
vaddr_t host_user_base(void);
#define VD_USER_BASE host_user_base()
#else
#define VD_USER_BASE ((vaddr_t)0x10000)
#endif
vaddr_t hal_user_top(void);

/* Root of the kernel's own page table (kernel half only). */
paddr_t hal_pt_kernel_root(void);
/* Create a new address space: a root table whose kernel half shares the
 * kernel's mappings.  Intermediate tables come from vd_pt_frame_alloc().
 * The root is a handle core only compares and passes back: the table's
 * physical address, with whatever tag the HAL keeps in bits it leaves
 * free (AArch64: the space's ASID in bits 63:48).  VD_ERR_OUT_OF_MEMORY
 * if no frame or no tag is left. */
vd_err_t hal_pt_create(paddr_t *root_out);
/* Free every table of the user half and the root.  Leaf frames are not
 * freed: they belong to whoever mapped them. */
void hal_pt_destroy(paddr_t root);
/*
 * Map [va, va+size) to pa with `flags` (VD_PTE_*).  size is VD_PAGE_SIZE
 * or VD_HUGE_PAGE_SIZE (with VD_PTE_HUGE); va and pa aligned to it.
 * Errors: VD_ERR_MEM_ALREADY_MAPPED if a mapping exists there,
 * VD_ERR_OUT_OF_MEMORY if an intermediate table could not be allocated,
 * VD_ERR_INVALID_PARAMETER for misalignment or a non-canonical address.
 * Does not flush the TLB (a new mapping needs none on these architectures).
 */
vd_err_t hal_pt_map(paddr_t root, vaddr_t va, paddr_t pa, uint32_t flags);
/* Remove the mapping at va, returning its frame and flags; empty
 * intermediate tables are freed.  Flushes the TLB entry for va.
 * VD_ERR_MEM_NOT_MAPPED if nothing is mapped. */
vd_err_t hal_pt_unmap(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out);
/* Look up va: the 4 KiB frame that backs it (inside a huge page too) and
 * the mapping's flags (including hardware accessed/dirty); pa_out and
 * flags_out may be NULL.  VD_ERR_MEM_NOT_MAPPED if nothing is mapped at
 * va (also for an address no table can map: non-canonical, past the user
 * half's top on AArch64). */
vd_err_t hal_pt_query(paddr_t root, vaddr_t va, paddr_t *pa_out,
		      uint32_t *flags_out);
/* Change the flags of an existing mapping (e.g. write-protect for COW);
 * its size stays (VD_PTE_HUGE follows the entry, not flags).  Flushes
 * the TLB entry.  Errors: VD_ERR_MEM_NOT_MAPPED if nothing is mapped at
 * va; VD_ERR_INVALID_PARAMETER for flags outside VD_PTE_ALL_FLAGS (RISC-V
 * and the host fake check it; x86_64 and AArch64 take the caller's word)
 * and, on RISC-V, for a 1 GiB leaf (the physmap's, which never change). */
vd_err_t hal_pt_protect(paddr_t root, vaddr_t va, uint32_t flags);
/* Switch the calling CPU to address space `root`.  It always loads it:
 * the scheduler calls it only when the root changes.  The old space's
 * TLB entries are flushed, or, where the HAL tags them per space (ASIDs
 * on AArch64), kept; such a HAL's invalidations (unmap, protect,
 * hal_tlb_flush_page) then reach every CPU by themselves, and
 * hal_pt_destroy drops the space's entries before its tag is reused. */
void hal_pt_activate(paddr_t root);

void hal_tlb_flush_page(vaddr_t va);
void hal_tlb_flush_all(void);
/* Make instructions written through the data side visible to instruction
 * fetch (needed after loading code on AArch64 and RISC-V). */
void hal_icache_sync(const void *va, size_t len);

/* ------------------------------------------------------------------ */
/* Threads, user mode and context switch                               */
/* ------------------------------------------------------------------ */

/*
 * Kernel context switch.  *from_sp receives the current stack pointer after
 * the callee-saved registers are pushed on it; then to_sp is loaded and its
 * registers popped.  A thread's first switch-in runs the entry given to
 * hal_kstack_init().
 */
void hal_context_switch(uintptr_t *from_sp, uintptr_t to_sp);
/* Prepare a fresh kernel stack (top = highest address, 16-byte aligned) so
 * that switching to the returned sp calls entry(arg) with interrupts
 * disabled; entry must never return. */
uintptr_t hal_kstack_init(void *stack_top, void (*entry)(void *), void *arg);

/* Fill ctx for a first entry into user mode at `pc` with stack `sp` and
 * the first two argument registers set to arg0/arg1. */
void hal_user_context_init(struct vd_cpu_context *ctx, vaddr_t pc, vaddr_t sp,
			   uint64_t arg0, uint64_t arg1);
/* Load ctx into the CPU and drop to user mode.  ctx must sit at the top of
 * the current thread's kernel stack (see vd_cpu_context); the next trap
 * from user mode saves into the same place. */
VD_NORETURN void hal_return_to_user(struct vd_cpu_context *ctx);
/*
 * Finish the system call of the thread whose saved user context is ctx,
 * from another thread's kernel stack, the way the syscall exit does after
 * vd_syscall returned `work`: sp moves to ctx's kernel stack (ctx sits at
 * its top, as in hal_return_to_user) and the current stack is abandoned;
 * traps from user mode will land on that stack too (what
 * hal_set_kernel_stack(ctx + 1) does, so core need not call it);
 * then *done = false is stored with release order, telling core that the
 * old stack is no longer in use; then, interrupts masked,
 * vd_return_to_user_hook(ctx) runs if *work is nonzero, and the thread
 * returns to user mode as from a syscall.  Registers the architecture's
 * syscall convention destroys are not restored (rcx and r11 on x86_64,
 * where this may return with SYSRET), so ctx must have been saved by the
 * HAL's syscall entry.  Core has made the thread current (address space)
 * and masked interrupts before calling.  The IPC
 * fast path switches from the sender straight to the receiver's user mode
 * with it, without a kernel context switch.
 */
VD_NORETURN void hal_syscall_return(struct vd_cpu_context *ctx,
				    const volatile uint32_t *work, bool *done);
/* hal_pt_activate(root), then hal_syscall_return(ctx, work, done): how
 * the IPC fast path enters another process, with no call in between that
 * would make it keep registers of its own (core/ipc/ipc_fastpath.c). */
VD_NORETURN void hal_syscall_return_space(struct vd_cpu_context *ctx,
					  const volatile uint32_t *work,
					  bool *done, paddr_t root);
/* Tell the CPU which kernel stack top user-mode traps land on (TSS.rsp0 on
 * x86_64, sscratch on RISC-V; no-op on AArch64, where SP_EL1 is kept). */
void hal_set_kernel_stack(void *stack_top);

/* ------------------------------------------------------------------ */
/* FP/SIMD state of user threads (docs/fpu.md)                          */
/* ------------------------------------------------------------------ */

/*
 * The kernel never uses FP/SIMD registers (it is built without them), so
 * they hold user state only.  Core keeps them lazily (core/sched/fpu.c):
 * user access is off on every CPU except while the current thread's own
 * state is loaded; the first FP instruction of a thread in a quantum traps
 * to the HAL, which calls vd_fpu_trap; the switch away from a thread whose
 * state is loaded calls hal_fpu_unload.  The HAL owns the area's format;
 * core only allocates it (hal_fpu_area_size bytes, 64-byte aligned) and
 * frees it with the thread.
 *
 * All of these run with interrupts masked on the CPU they concern.
 */

/* Bytes of one thread's FP area (the same on every CPU; fixed once
 * hal_early_init has run): the XSAVE or FXSAVE image on x86_64, V0..V31
 * and FPCR/FPSR on AArch64, f0..f31 and fcsr on RISC-V. */
size_t hal_fpu_area_size(void);
/* Fill a fresh area with the state a new thread starts with: every
 * register zero, control registers at their reset values (round to
 * nearest, exceptions masked where the architecture can mask them). */
void hal_fpu_area_init(void *area);
/* Load `area` into this CPU's FP registers and let user mode use them
 * until hal_fpu_unload; uctx is the current thread's saved user context
 * (RISC-V keeps the access switch, sstatus.FS, in it). */
void hal_fpu_load(struct vd_cpu_context *uctx, const void *area);
/* Undo hal_fpu_load: save the registers into `area` (RISC-V: only if
 * user code changed them since the load, sstatus.FS = Dirty) and turn
 * user access off again, so that the next FP instruction traps.  uctx is
 * the same thread's, which need not be current any more. */
void hal_fpu_unload(struct vd_cpu_context *uctx, void *area);
/* Would hal_fpu_load accept `area` (filled by someone else, e.g. a
 * debugger)?  VD_OK, or VD_ERR_INVALID_PARAMETER for a value the CPU
 * would fault on (x86_64: reserved MXCSR or XSAVE header bits). */
vd_err_t hal_fpu_area_check(const void *area);

/* User-memory access window: SMAP (stac/clac), PAN, SUM.  Core's copy-in/
 * copy-out routines open it around each access. */
void hal_user_access_begin(void);
void hal_user_access_end(void);

/*
 * Minimal non-local jump used for fault-safe user copies: if a page fault
 * hits while vd_current_fault_jmp() is set, core longjmps to it.
 */
struct hal_jmpbuf {
	uint64_t regs[16];
};
int hal_setjmp(struct hal_jmpbuf *buf) __attribute__((returns_twice));
VD_NORETURN void hal_longjmp(struct hal_jmpbuf *buf, int val);

/* ------------------------------------------------------------------ */
/* Upcalls: implemented by core, called by the HAL                     */
/* ------------------------------------------------------------------ */

/* Boot CPU entry, after the HAL has set up stack, MMU, physmap, traps and
 * console.  Never returns. */
VD_NORETURN void vd_kmain(const struct vd_boot_info *bi);
/* Secondary CPU entry (see hal_cpu_start). */
VD_NORETURN void vd_kmain_secondary(unsigned cpu);

/* Frames for page tables: one zeroed 4 KiB frame, or 0 if none. */
paddr_t vd_pt_frame_alloc(void);
void vd_pt_frame_free(paddr_t frame);

/*
 * Syscall from user mode.  ctx holds the user registers; core reads the
 * number/arguments and writes the return value into ctx.  Called from
 * syscall_entry (x86_64), svc_entry (AArch64), ecall_entry (RISC-V),
 * with interrupts still masked: core enables them (hal_irq_local_enable)
 * before anything that may take long or sleep.  For VD_SYS_IPC_CALL and
 * VD_SYS_IPC_REPLY (veridian/syscall_nr.h) the entry calls
 * vd_ipc_fast_call or vd_ipc_fast_reply_recv (ipc.h) instead, with the
 * same contract: they run from entry to hal_syscall_return without ever
 * enabling interrupts, or return what vd_syscall would.
 *
 * Returns the address of the calling thread's return-to-user work word.
 * The HAL masks interrupts, reads the word, calls
 * vd_return_to_user_hook(ctx) only if it is nonzero, and returns to user
 * mode with ctx.  Skipping the hook is safe because the word is read
 * with interrupts masked: whatever sets it later (the tick, another
 * CPU's kill or wake-up) also raises an interrupt, which stays pending
 * and is taken as soon as user mode runs.
 *
 * With the word clear, the registers the C calling convention preserves
 * are the user's again when vd_syscall returns, and core has not
 * replaced them in ctx unless they are IPC message registers (core/ipc/
 * ipc_regs.h; core replaces a thread's context wholesale only through
 * vd_restore_context, which sets the word).  So the plain exit may leave
 * the callee-saved registers that carry no IPC message in place instead
 * of reloading them: AArch64 x19..x29, RISC-V s0..s11 (frame pointers
 * included: the syscall entries leave the user's in place, which ends a
 * kernel backtrace there, hal/common/kernel/unwind.c; x86_64's are all
 * message registers).  It may also trust the PC and flags as the entry
 * saved them, which core never changes on its own (x86_64 returns with
 * SYSRET without checking them again, hal/x86_64/vectors.S).
 */
const volatile uint32_t *vd_syscall(struct vd_cpu_context *ctx);

enum vd_fault_access {
	VD_FAULT_READ = 1,
	VD_FAULT_WRITE = 2,
	VD_FAULT_EXEC = 4,
};

/* Page fault.  from_user says which mode faulted.  Core resolves it (COW,
 * fault-safe user copy) or kills the faulting process; for an unresolvable
 * kernel fault it returns false and the HAL dumps registers and panics. */
bool vd_page_fault(struct vd_cpu_context *ctx, vaddr_t addr, unsigned access,
		   bool from_user);
/* Any other exception from user mode (illegal instruction, alignment,
 * breakpoint...): core kills the process.  `what` names the exception. */
void vd_user_exception(struct vd_cpu_context *ctx, const char *what);
/*
 * A user FP/SIMD instruction trapped because user access is off
 * (x86_64 #NM, AArch64 EC 0x07, RISC-V illegal instruction with
 * sstatus.FS = Off).  Core loads the current thread's state (allocating
 * its area on first use) with hal_fpu_load and returns true: the HAL
 * returns to the instruction.  False: not a state to load (already
 * loaded, so the instruction is illegal for another reason; a kernel
 * thread), and the HAL reports the exception as any other.  If the area
 * cannot be allocated, core kills the process itself (and returns true).
 * Called like vd_user_exception, with interrupts enabled.
 */
bool vd_fpu_trap(struct vd_cpu_context *ctx);
/* Device interrupt `irq` (after the HAL acknowledged it). */
void vd_irq(unsigned irq);
/* The per-CPU timer deadline passed. */
void vd_timer_irq(void);
/* A reschedule IPI arrived. */
void vd_ipi(void);
/* Called on the way back to user mode from any trap, with interrupts
 * disabled: lets core reschedule or kill the current thread. */
void vd_return_to_user_hook(struct vd_cpu_context *ctx);

#endif /* VERIDIAN_HAL_H */
