/*
 * AArch64 HAL ktests: page-table encodings and errors, software access /
 * dirty state, W^X of the kernel image, kernel faults, PAN, and user mode
 * on hand-assembled code (syscall round trip and user faults); plus
 * benchmarks of hal_pt_map, the null syscall and hal_context_switch.
 *
 * User code is written as A64 instruction words (ARM ARM C6):
 *   MOVZ Xd, #imm16, LSL #(16*hw)  0xd2800000 | hw << 21 | imm16 << 5 | d
 *   ADD  Xd, Xn, #imm12            0x91000000 | imm12 << 10 | n << 5 | d
 *   LDR  Xt, [Xn]                  0xf9400000 | n << 5 | t
 *   STR  Xt, [Xn]                  0xf9000000 | n << 5 | t
 *   BR   Xn                        0xd61f0000 | n << 5
 *   SVC  #0                        0xd4000001
 *   B    .+4*imm26                 0x14000000 | (imm26 & 0x3ffffff)
 */
#include <a64/a64.h>
#include <a64/asm.h>
#include <a64/mmu.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/string.h>
#include <veridian/syscall.h>

#define MOVZ(d, imm, hw) (0xd2800000u | (hw) << 21 | (imm) << 5 | (d))
#define ADDI(d, n, imm)	 (0x91000000u | (imm) << 10 | (n) << 5 | (d))
#define LDR(t, n)	 (0xf9400000u | (n) << 5 | (t))
#define STR(t, n)	 (0xf9000000u | (n) << 5 | (t))
#define BR(n)		 (0xd61f0000u | (n) << 5)
#define SVC0		 0xd4000001u
#define B_SELF		 0x14000000u
#define B_BACK1		 0x17ffffffu

#define USER_CODE  0x400000ul
#define USER_STACK 0x500000ul
#define USER_HOLE  0x600000ul
#define KTEST_KVA  0xffffc00000000000ul /* unused kernel-half window */

#define F_P  VD_PTE_PRESENT
#define F_W  VD_PTE_WRITABLE
#define F_U  VD_PTE_USER
#define F_A  VD_PTE_ACCESSED
#define F_D  VD_PTE_DIRTY
#define F_G  VD_PTE_GLOBAL
#define F_NX VD_PTE_NO_EXECUTE

static uint64_t raw_pte(paddr_t root, vaddr_t va)
{
	int level;
	uint64_t *e = a64_pte_lookup(root, va, &level);
	return e ? *e : 0;
}

VD_KTEST(a64_kernel_image_wx)
{
	static int data_var = 1;
	static const char ro_var[] = "ro";
	paddr_t root = hal_pt_kernel_root(), pa;
	uint32_t f;

	KT_ASSERT_OK(hal_pt_query(root, (vaddr_t)&a64_vectors, &pa, &f));
	KT_ASSERT(!(f & F_W) && !(f & F_NX) && !(f & F_U));
	KT_ASSERT_EQ(pa, a64_kimg_to_phys(a64_vectors) & ~0xffful);
	KT_ASSERT_OK(hal_pt_query(root, (vaddr_t)ro_var, &pa, &f));
	KT_ASSERT(!(f & F_W) && (f & F_NX));
	KT_ASSERT_OK(hal_pt_query(root, (vaddr_t)&data_var, &pa, &f));
	KT_ASSERT((f & F_W) && (f & F_NX));
	/* every kernel page is UXN, whatever its PXN */
	KT_ASSERT(raw_pte(root, (vaddr_t)&a64_vectors) & A64_PTE_UXN);
	/* physmap: RW + NX, and read-only over the kernel text */
	paddr_t fr = vd_pt_frame_alloc();
	KT_ASSERT(fr);
	KT_ASSERT_OK(hal_pt_query(root, (vaddr_t)vd_phys_to_virt(fr), &pa, &f));
	KT_ASSERT_EQ(pa, fr);
	KT_ASSERT((f & F_W) && (f & F_NX) && (f & F_P));
	vd_pt_frame_free(fr);
	KT_ASSERT_OK(hal_pt_query(
		root, (vaddr_t)vd_phys_to_virt(a64_kimg_to_phys(a64_vectors)),
		&pa, &f));
	KT_ASSERT(!(f & F_W) && (f & F_NX));
}

