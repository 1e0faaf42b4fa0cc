/*
 * fpu: FP/SIMD registers in user threads (tests/ktest/fpu_user.c runs it;
 * docs/fpu.md).
 *
 *   fpu work [iters]  NTHREADS threads compute with doubles and 128-bit
 *                     vectors (SSE2 on x86_64, NEON on AArch64; RISC-V
 *                     without V splits them into doubles and floats),
 *                     yielding and sleeping now and then with their
 *                     values live in registers, for long enough to be
 *                     preempted many times; every result must be exact
 *   fpu zeros         the first FP use of this process must find every
 *                     FP register zero and the control registers at
 *                     their initial values (nothing leaks from another
 *                     process)
 *   fpu probe         zeros without output: exit 0 if the state was the
 *                     initial one, 1 if not (a test that set another
 *                     state expects 1)
 *   fpu pattern [n]   fill every FP register with a pattern, then n
 *                     times: yield and check the pattern is still there
 *
 * Exit code: 0 when everything held, else the number of failures.
 *
 * All the arithmetic is exact: integer values far below 2^53 (doubles)
 * and 2^24 (floats), so any lost or foreign register shows as a wrong
 * sum, whatever the order of preemptions.
 */
#include <vd.h>

#define NTHREADS      4
#define STACK	      16384
#define BLOCK	      1024 /* k & (BLOCK - 1) runs 0..1023 */
#define YIELD_EVERY   4096
#define SLEEP_EVERY   65536
#define DEFAULT_ITERS (1ul << 19)

typedef double v2d __attribute__((vector_size(16)));
typedef float v4f __attribute__((vector_size(16)));

struct work {
	unsigned id;
	unsigned long iters;
	v2d a[4];
	double squares;
	unsigned long float_errors;
};

static struct work works[NTHREADS];

/* The thread's constants: distinct per thread, so that a register taken
 * from another thread gives a wrong sum. */
static v2d scale(unsigned id, unsigned j)
{
	return (v2d){id * 8.0 + 2 * j + 1, id * 8.0 + 2 * j + 2};
}

static v4f fscale(unsigned id, unsigned j)
{
	float b = (float)(id * 8 + 4 * j);
	return (v4f){b + 1, b + 2, b + 3, b + 4};
}

static void worker(uintptr_t arg)
{
	struct work *w = &works[arg];
	const v2d s0 = scale(w->id, 0), s1 = scale(w->id, 1),
		  s2 = scale(w->id, 2), s3 = scale(w->id, 3);
	const v4f t0 = fscale(w->id, 0), t1 = fscale(w->id, 1);
	/* a block's float sum: sum over k < BLOCK of (k & 15) = 64 * 120 */
	const v4f e0 = t0 * 7680.0f, e1 = t1 * 7680.0f;
	v2d a0 = {0, 0}, a1 = {0, 0}, a2 = {0, 0}, a3 = {0, 0};
	v4f f0 = {0, 0, 0, 0}, f1 = {0, 0, 0, 0};
	double sq = 0;
	unsigned long errors = 0;

	for (unsigned long k = 0; k < w->iters; k++) {
		double kd = (double)(k & (BLOCK - 1));
		float kf = (float)(k & 15);

		a0 += kd * s0;
		a1 += kd * s1;
		a2 += kd * s2;
		a3 += kd * s3;
		sq += kd * kd;
		f0 += kf * t0;
		f1 += kf * t1;
		if ((k & (BLOCK - 1)) == BLOCK - 1) {
			/* floats stay below 2^24 only for a block */
			v4f d = (f0 - e0) + (f1 - e1);
			errors += d[0] != 0 || d[1] != 0 || d[2] != 0 ||
				  d[3] != 0;
			f0 = (v4f){0, 0, 0, 0};
			f1 = (v4f){0, 0, 0, 0};
		}
		/* syscalls with every value above live in FP registers
		 * (the inline traps clobber none of them) */
		if ((k & (SLEEP_EVERY - 1)) == SLEEP_EVERY - 1)
			vd_thread_sleep(500000); /* may come back elsewhere */
		else if ((k & (YIELD_EVERY - 1)) == YIELD_EVERY - 1)
			vd_thread_yield();
	}
	w->a[0] = a0;
	w->a[1] = a1;
	w->a[2] = a2;
	w->a[3] = a3;
	w->squares = sq;
	w->float_errors = errors;
	vd_thread_exit(0);
}

