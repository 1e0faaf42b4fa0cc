/*
 * AArch64 HAL ktests: the hardware side of page tables (descriptor bits
 * of every VD_PTE_* flag, UXN/PXN of the kernel image, the read-only
 * physmap alias of the kernel text, software access flag and dirty
 * state), PAN, ASIDs and the self IPI; the EL0 side of a syscall is in
 * ktest_aarch64_user.c.  What the hal_pt_* contract and user mode promise
 * on every arch is tested in tests/ktest/hal_*.c.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <hal/ktest.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>

#define USER_CODE 0x400000ul
#define KTEST_KVA 0xffffc00000000000ul /* unused kernel-half window */

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
	uint64_t *e = a64_pt_walk(root, va, &level);
	return e ? *e : 0;
}

VD_KTEST(a64_kernel_image_uxn_and_ro_alias)
{
	paddr_t root = hal_pt_kernel_root(), pa;
	uint32_t f;
	KT_ASSERT_OK(hal_pt_query(root, (vaddr_t)&a64_vectors, &pa, &f));
	KT_ASSERT_EQ(pa, a64_kimg_to_phys(a64_vectors) & ~0xffful);
	/* every kernel page is UXN, whatever its PXN */
	KT_ASSERT(raw_pte(root, (vaddr_t)&a64_vectors) & A64_PTE_UXN);
	/* the physmap alias of the kernel text is read-only */
	KT_ASSERT_OK(hal_pt_query(
		root, (vaddr_t)vd_phys_to_virt(a64_kimg_to_phys(a64_vectors)),
		&pa, &f));
	KT_ASSERT(!(f & F_W) && (f & F_NX));
}

/* Mapped at USER_CODE + i pages by a64_pt_descriptor_encodings. */
static const uint32_t flag_cases[] = {
	F_P,
	F_P | F_W,
	F_P | F_W | F_D,
	F_P | F_D,
	F_P | F_U,
	F_P | F_U | F_W | F_NX,
	F_P | F_A | F_G,
	F_P | F_NX,
	F_P | VD_PTE_WRITE_THROUGH,
	F_P | VD_PTE_CACHE_DISABLE,
	F_P | VD_PTE_CACHE_DISABLE | VD_PTE_WRITE_THROUGH,
	F_W | F_U, /* not present */
};

/* Descriptor bits behind the portable flags (arch/mmu.h). */
VD_KTEST(a64_pt_descriptor_encodings)
{
	paddr_t root;
	KT_ASSERT_OK(hal_pt_create(&root));
	for (unsigned i = 0; i < VD_ARRAY_SIZE(flag_cases); i++)
		KT_ASSERT_OK(hal_pt_map(root, USER_CODE + i * VD_PAGE_SIZE,
					0x80000000ul + i * VD_PAGE_SIZE,
					flag_cases[i]));
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
	d = raw_pte(root, USER_CODE + 6 * VD_PAGE_SIZE); /* A, G */
	KT_ASSERT((d & A64_PTE_AF) && !(d & A64_PTE_NG));
	d = raw_pte(root, USER_CODE + 7 * VD_PAGE_SIZE); /* kernel NX */
	KT_ASSERT((d & A64_PTE_PXN) && (d & A64_PTE_UXN));
	d = raw_pte(root, USER_CODE + 8 * VD_PAGE_SIZE);
	KT_ASSERT_EQ((d & A64_PTE_ATTR_MASK) >> 2, A64_MAIR_NORMAL_WT);
	d = raw_pte(root, USER_CODE + 9 * VD_PAGE_SIZE);
	KT_ASSERT_EQ((d & A64_PTE_ATTR_MASK) >> 2, A64_MAIR_DEVICE);
	d = raw_pte(root, USER_CODE + 10 * VD_PAGE_SIZE);
	KT_ASSERT_EQ((d & A64_PTE_ATTR_MASK) >> 2, A64_MAIR_NORMAL_NC);
	d = raw_pte(root, USER_CODE + 11 * VD_PAGE_SIZE); /* not present */
	KT_ASSERT(!(d & A64_PTE_VALID) && (d & A64_PTE_SW_MAPPED));
	d = raw_pte(root, USER_CODE);
	KT_ASSERT_EQ((d & A64_PTE_ATTR_MASK) >> 2, A64_MAIR_NORMAL_WB);
	KT_ASSERT_EQ(d & 3, 3); /* valid page descriptor */
	/* 2 MiB leaf: an L2 block descriptor */
	KT_ASSERT_OK(hal_pt_map(root, 0x40000000ul, 0x80000000ul,
				F_P | F_U | VD_PTE_HUGE));
	KT_ASSERT_EQ(raw_pte(root, 0x40000000ul) & 3, 1);
	hal_pt_destroy(root);
}

/* --- access flag and dirty state in software ------------------------ */

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
	bool faulted = hal_kt_catch_fault(hal_kt_write, va);
	struct hal_kt_fault wf = hal_kt_fault;
	KT_ASSERT_OK(hal_pt_unmap(0, va, &pa, NULL));
	KT_ASSERT_EQ(pa, fr);
	vd_pt_frame_free(fr);
	KT_ASSERT(faulted);
	KT_ASSERT_EQ(wf.addr, va);
	KT_ASSERT_EQ(wf.access, VD_FAULT_WRITE);
	KT_ASSERT(!wf.from_user);
}