static const uint32_t flag_cases[] = {
	F_P,
	F_P | F_W,
	F_P | F_W | F_D,
	F_P | F_D,
	F_P | F_U,
	F_P | F_U | F_W | F_NX,
	F_P | F_U | F_NX | F_A,
	F_P | F_A | F_G,
	F_P | F_NX,
	F_P | VD_PTE_WRITE_THROUGH,
	F_P | VD_PTE_CACHE_DISABLE,
	F_P | VD_PTE_CACHE_DISABLE | VD_PTE_WRITE_THROUGH,
	F_W | F_U, /* not present: kept for query only */
	F_P | F_W | F_U | F_A | F_D | F_G | F_NX | VD_PTE_WRITE_THROUGH,
};

VD_KTEST(a64_pt_flags_roundtrip)
{
	paddr_t root, pa;
	uint32_t f;
	KT_ASSERT_OK(hal_pt_create(&root));
	for (unsigned i = 0; i < VD_ARRAY_SIZE(flag_cases); i++) {
		vaddr_t va = USER_CODE + i * VD_PAGE_SIZE;
		paddr_t fr = 0x80000000ul + i * VD_PAGE_SIZE;
		uint32_t want = flag_cases[i];
		KT_ASSERT_OK(hal_pt_map(root, va, fr, want));
		KT_ASSERT_OK(hal_pt_query(root, va, &pa, &f));
		KT_ASSERT_EQ(pa, fr);
		KT_ASSERT_EQ(f, want);
		KT_ASSERT_EQ(hal_pt_map(root, va, fr, want),
			     VD_ERR_MEM_ALREADY_MAPPED);
	}
	/* Spot-check the hardware encodings (a64/mmu.h). */
	uint64_t d;
	d = raw_pte(root, USER_CODE + 1 * VD_PAGE_SIZE); /* W, clean */
	KT_ASSERT((d & A64_PTE_DBM) && (d & A64_PTE_AP_RO));
	d = raw_pte(root, USER_CODE + 2 * VD_PAGE_SIZE); /* W, dirty */
	KT_ASSERT((d & A64_PTE_DBM) && !(d & A64_PTE_AP_RO));
	d = raw_pte(root, USER_CODE + 3 * VD_PAGE_SIZE); /* RO, dirty */
	KT_ASSERT((d & A64_PTE_SW_DIRTY) && (d & A64_PTE_AP_RO));
	d = raw_pte(root, USER_CODE + 4 * VD_PAGE_SIZE); /* user */
	KT_ASSERT((d & A64_PTE_AP_EL0) && (d & A64_PTE_PXN) &&
		  !(d & A64_PTE_UXN) && (d & A64_PTE_NG) && !(d & A64_PTE_AF));
	d = raw_pte(root, USER_CODE + 5 * VD_PAGE_SIZE); /* user NX */
	KT_ASSERT((d & A64_PTE_UXN) && (d & A64_PTE_PXN));
	d = raw_pte(root, USER_CODE + 7 * VD_PAGE_SIZE); /* A, G */
	KT_ASSERT((d & A64_PTE_AF) && !(d & A64_PTE_NG));
	d = raw_pte(root, USER_CODE + 8 * VD_PAGE_SIZE); /* kernel NX */
	KT_ASSERT((d & A64_PTE_PXN) && (d & A64_PTE_UXN));
	d = raw_pte(root, USER_CODE + 9 * VD_PAGE_SIZE);
	KT_ASSERT_EQ((d & A64_PTE_ATTR_MASK) >> 2, A64_MAIR_NORMAL_WT);
	d = raw_pte(root, USER_CODE + 10 * VD_PAGE_SIZE);
	KT_ASSERT_EQ((d & A64_PTE_ATTR_MASK) >> 2, A64_MAIR_DEVICE);
	d = raw_pte(root, USER_CODE + 11 * VD_PAGE_SIZE);
	KT_ASSERT_EQ((d & A64_PTE_ATTR_MASK) >> 2, A64_MAIR_NORMAL_NC);
	d = raw_pte(root, USER_CODE + 12 * VD_PAGE_SIZE); /* not present */
	KT_ASSERT(!(d & A64_PTE_VALID) && (d & A64_PTE_SW_MAPPED));
	d = raw_pte(root, USER_CODE);
	KT_ASSERT_EQ((d & A64_PTE_ATTR_MASK) >> 2, A64_MAIR_NORMAL_WB);
	KT_ASSERT_EQ(d & 3, 3); /* valid page descriptor */

	for (unsigned i = 0; i < VD_ARRAY_SIZE(flag_cases); i++) {
		vaddr_t va = USER_CODE + i * VD_PAGE_SIZE;
		KT_ASSERT_OK(hal_pt_unmap(root, va, &pa, &f));
		KT_ASSERT_EQ(pa, 0x80000000ul + i * VD_PAGE_SIZE);
		KT_ASSERT_EQ(f, flag_cases[i]);
		KT_ASSERT_EQ(hal_pt_query(root, va, &pa, &f),
			     VD_ERR_MEM_NOT_MAPPED);
	}
	/* Every intermediate table went back when the last page did. */
	KT_ASSERT_EQ(((uint64_t *)vd_phys_to_virt(root))[0], 0);
	hal_pt_destroy(root);
}