static int run_work(unsigned long iters)
{
	static struct vd_utest T = {.prog = "fpu work"};
	vd_cap_token_t caps[NTHREADS];
	/* sums over whole blocks of k & 1023 and (k & 1023)^2 */
	double blocks = (double)(iters / BLOCK);
	double s1 = blocks * 523776.0, s2 = blocks * 357389824.0;

	iters -= iters % BLOCK;
	for (unsigned i = 0; i < NTHREADS; i++) {
		long r = vd_mmap(vd_self_cap(), 0, STACK,
				 VD_PROT_READ | VD_PROT_WRITE);
		works[i].id = i;
		works[i].iters = iters;
		if (vd_is_err(r) ||
		    vd_is_err(vd_thread_create(vd_self_cap(), worker, (void *)r,
					       STACK, i, &caps[i]))) {
			vd_check(&T, false, "create worker %u", i);
			return vd_utest_done(&T);
		}
	}
	for (unsigned i = 0; i < NTHREADS; i++) {
		int32_t code = -1;
		long r = vd_thread_join(caps[i], VD_TIMEOUT_INFINITE, &code);
		struct work *w = &works[i];
		bool exact = r == 0 && code == 0 && w->squares == s2 &&
			     w->float_errors == 0;

		for (unsigned j = 0; j < 4; j++) {
			v2d want = s1 * scale(i, j);
			exact &= w->a[j][0] == want[0] && w->a[j][1] == want[1];
		}
		vd_check(&T, exact,
			 "worker %u: %lu iterations, every double and vector "
			 "sum exact",
			 i, iters);
	}
	return vd_utest_done(&T);
}

/* ---- raw registers ---------------------------------------------------- */

#if defined(__x86_64__)
#define NREGS	  16 /* xmm0..15 */
#define REG_BYTES 16
/* control: x87 FCW and MXCSR, initial 0x37f and 0x1f80 */
static void read_regs(uint8_t (*v)[REG_BYTES], uint32_t *ctl)
{
	uint16_t fcw;
	uint32_t mxcsr;

	__asm__ volatile(
		"movdqu %%xmm0, 0(%2)\n\tmovdqu %%xmm1, 16(%2)\n\t"
		"movdqu %%xmm2, 32(%2)\n\tmovdqu %%xmm3, 48(%2)\n\t"
		"movdqu %%xmm4, 64(%2)\n\tmovdqu %%xmm5, 80(%2)\n\t"
		"movdqu %%xmm6, 96(%2)\n\tmovdqu %%xmm7, 112(%2)\n\t"
		"movdqu %%xmm8, 128(%2)\n\tmovdqu %%xmm9, 144(%2)\n\t"
		"movdqu %%xmm10, 160(%2)\n\tmovdqu %%xmm11, 176(%2)\n\t"
		"movdqu %%xmm12, 192(%2)\n\tmovdqu %%xmm13, 208(%2)\n\t"
		"movdqu %%xmm14, 224(%2)\n\tmovdqu %%xmm15, 240(%2)\n\t"
		"fnstcw %0\n\tstmxcsr %1"
		: "=m"(fcw), "=m"(mxcsr)
		: "r"(v)
		: "memory");
	ctl[0] = fcw;
	ctl[1] = mxcsr;
}
static const uint32_t ctl_initial[2] = {0x37f, 0x1f80};

