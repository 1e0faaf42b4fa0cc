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
#include <arch/fpu_regs.h>
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

/* ---- raw registers (<arch/fpu_regs.h>) -------------------------------- */

static int run_zeros(bool quiet)
{
	static struct vd_utest T = {.prog = "fpu zeros"};
	static uint8_t v[VD_ARCH_FP_NREGS][VD_ARCH_FP_REG_BYTES];
	uint32_t ctl[2];
	bool zero = true;

	/* not vd_memset: compiled with SIMD, it could be the first FP
	 * use itself and leave its own values behind */
	for (volatile uint8_t *b = &v[0][0]; b < &v[VD_ARCH_FP_NREGS][0]; b++)
		*b = 0xee;
	vd_arch_fp_read(v, ctl); /* the process's first FP instructions */
	for (unsigned r = 0; r < VD_ARCH_FP_NREGS; r++)
		for (unsigned b = 0; b < VD_ARCH_FP_REG_BYTES; b++)
			zero &= v[r][b] == 0;
	if (quiet)
		return !(zero && ctl[0] == vd_arch_fp_ctl_initial[0] &&
			 ctl[1] == vd_arch_fp_ctl_initial[1]);
	vd_check(&T, zero, "%u FP/SIMD registers start zero", VD_ARCH_FP_NREGS);
	vd_check(&T,
		 ctl[0] == vd_arch_fp_ctl_initial[0] &&
			 ctl[1] == vd_arch_fp_ctl_initial[1],
		 "FP control registers start initial (0x%x 0x%x)", ctl[0],
		 ctl[1]);
	return vd_utest_done(&T);
}

static int run_pattern(unsigned long rounds)
{
	static struct vd_utest T = {.prog = "fpu pattern"};
	static uint8_t want[VD_ARCH_FP_NREGS][VD_ARCH_FP_REG_BYTES],
		got[VD_ARCH_FP_NREGS][VD_ARCH_FP_REG_BYTES];
	uint32_t ctl[2];
	unsigned long bad = 0;

	for (unsigned r = 0; r < VD_ARCH_FP_NREGS; r++)
		for (unsigned b = 0; b < VD_ARCH_FP_REG_BYTES; b++)
			want[r][b] = (uint8_t)(0xa5 ^ (r * 16 + b));
	vd_arch_fp_write(want);
	for (unsigned long i = 0; i < rounds; i++) {
		vd_thread_yield(); /* another process's FP user may run */
		vd_arch_fp_read(got, ctl);
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
