/*
 * x86_64 HAL: thin wrappers around privileged instructions.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <arch/defs.h>
#include <veridian/types.h>

static inline void x86_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t x86_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void x86_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t x86_inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void x86_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t x86_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void x86_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

static inline uint64_t x86_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

struct x86_cpuid {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct x86_cpuid x86_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct x86_cpuid r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

#define X86_DEFINE_CR(n)                                                       \
	static inline uint64_t x86_read_cr##n(void)                            \
	{                                                                      \
		uint64_t v;                                                    \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));              \
		return v;                                                      \
	}                                                                      \
	static inline void x86_write_cr##n(uint64_t v)                         \
	{                                                                      \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");     \
	}
X86_DEFINE_CR(0)
X86_DEFINE_CR(3)
X86_DEFINE_CR(4)
#undef X86_DEFINE_CR

static inline uint64_t x86_read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void x86_invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t x86_read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void x86_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Ordering for memory a device reads and writes (the virtio-rng driver
 * of hal/common/kernel): arch_io_wmb orders normal-memory writes before a later
 * device access, arch_io_rmb a device-written index before the data
 * behind it. */
static inline void arch_io_wmb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void arch_io_rmb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* CPU features the HAL adapts to, filled by x86_cpu_detect_features(). */
/* CPUID feature bits the kernel reads (leaf, register, bit). */
#define X86_CPUID_1_EDX_PGE	     (1u << 13)
#define X86_CPUID_1_ECX_RDRAND	     (1u << 30)
#define X86_CPUID_1_EBX_APIC_ID(ebx) ((ebx) >> 24) /* initial APIC id */
#define X86_CPUID_1_EDX_FXSR	     (1u << 24)
#define X86_CPUID_1_EDX_SSE2	     (1u << 26)
#define X86_CPUID_1_ECX_XSAVE	     (1u << 26)
#define X86_CPUID_D1_EAX_XSAVEOPT    (1u << 0) /* leaf 0Dh, subleaf 1 */
#define X86_CPUID_7_EBX_SMEP	     (1u << 7)
#define X86_CPUID_7_EBX_SMAP	     (1u << 20)
#define X86_CPUID_7_ECX_UMIP	     (1u << 2)
#define X86_CPUID_EXT1_EDX_NX	     (1u << 20) /* leaf 8000_0001h */
#define X86_CPUID_EXT7_EDX_INVTSC    (1u << 8)	/* leaf 8000_0007h */

struct x86_features {
	bool nx;	    /* CPUID 8000_0001h EDX[20] */
	bool smep;	    /* CPUID 7 EBX[7] */
	bool smap;	    /* CPUID 7 EBX[20] */
	bool umip;	    /* CPUID 7 ECX[2] */
	bool pge;	    /* CPUID 1 EDX[13] */
	bool invariant_tsc; /* CPUID 8000_0007h EDX[8] */
	bool rdrand;	    /* CPUID 1 ECX[30] */
};
extern struct x86_features x86_features;
void x86_cpu_detect_features(void);
/* FP/SIMD set-up of the calling CPU (fpu.c): CR0, CR4, XCR0; user
 * access off until a thread's state is loaded. */
void x86_fpu_cpu_init(void);
void x86_fpu_report(void); /* one console line, once a console is bound */

/* Busy-wait using the calibrated TSC (usable after x86_timer_init). */
void x86_delay_us(uint64_t us);

#endif /* ARCH_CPU_H */