static void write_regs(uint8_t (*v)[REG_BYTES])
{
	__asm__ volatile(
		"movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\t"
		"movdqu 32(%0), %%xmm2\n\tmovdqu 48(%0), %%xmm3\n\t"
		"movdqu 64(%0), %%xmm4\n\tmovdqu 80(%0), %%xmm5\n\t"
		"movdqu 96(%0), %%xmm6\n\tmovdqu 112(%0), %%xmm7\n\t"
		"movdqu 128(%0), %%xmm8\n\tmovdqu 144(%0), %%xmm9\n\t"
		"movdqu 160(%0), %%xmm10\n\tmovdqu 176(%0), %%xmm11\n\t"
		"movdqu 192(%0), %%xmm12\n\tmovdqu 208(%0), %%xmm13\n\t"
		"movdqu 224(%0), %%xmm14\n\tmovdqu 240(%0), %%xmm15" ::"r"(v)
		: "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
		  "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		  "xmm13", "xmm14", "xmm15");
}
#elif defined(__aarch64__)
#define NREGS	  32 /* q0..31 */
#define REG_BYTES 16
/* control: FPCR and FPSR, initial 0 */
static void read_regs(uint8_t (*v)[REG_BYTES], uint32_t *ctl)
{
	uint64_t fpcr, fpsr;

	__asm__ volatile(
		"stp q0, q1, [%2, #0]\n\tstp q2, q3, [%2, #32]\n\t"
		"stp q4, q5, [%2, #64]\n\tstp q6, q7, [%2, #96]\n\t"
		"stp q8, q9, [%2, #128]\n\tstp q10, q11, [%2, #160]\n\t"
		"stp q12, q13, [%2, #192]\n\tstp q14, q15, [%2, #224]\n\t"
		"stp q16, q17, [%2, #256]\n\tstp q18, q19, [%2, #288]\n\t"
		"stp q20, q21, [%2, #320]\n\tstp q22, q23, [%2, #352]\n\t"
		"stp q24, q25, [%2, #384]\n\tstp q26, q27, [%2, #416]\n\t"
		"stp q28, q29, [%2, #448]\n\tstp q30, q31, [%2, #480]\n\t"
		"mrs %0, fpcr\n\tmrs %1, fpsr"
		: "=r"(fpcr), "=r"(fpsr)
		: "r"(v)
		: "memory");
	ctl[0] = (uint32_t)fpcr;
	ctl[1] = (uint32_t)fpsr;
}
static const uint32_t ctl_initial[2] = {0, 0};

static void write_regs(uint8_t (*v)[REG_BYTES])
{
	__asm__ volatile(
		"ldp q0, q1, [%0, #0]\n\tldp q2, q3, [%0, #32]\n\t"
		"ldp q4, q5, [%0, #64]\n\tldp q6, q7, [%0, #96]\n\t"
		"ldp q8, q9, [%0, #128]\n\tldp q10, q11, [%0, #160]\n\t"
		"ldp q12, q13, [%0, #192]\n\tldp q14, q15, [%0, #224]\n\t"
		"ldp q16, q17, [%0, #256]\n\tldp q18, q19, [%0, #288]\n\t"
		"ldp q20, q21, [%0, #320]\n\tldp q22, q23, [%0, #352]\n\t"
		"ldp q24, q25, [%0, #384]\n\tldp q26, q27, [%0, #416]\n\t"
		"ldp q28, q29, [%0, #448]\n\tldp q30, q31, [%0, #480]" ::"r"(v)
		: "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7",
		  "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16",
		  "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
		  "v26", "v27", "v28", "v29", "v30", "v31");
}
#elif defined(__riscv)
#define NREGS	  32 /* f0..31 */
#define REG_BYTES 8
#define FREGS(op)                                                              \
	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) op(10)     \
		op(11) op(12) op(13) op(14) op(15) op(16) op(17) op(18) op(19) \
			op(20) op(21) op(22) op(23) op(24) op(25) op(26)       \
				op(27) op(28) op(29) op(30) op(31)