VD_KTEST(a64_pt_errors_and_huge)
{
	paddr_t root, pa;
	uint32_t f;
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_EQ(hal_pt_map(root, USER_CODE + 8, 0x80000000ul, F_P),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_map(root, A64_USER_TOP, 0x80000000ul, F_P),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_map(root, 0x40000000ul + VD_PAGE_SIZE, 0x80000000ul,
				F_P | VD_PTE_HUGE),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_unmap(root, USER_CODE, &pa, &f),
		     VD_ERR_MEM_NOT_MAPPED);

	/* 2 MiB leaf: an L2 block descriptor */
	uint32_t hf = F_P | F_W | F_U | F_NX | VD_PTE_HUGE;
	KT_ASSERT_OK(hal_pt_map(root, 0x40000000ul, 0x80000000ul, hf));
	KT_ASSERT_OK(hal_pt_query(root, 0x40000000ul + 0x12345, &pa, &f));
	KT_ASSERT_EQ(pa, 0x80012000ul);
	KT_ASSERT_EQ(f, hf);
	KT_ASSERT_EQ(raw_pte(root, 0x40000000ul) & 3, 1);
	KT_ASSERT_EQ(hal_pt_map(root, 0x40000000ul + VD_PAGE_SIZE, 0x90000000ul,
				F_P),
		     VD_ERR_MEM_ALREADY_MAPPED);
	KT_ASSERT_OK(hal_pt_protect(root, 0x40000000ul, F_P | F_U));
	KT_ASSERT_OK(hal_pt_query(root, 0x40000000ul, &pa, &f));
	KT_ASSERT_EQ(f, F_P | F_U | VD_PTE_HUGE);
	KT_ASSERT_OK(hal_pt_unmap(root, 0x40000000ul, &pa, &f));
	KT_ASSERT_EQ(pa, 0x80000000ul);

	/* a huge page over an existing L3 table */
	KT_ASSERT_OK(hal_pt_map(root, 0x40200000ul, 0x80000000ul, F_P));
	KT_ASSERT_EQ(
		hal_pt_map(root, 0x40200000ul, 0x80000000ul, F_P | VD_PTE_HUGE),
		VD_ERR_MEM_ALREADY_MAPPED);
	KT_ASSERT_OK(hal_pt_unmap(root, 0x40200000ul, NULL, NULL));
	KT_ASSERT_EQ(((uint64_t *)vd_phys_to_virt(root))[0], 0);
	hal_pt_destroy(root);
}

/* --- faults caught through core's test hooks ------------------------- */

static struct hal_jmpbuf kt_jmp;
static struct {
	unsigned calls;
	vaddr_t addr;
	unsigned access;
	bool from_user;
	struct vd_cpu_context ctx[2];
	uint64_t t0, t1;
	unsigned target;
} kt;

static bool fault_hook(struct vd_cpu_context *ctx, vaddr_t addr,
		       unsigned access, bool from_user)
{
	kt.calls++;
	kt.addr = addr;
	kt.access = access;
	kt.from_user = from_user;
	kt.ctx[0] = *ctx;
	hal_longjmp(&kt_jmp, 1);
}

static void reset_hooks(void)
{
	vd_page_fault_test_hook = NULL;
	vd_syscall_test_hook = NULL;
}