/* PAN: EL1 accesses to EL0 pages fault outside
 * hal_user_access_begin/end and work inside. */
static void user_access_read(uintptr_t va)
{
	hal_user_access_begin();
	hal_kt_read(va);
	hal_user_access_end();
}

VD_KTEST(a64_pan_user_access_window)
{
	struct hal_kt_code c = {0};
	struct hal_kt_user u;
	hal_kt_emit_spin(&c);
	KT_ASSERT(hal_kt_user_init(&u, &c));
	*(uint64_t *)vd_phys_to_virt(u.stack) = 0x77;
	hal_pt_activate(u.root);
	volatile uint64_t *up = (volatile uint64_t *)HAL_KT_STACK_VA;
	hal_user_access_begin();
	uint64_t v = *up;
	*up = 0x78;
	hal_user_access_end();
	/* A kernel access to an unmapped user address, inside the window,
	 * reaches vd_page_fault with from_user = false. */
	bool hole = hal_kt_catch_fault(user_access_read, HAL_KT_HOLE_VA);
	struct hal_kt_fault hf = hal_kt_fault;
	bool pan =
		a64_has_pan && hal_kt_catch_fault(hal_kt_read, HAL_KT_STACK_VA);
	struct hal_kt_fault pf = hal_kt_fault;
	hal_pt_activate(hal_pt_kernel_root());
	uint64_t written = *(uint64_t *)vd_phys_to_virt(u.stack);
	hal_kt_user_fini(&u);
	KT_ASSERT_EQ(v, 0x77);
	KT_ASSERT_EQ(written, 0x78);
	KT_ASSERT(hole && hf.addr == HAL_KT_HOLE_VA && !hf.from_user &&
		  hf.access == VD_FAULT_READ);
	if (a64_has_pan)
		KT_ASSERT(pan && pf.addr == HAL_KT_STACK_VA && !pf.from_user);
}

/* Read a user address through the user-access window. */
static uint64_t user_word(vaddr_t va)
{
	hal_user_access_begin();
	uint64_t v = *(volatile uint64_t *)va;
	hal_user_access_end();
	return v;
}

/* Address spaces have ASIDs of their own (asid.c): switching keeps the
 * TLB, yet the same user address reads each space's own page, before
 * and after the other space ran. */
VD_KTEST(a64_asid_spaces_keep_their_own_translations)
{
	const vaddr_t va = USER_CODE;
	paddr_t a, b, fa = vd_pt_frame_alloc(), fb = vd_pt_frame_alloc();
	KT_ASSERT(fa && fb);
	*(uint64_t *)vd_phys_to_virt(fa) = 0xaaaa;
	*(uint64_t *)vd_phys_to_virt(fb) = 0xbbbb;
	KT_ASSERT_OK(hal_pt_create(&a));
	KT_ASSERT_OK(hal_pt_create(&b));
	unsigned asid_a = (unsigned)(a >> A64_TTBR_ASID_SHIFT);
	unsigned asid_b = (unsigned)(b >> A64_TTBR_ASID_SHIFT);
	KT_ASSERT_OK(hal_pt_map(a, va, fa, F_P | F_U | F_A | F_NX));
	KT_ASSERT_OK(hal_pt_map(b, va, fb, F_P | F_U | F_A | F_NX));

	hal_irqstate_t irq = hal_irq_save(); /* no switch in between */
	uint64_t seen[3];
	hal_pt_activate(a);
	seen[0] = user_word(va); /* a's entry is cached now */
	hal_pt_activate(b);
	seen[1] = user_word(va);
	hal_pt_activate(a);
	seen[2] = user_word(va);
	hal_pt_activate(hal_pt_kernel_root());
	hal_irq_restore(irq);

	KT_ASSERT_OK(hal_pt_unmap(a, va, NULL, NULL));
	KT_ASSERT_OK(hal_pt_unmap(b, va, NULL, NULL));
	hal_pt_destroy(a);
	hal_pt_destroy(b);
	vd_pt_frame_free(fa);
	vd_pt_frame_free(fb);
	KT_ASSERT(asid_a != 0 && asid_b != 0 && asid_a != asid_b);
	KT_ASSERT_EQ(hal_pt_kernel_root() >> A64_TTBR_ASID_SHIFT, 0);
	KT_ASSERT_EQ(seen[0], 0xaaaa);
	KT_ASSERT_EQ(seen[1], 0xbbbb);
	KT_ASSERT_EQ(seen[2], 0xaaaa);
}

/* ISR_EL1.I: an IRQ is pending at this CPU, whatever the controller
 * (GIC, BCM2836 local): the IPI is seen pending while masked and gone
 * once taken. */
static bool irq_pending_here(void)
{
	return a64_read_sysreg(isr_el1) & A64_ISR_I;
}

VD_KTEST(a64_self_ipi_pending_then_delivered)
{
	hal_irqstate_t s = hal_irq_save();
	KT_ASSERT(!irq_pending_here());
	hal_ipi_send(hal_cpu_id());
	bool pending = false;
	for (int i = 0; i < 1000 && !pending; i++)
		pending = irq_pending_here();
	hal_irq_local_enable(); /* taken here: vd_ipi runs */
	__asm__ volatile("isb" ::: "memory");
	bool still = irq_pending_here();
	hal_irq_restore(s);
	KT_ASSERT(pending);
	KT_ASSERT(!still);
	KT_ASSERT(a64_this_cpu()->cpu == hal_cpu_id());
}