#define FSD(i)	"fsd f" #i ", " #i "*8(%1)\n\t"
#define FLD(i)	"fld f" #i ", " #i "*8(%0)\n\t"
#define CLOB(i) "f" #i,
/* control: fcsr, initial 0 */
static void read_regs(uint8_t (*v)[REG_BYTES], uint32_t *ctl)
{
	unsigned long fcsr;

	__asm__ volatile(FREGS(FSD) "frcsr %0"
			 : "=r"(fcsr)
			 : "r"(v)
			 : "memory");
	ctl[0] = (uint32_t)fcsr;
	ctl[1] = 0;
}
static const uint32_t ctl_initial[2] = {0, 0};

static void write_regs(uint8_t (*v)[REG_BYTES])
{
	__asm__ volatile(FREGS(FLD) "" ::"r"(v) : FREGS(CLOB) "memory");
}
#else
#error "fpu: unknown architecture"
#endif

static int run_zeros(bool quiet)
{
	static struct vd_utest T = {.prog = "fpu zeros"};
	static uint8_t v[NREGS][REG_BYTES];
	uint32_t ctl[2];
	bool zero = true;

	/* not vd_memset: compiled with SIMD, it could be the first FP
	 * use itself and leave its own values behind */
	for (volatile uint8_t *b = &v[0][0]; b < &v[NREGS][0]; b++)
		*b = 0xee;
	read_regs(v, ctl); /* the process's first FP instructions */
	for (unsigned r = 0; r < NREGS; r++)
		for (unsigned b = 0; b < REG_BYTES; b++)
			zero &= v[r][b] == 0;
	if (quiet)
		return !(zero && ctl[0] == ctl_initial[0] &&
			 ctl[1] == ctl_initial[1]);
	vd_check(&T, zero, "%u FP/SIMD registers start zero", NREGS);
	vd_check(&T, ctl[0] == ctl_initial[0] && ctl[1] == ctl_initial[1],
		 "FP control registers start initial (0x%x 0x%x)", ctl[0],
		 ctl[1]);
	return vd_utest_done(&T);
}

static int run_pattern(unsigned long rounds)
{
	static struct vd_utest T = {.prog = "fpu pattern"};
	static uint8_t want[NREGS][REG_BYTES], got[NREGS][REG_BYTES];
	uint32_t ctl[2];
	unsigned long bad = 0;

	for (unsigned r = 0; r < NREGS; r++)
		for (unsigned b = 0; b < REG_BYTES; b++)
			want[r][b] = (uint8_t)(0xa5 ^ (r * 16 + b));
	write_regs(want);
	for (unsigned long i = 0; i < rounds; i++) {
		vd_thread_yield(); /* another process's FP user may run */
		read_regs(got, ctl);
		bad += vd_memcmp(want, got, sizeof(want)) != 0;
	}
	vd_check(&T, bad == 0, "the pattern survived %lu yields (%lu lost)",
		 rounds, bad);
	return vd_utest_done(&T);
}

static unsigned long arg_num(int argc, char **argv, unsigned long dflt)
{
	unsigned long n = 0;

	if (argc < 3)
		return dflt;
	for (const char *p = argv[2]; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	return n ? n : dflt;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc >= 2 && vd_strcmp(argv[1], "work") == 0)
		return run_work(arg_num(argc, argv, DEFAULT_ITERS));
	if (argc >= 2 && vd_strcmp(argv[1], "zeros") == 0)
		return run_zeros(false);
	if (argc >= 2 && vd_strcmp(argv[1], "probe") == 0)
		return run_zeros(true);
	if (argc >= 2 && vd_strcmp(argv[1], "pattern") == 0)
		return run_pattern(arg_num(argc, argv, 1000));
	printf("usage: fpu work [iters] | zeros | probe | pattern [rounds]\n");
	return 100;
}