VD_KTEST(a64_soft_access_dirty_and_protect)
{
	paddr_t fr = vd_pt_frame_alloc(), pa;
	uint32_t f;
	vaddr_t va = KTEST_KVA;
	volatile uint64_t *p = (volatile uint64_t *)va;
	KT_ASSERT(fr);
	KT_ASSERT_OK(hal_pt_map(0, va, fr, F_P | F_W | F_G | F_NX));
	KT_ASSERT_OK(hal_pt_query(0, va, &pa, &f));
	KT_ASSERT_EQ(f & (F_A | F_D), 0);
	(void)*p; /* access-flag fault, fixed by the HAL */
	KT_ASSERT_OK(hal_pt_query(0, va, &pa, &f));
	KT_ASSERT_EQ(f & (F_A | F_D), F_A);
	*p = 0x5a5a; /* writable-clean -> dirty */
	KT_ASSERT_OK(hal_pt_query(0, va, &pa, &f));
	KT_ASSERT_EQ(f & (F_A | F_D), F_A | F_D);
	KT_ASSERT_EQ(*(uint64_t *)vd_phys_to_virt(fr), 0x5a5a);

	/* write-protect: the next write is a kernel page fault */
	KT_ASSERT_OK(hal_pt_protect(0, va, F_P | F_A | F_G | F_NX));
	KT_ASSERT_EQ(*p, 0x5a5a);
	kt.calls = 0;
	vd_page_fault_test_hook = fault_hook;
	if (hal_setjmp(&kt_jmp) == 0) {
		*p = 1;
		reset_hooks();
		KT_ASSERT(!"write to a read-only page did not fault");
	}
	reset_hooks();
	KT_ASSERT_EQ(kt.calls, 1);
	KT_ASSERT_EQ(kt.addr, va);
	KT_ASSERT_EQ(kt.access, VD_FAULT_WRITE);
	KT_ASSERT(!kt.from_user);
	KT_ASSERT_OK(hal_pt_unmap(0, va, &pa, NULL));
	KT_ASSERT_EQ(pa, fr);
	vd_pt_frame_free(fr);
}

/* --- user mode -------------------------------------------------------- */

/* The "thread" kernel stack the user tests run on; the context sits at
 * its top as hal_return_to_user requires. */
static uint8_t user_kstack[A64_STACK_SIZE] __attribute__((aligned(16)));

struct user_env {
	paddr_t root, code, stack;
};

static bool user_env_init(struct user_env *u, const uint32_t *code, unsigned n)
{
	if (hal_pt_create(&u->root) != VD_OK)
		return false;
	u->code = vd_pt_frame_alloc();
	u->stack = vd_pt_frame_alloc();
	if (!u->code || !u->stack)
		return false;
	vd_memcpy(vd_phys_to_virt(u->code), code, n * 4);
	hal_icache_sync(vd_phys_to_virt(u->code), n * 4);
	return hal_pt_map(u->root, USER_CODE, u->code, F_P | F_U | F_A) ==
		       VD_OK &&
	       hal_pt_map(u->root, USER_STACK, u->stack,
			  F_P | F_U | F_W | F_NX) == VD_OK;
}

static void user_env_fini(struct user_env *u)
{
	hal_pt_activate(hal_pt_kernel_root());
	hal_pt_destroy(u->root);
	vd_pt_frame_free(u->code);
	vd_pt_frame_free(u->stack);
}

/* Enter user mode at USER_CODE; returns when a hook longjmps back. */
static void run_user(struct user_env *u)
{
	struct vd_cpu_context *ctx =
		(struct vd_cpu_context *)(user_kstack + sizeof(user_kstack)) -
		1;
	hal_user_context_init(ctx, USER_CODE, USER_STACK + VD_PAGE_SIZE, 0, 0);
	hal_pt_activate(u->root);
	if (hal_setjmp(&kt_jmp) == 0)
		hal_return_to_user(ctx);
	reset_hooks();
	hal_pt_activate(hal_pt_kernel_root());
}

static void syscall_hook(struct vd_cpu_context *ctx)
{
	kt.ctx[kt.calls] = *ctx;
	if (kt.calls++ == 0) {
		VD_CTX_RET(ctx) = 0x1234;
		return; /* back to user mode */
	}
	hal_longjmp(&kt_jmp, 1);
}

