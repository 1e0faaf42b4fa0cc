/*
 * RISC-V supervisor-mode control and status registers (privileged spec
 * v1.12, chapter 4) and the few instructions C code needs.
 *
 * sstatus (the bits the kernel uses):
 *
 *    63  ...  19   18   ...  13-14 ...  8    ...  5     ...  1
 *   +----+---+----+----+----+-----+----+-----+----+------+----+-----+---+
 *   | SD |   |MXR |SUM |    | FS  |    | SPP |    | SPIE |    | SIE |   |
 *   +----+---+----+----+----+-----+----+-----+----+------+----+-----+---+
 *
 *   SIE   supervisor interrupts enabled (the local interrupt mask)
 *   SPIE  SIE before the last trap; sret copies it back into SIE
 *   SPP   privilege before the last trap (0 = user, 1 = supervisor);
 *         sret returns to it
 *   FS    FP state of the user thread (fpu.c): 0 Off (FP instructions
 *         trap as illegal), 1 Initial, 2 Clean, 3 Dirty (set by the
 *         hardware on any FP register write).  Off except while the
 *         current thread's state is loaded; the kernel is built without
 *         F/D and never changes it otherwise
 *   SUM   permit Supervisor access to User Memory; set only between
 *         hal_user_access_begin/end
 *   MXR   make executable pages readable; never set
 *
 * sie / sip: bit 1 SSIP (software = IPI), 5 STIP (timer), 9 SEIP (external,
 * i.e. PLIC).  scause: bit 63 set for interrupts, low bits the code.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#define SSTATUS_SIE	 (1ul << 1)
#define SSTATUS_SPIE	 (1ul << 5)
#define SSTATUS_SPP	 (1ul << 8)
#define SSTATUS_FS	 (3ul << 13)
#define SSTATUS_FS_OFF	 (0ul << 13)
#define SSTATUS_FS_CLEAN (2ul << 13)
#define SSTATUS_FS_DIRTY (3ul << 13)
#define SSTATUS_SUM	 (1ul << 18)
#define SSTATUS_MXR	 (1ul << 19)

#define SIE_SSIE (1ul << 1)
#define SIE_STIE (1ul << 5)
#define SIE_SEIE (1ul << 9)

#define SCAUSE_INTERRUPT (1ul << 63)
/* interrupt codes */
#define IRQ_S_SOFT  1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT   9
/* exception codes */
#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS	     1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT	     3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS	     5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U	     8
#define EXC_ECALL_S	     9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

/* scounteren: which counters U-mode may read. */
#define SCOUNTEREN_CY (1ul << 0)
#define SCOUNTEREN_TM (1ul << 1)
#define SCOUNTEREN_IR (1ul << 2)

/*
 * satp (Sv39/Sv48): MODE[63:60] ASID[59:44] PPN[43:0].  MODE 8 = Sv39,
 * 9 = Sv48; the PPN is the root table's physical frame number.
 */
#define SATP_MODE_SV39 (8ul << 60)
#define SATP_MODE_SV48 (9ul << 60)
#define SATP_PPN_MASK  ((1ul << 44) - 1)

#ifndef __ASSEMBLER__

#include <veridian/types.h>

#define csr_read(csr)                                                          \
	({                                                                     \
		unsigned long v_;                                              \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory");       \
		v_;                                                            \
	})
#define csr_write(csr, val)                                                    \
	__asm__ volatile("csrw " #csr ", %0" ::"rK"(val) : "memory")
#define csr_set(csr, bits)                                                     \
	__asm__ volatile("csrs " #csr ", %0" ::"rK"(bits) : "memory")
#define csr_clear(csr, bits)                                                   \
	__asm__ volatile("csrc " #csr ", %0" ::"rK"(bits) : "memory")
#define csr_read_clear(csr, bits)                                              \
	({                                                                     \
		unsigned long v_;                                              \
		__asm__ volatile("csrrc %0, " #csr ", %1"                      \
				 : "=r"(v_)                                    \
				 : "rK"(bits)                                  \
				 : "memory");                                  \
		v_;                                                            \
	})

static inline void rv_sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma" ::: "memory");
}

static inline void rv_sfence_vma_page(uintptr_t va)
{
	__asm__ volatile("sfence.vma %0" ::"r"(va) : "memory");
}

static inline void rv_fence_i(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}

static inline void rv_wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

/* Ordering for memory a device reads and writes (the virtio-rng driver
 * of hal/common/kernel): arch_io_wmb orders normal-memory writes before a later
 * device access, arch_io_rmb a device-written index before the data
 * behind it.  FENCE needs its O bit for a device access. */
static inline void arch_io_wmb(void)
{
	__asm__ volatile("fence w,o" ::: "memory");
}

static inline void arch_io_rmb(void)
{
	__asm__ volatile("fence r,r" ::: "memory");
}

#endif /* __ASSEMBLER__ */
#endif /* ARCH_CPU_H */