VD_KTEST(a64_user_syscall_round_trip)
{
	static const uint32_t code[] = {
		MOVZ(8, 42, 0), MOVZ(0, 1, 0), MOVZ(1, 2, 0), MOVZ(2, 3, 0),
		MOVZ(3, 4, 0),	MOVZ(4, 5, 0), MOVZ(5, 6, 0), SVC0,
		MOVZ(8, 43, 0), ADDI(1, 0, 1), SVC0,	      B_SELF,
	};
	struct user_env u;
	KT_ASSERT(user_env_init(&u, code, VD_ARRAY_SIZE(code)));
	kt.calls = 0;
	vd_syscall_test_hook = syscall_hook;
	run_user(&u);
	user_env_fini(&u);
	KT_ASSERT_EQ(kt.calls, 2);
	struct vd_cpu_context *c = &kt.ctx[0];
	KT_ASSERT_EQ(VD_CTX_SYSNR(c), 42);
	for (unsigned i = 0; i < 6; i++)
		KT_ASSERT_EQ(vd_ctx_arg(c, i), i + 1);
	KT_ASSERT_EQ(c->pc, USER_CODE + 8 * 4);
	KT_ASSERT_EQ(c->sp, USER_STACK + VD_PAGE_SIZE);
	KT_ASSERT_EQ(c->pstate & 0xf, 0); /* EL0t */
	c = &kt.ctx[1];
	KT_ASSERT_EQ(VD_CTX_SYSNR(c), 43);
	KT_ASSERT_EQ(vd_ctx_arg(c, 0), 0x1234); /* the return value */
	KT_ASSERT_EQ(vd_ctx_arg(c, 1), 0x1235);
	for (unsigned i = 2; i < 6; i++)
		KT_ASSERT_EQ(vd_ctx_arg(c, i), i + 1);
	KT_ASSERT_EQ(c->pc, USER_CODE + 11 * 4);
}

static void user_fault_case(const uint32_t *code, unsigned n, vaddr_t addr,
			    unsigned access, vaddr_t pc)
{
	struct user_env u;
	KT_ASSERT(user_env_init(&u, code, n));
	kt.calls = 0;
	vd_page_fault_test_hook = fault_hook;
	run_user(&u);
	user_env_fini(&u);
	KT_ASSERT_EQ(kt.calls, 1);
	KT_ASSERT(kt.from_user);
	KT_ASSERT_EQ(kt.addr, addr);
	KT_ASSERT_EQ(kt.access, access);
	KT_ASSERT_EQ(kt.ctx[0].pc, pc);
}

VD_KTEST(a64_user_page_faults)
{
	static const uint32_t load[] = {MOVZ(0, USER_HOLE >> 16, 1), LDR(1, 0),
					B_SELF};
	static const uint32_t store_ro[] = {MOVZ(0, USER_CODE >> 16, 1),
					    STR(1, 0), B_SELF};
	static const uint32_t jump[] = {MOVZ(0, USER_HOLE >> 16, 1), BR(0),
					B_SELF};
	static const uint32_t touch_kernel[] = {MOVZ(0, 0xffff, 3), LDR(1, 0),
						B_SELF};
	user_fault_case(load, 3, USER_HOLE, VD_FAULT_READ, USER_CODE + 4);
	if (vd_ktest_failed)
		return;
	user_fault_case(store_ro, 3, USER_CODE, VD_FAULT_WRITE, USER_CODE + 4);
	if (vd_ktest_failed)
		return;
	user_fault_case(jump, 3, USER_HOLE, VD_FAULT_EXEC, USER_HOLE);
	if (vd_ktest_failed)
		return;
	/* The physmap is not reachable from EL0. */
	user_fault_case(touch_kernel, 3, A64_PHYSMAP_BASE, VD_FAULT_READ,
			USER_CODE + 4);
}

VD_KTEST(a64_pan_user_access_window)
{
	static const uint32_t code[] = {B_SELF};
	struct user_env u;
	KT_ASSERT(user_env_init(&u, code, 1));
	*(uint64_t *)vd_phys_to_virt(u.stack) = 0x77;
	hal_pt_activate(u.root);
	volatile uint64_t *up = (volatile uint64_t *)USER_STACK;
	hal_user_access_begin();
	uint64_t v = *up;
	*up = 0x78;
	hal_user_access_end();
	/* A kernel access to an unmapped user address, inside the window,
	 * reaches vd_page_fault with from_user = false. */
	kt.calls = 0;
	vd_page_fault_test_hook = fault_hook;
	hal_user_access_begin();
	if (hal_setjmp(&kt_jmp) == 0)
		(void)*(volatile uint64_t *)USER_HOLE;
	hal_user_access_end();
	reset_hooks();
	bool hole_fault = kt.calls == 1 && kt.addr == USER_HOLE &&
			  !kt.from_user && kt.access == VD_FAULT_READ;
	bool faulted = false;
	if (a64_has_pan) {
		kt.calls = 0;
		vd_page_fault_test_hook = fault_hook;
		if (hal_setjmp(&kt_jmp) == 0)
			(void)*up;
		reset_hooks();
		faulted =
			kt.calls == 1 && kt.addr == USER_STACK && !kt.from_user;
	}
	uint64_t written = *(uint64_t *)vd_phys_to_virt(u.stack);
	user_env_fini(&u);
	KT_ASSERT_EQ(v, 0x77);
	KT_ASSERT_EQ(written, 0x78);
	KT_ASSERT(hole_fault);
	if (a64_has_pan)
		KT_ASSERT(faulted);
}

VD_KTEST(a64_self_ipi_pending_then_delivered)
{
	hal_irqstate_t s = hal_irq_save();
	KT_ASSERT(!a64_gic_local_pending(A64_IPI_SGI));
	hal_ipi_send(hal_cpu_id());
	bool pending = false;
	for (int i = 0; i < 1000 && !pending; i++)
		pending = a64_gic_local_pending(A64_IPI_SGI);
	hal_irq_local_enable(); /* taken here: vd_ipi runs */
	__asm__ volatile("isb" ::: "memory");
	bool still = a64_gic_local_pending(A64_IPI_SGI);
	hal_irq_restore(s);
	KT_ASSERT(pending);
	KT_ASSERT(!still);
	KT_ASSERT(a64_this_cpu()->cpu == hal_cpu_id());
}

/* --- benchmarks ------------------------------------------------------- */

VD_KBENCH(a64_pt_map_unmap)
{
	enum { N = 256 };
	paddr_t root;
	if (hal_pt_create(&root) != VD_OK)
		return;
	/* First map builds the intermediate tables; keep it mapped. */
	hal_pt_map(root, USER_CODE, 0x80000000ul, F_P | F_U);
	uint64_t t0 = hal_cycles();
	for (unsigned i = 1; i <= N; i++)
		hal_pt_map(root, USER_CODE + i * VD_PAGE_SIZE, 0x80000000ul,
			   F_P | F_U | F_W);
	uint64_t t1 = hal_cycles();
	for (unsigned i = 1; i <= N; i++)
		hal_pt_unmap(root, USER_CODE + i * VD_PAGE_SIZE, NULL, NULL);
	uint64_t t2 = hal_cycles();
	vd_kbench_report("a64 hal_pt_map 4K (tables exist)", t1 - t0, N);
	vd_kbench_report("a64 hal_pt_unmap 4K + TLB flush", t2 - t1, N);
	hal_pt_destroy(root);
}

static void bench_syscall_hook(struct vd_cpu_context *ctx)
{
	if (kt.calls == 0)
		kt.t0 = hal_cycles();
	if (kt.calls++ == kt.target) {
		kt.t1 = hal_cycles();
		hal_longjmp(&kt_jmp, 1);
	}
}

VD_KBENCH(a64_null_syscall)
{
	static const uint32_t code[] = {SVC0, B_BACK1};
	struct user_env u;
	if (!user_env_init(&u, code, 2))
		return;
	kt.calls = 0;
	kt.target = 1000;
	vd_syscall_test_hook = bench_syscall_hook;
	run_user(&u);
	user_env_fini(&u);
	vd_kbench_report("a64 null syscall (user->svc->user)", kt.t1 - kt.t0,
			 kt.target);
}

static uintptr_t sw_main_sp, sw_thread_sp;

static void switch_partner(void *arg)
{
	(void)arg;
	for (;;)
		hal_context_switch(&sw_thread_sp, sw_main_sp);
}

VD_KBENCH(a64_context_switch)
{
	enum { N = 1000 };
	hal_irqstate_t s = hal_irq_save();
	sw_thread_sp = hal_kstack_init(user_kstack + sizeof(user_kstack),
				       switch_partner, NULL);
	hal_context_switch(&sw_main_sp, sw_thread_sp); /* first run */
	uint64_t t0 = hal_cycles();
	for (unsigned i = 0; i < N; i++)
		hal_context_switch(&sw_main_sp, sw_thread_sp);
	uint64_t t1 = hal_cycles();
	hal_irq_restore(s);
	vd_kbench_report("a64 hal_context_switch (one way)", t1 - t0, 2 * N);
}
