/*
 * RISC-V HAL ktests, part 1: the Sv39 side of page tables (entry bits of
 * every VD_PTE_* flag, Svpbmt, the kernel root, SUM, 2 MiB leaves in the
 * L1 table, exact table counts, code run through a fresh mapping).
 * What the hal_pt_* contract promises on every arch is tested in
 * tests/ktest/hal_pt.c; user mode in ktest_riscv64_user.c and
 * tests/ktest/hal_user.c.
 *
 * Faults are expected here: hal_kt_catch_fault (hal/ktest.h) arms core's
 * vd_page_fault_test_hook, which records the fault and hal_longjmps back
 * into the test (the trap frame is simply abandoned).
 */
#include <arch/cpu.h>
#include <arch/ktest.h>
#include <arch/mmu.h>
#include <veridian/boot.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/string.h>
#include <veridian/syscall.h>

extern char _kernel_start[];

/* The raw leaf entry for va, for the tests of its bits. */
uint64_t rv_ktest_raw_pte(paddr_t root, vaddr_t va)
{
	int level;
	uint64_t *e = rv_pt_walk(root, va, &level);
	return e ? *e : 0;
}

static size_t free_frames(void)
{
	struct vd_memory_stats st;
	vd_memory_stats(&st);
	return st.free_frames;
}

#define USER_VA	       ((vaddr_t)0x400000)
#define TEST_PTE_FLAGS (VD_PTE_PRESENT | VD_PTE_NO_EXECUTE)

/* The image where the loader put it, nothing in the kernel root's user
 * half, and no executable alias of RAM. */
VD_KTEST(rv_kernel_root)
{
	paddr_t kroot = hal_pt_kernel_root(), pa;
	KT_ASSERT_OK(hal_pt_query(kroot, (vaddr_t)_kernel_start, &pa, NULL));
	KT_ASSERT_EQ(pa, rv_kernel_pa);
	const uint64_t *root = vd_phys_to_virt(kroot);
	for (unsigned i = 0; i < RV_PT_ENTRIES / 2; i++)
		KT_ASSERT_EQ(root[i], 0);
	uintptr_t ram = (uintptr_t)vd_phys_to_virt(vd_boot_info->mem[0].base);
	KT_ASSERT(hal_kt_catch_fault(hal_kt_call, ram));
	KT_ASSERT_EQ(hal_kt_fault.access, VD_FAULT_EXEC);
}

/* Each portable flag, the Sv39 bit(s) it must set and must clear. */
static const struct {
	uint32_t flag;
	uint64_t set, clear;
} flag_bits[] = {
	{0, RV_PTE_V | RV_PTE_R,
	 RV_PTE_W | RV_PTE_X | RV_PTE_U | RV_PTE_G | RV_PTE_A | RV_PTE_D},
	{VD_PTE_WRITABLE, RV_PTE_W, 0},
	{VD_PTE_USER, RV_PTE_U, 0},
	{VD_PTE_GLOBAL, RV_PTE_G, 0},
	{VD_PTE_ACCESSED, RV_PTE_A, 0},
	{VD_PTE_DIRTY, RV_PTE_D, 0},
	{VD_PTE_CACHE_DISABLE, RV_PTE_SW_CD, RV_PTE_SW_WT},
	{VD_PTE_WRITE_THROUGH, RV_PTE_SW_WT, RV_PTE_SW_CD},
	{VD_PTE_HUGE, RV_PTE_V | RV_PTE_R, 0},
};

VD_KTEST(rv_pt_flag_encodings)
{
	paddr_t root, frame = vd_pt_frame_alloc(), pa;
	uint32_t flags;
	KT_ASSERT(frame != 0);
	KT_ASSERT_OK(hal_pt_create(&root));

	for (unsigned i = 0; i < VD_ARRAY_SIZE(flag_bits); i++) {
		uint32_t want = TEST_PTE_FLAGS | flag_bits[i].flag;
		vaddr_t va = USER_VA + i * VD_HUGE_PAGE_SIZE;
		paddr_t map_pa = frame;
		if (want & VD_PTE_HUGE)
			map_pa = VD_ALIGN_DOWN(frame,
					       (paddr_t)VD_HUGE_PAGE_SIZE);
		KT_ASSERT_OK(hal_pt_map(root, va, map_pa, want));
		KT_ASSERT_OK(hal_pt_query(root, va, &pa, &flags));
		KT_ASSERT_EQ(pa, map_pa);
		KT_ASSERT_EQ(flags, want);
		uint64_t pte = rv_ktest_raw_pte(root, va);
		KT_ASSERT_EQ(RV_PTE_TO_PA(pte), map_pa);
		KT_ASSERT_EQ(pte & flag_bits[i].set, flag_bits[i].set);
		KT_ASSERT_EQ(pte & flag_bits[i].clear, 0);
		KT_ASSERT_EQ(pte & RV_PTE_X, 0); /* NO_EXECUTE */
		uint64_t pbmt = 0;
		if (rv_has_svpbmt && (want & VD_PTE_CACHE_DISABLE))
			pbmt = RV_PTE_PBMT_IO;
		else if (rv_has_svpbmt && (want & VD_PTE_WRITE_THROUGH))
			pbmt = RV_PTE_PBMT_NC;
		KT_ASSERT_EQ(pte & RV_PTE_PBMT_MASK, pbmt);
		/* executable when NO_EXECUTE is absent */
		KT_ASSERT_OK(
			hal_pt_protect(root, va, want & ~VD_PTE_NO_EXECUTE));
		KT_ASSERT(rv_ktest_raw_pte(root, va) & RV_PTE_X);
		KT_ASSERT_OK(hal_pt_unmap(root, va, &pa, &flags));
		KT_ASSERT_EQ(pa, map_pa);
		KT_ASSERT_EQ(flags, want & ~VD_PTE_NO_EXECUTE);
		KT_ASSERT_EQ(hal_pt_query(root, va, &pa, &flags),
			     VD_ERR_MEM_NOT_MAPPED);
	}
	/* without PRESENT the entry is kept but invalid for the MMU */
	KT_ASSERT_OK(hal_pt_map(root, USER_VA, frame, VD_PTE_WRITABLE));
	KT_ASSERT_EQ(rv_ktest_raw_pte(root, USER_VA) & RV_PTE_V, 0);
	KT_ASSERT_OK(hal_pt_query(root, USER_VA, &pa, &flags));
	KT_ASSERT_EQ(flags, VD_PTE_WRITABLE);
	KT_ASSERT_EQ(hal_pt_map(root, USER_VA, frame, TEST_PTE_FLAGS),
		     VD_ERR_MEM_ALREADY_MAPPED);
	KT_ASSERT_OK(hal_pt_unmap(root, USER_VA, &pa, &flags));

	hal_pt_destroy(root);
	vd_pt_frame_free(frame);
}

VD_KTEST(rv_pt_access_through_mappings)
{
	paddr_t root, data = vd_pt_frame_alloc(), ro = vd_pt_frame_alloc(), pa;
	uint32_t flags;
	uint64_t satp = csr_read(satp);
	KT_ASSERT(data && ro);
	KT_ASSERT_OK(hal_pt_create(&root));
	uint32_t user_rw = VD_PTE_PRESENT | VD_PTE_USER | VD_PTE_WRITABLE |
			   VD_PTE_NO_EXECUTE;
	KT_ASSERT_OK(hal_pt_map(root, USER_VA, data, user_rw));
	KT_ASSERT_OK(hal_pt_map(root, USER_VA + VD_PAGE_SIZE, ro,
				user_rw & ~VD_PTE_WRITABLE));
	KT_ASSERT_OK(hal_pt_map(root, USER_VA + 2 * VD_PAGE_SIZE, data,
				user_rw & ~VD_PTE_PRESENT));
	/* a kernel (non-U) page in the user half needs no SUM */
	KT_ASSERT_OK(hal_pt_map(root, USER_VA + 3 * VD_PAGE_SIZE, data,
				user_rw & ~VD_PTE_USER));
	hal_pt_activate(root);

	/* SUM discipline: a user page is off limits outside the window */
	bool faulted = hal_kt_catch_fault(hal_kt_read, USER_VA);
	KT_ASSERT_EQ(hal_kt_fault.access, VD_FAULT_READ);
	KT_ASSERT(!hal_kt_fault.from_user);
	hal_user_access_begin();
	volatile uint64_t *p = (volatile uint64_t *)USER_VA;
	p[1] = 0x1234abcd;
	uint64_t back = ((volatile uint64_t *)vd_phys_to_virt(data))[1];
	bool ro_faulted =
		hal_kt_catch_fault(hal_kt_write, USER_VA + VD_PAGE_SIZE);
	unsigned ro_access = hal_kt_fault.access;
	bool np_faulted =
		hal_kt_catch_fault(hal_kt_read, USER_VA + 2 * VD_PAGE_SIZE);
	/* S-mode never executes a user page, SUM or not */
	bool exec_faulted = hal_kt_catch_fault(hal_kt_call, USER_VA);
	unsigned exec_access = hal_kt_fault.access;
	hal_user_access_end();
	uint64_t kernel_page =
		*(volatile uint64_t *)(USER_VA + 3 * VD_PAGE_SIZE + 8);

	csr_write(satp, satp);
	rv_sfence_vma_all();
	KT_ASSERT(faulted);
	KT_ASSERT_EQ(back, 0x1234abcd);
	KT_ASSERT_EQ(kernel_page, 0x1234abcd);
	KT_ASSERT(ro_faulted);
	KT_ASSERT_EQ(ro_access, VD_FAULT_WRITE);
	KT_ASSERT(np_faulted);
	KT_ASSERT(exec_faulted);
	KT_ASSERT_EQ(exec_access, VD_FAULT_EXEC);
	/* the MMU set accessed + dirty on the page we wrote, only accessed
	 * on the one we read */
	KT_ASSERT_OK(hal_pt_query(root, USER_VA, &pa, &flags));
	KT_ASSERT_EQ(flags & (VD_PTE_ACCESSED | VD_PTE_DIRTY),
		     VD_PTE_ACCESSED | VD_PTE_DIRTY);
	KT_ASSERT_OK(
		hal_pt_query(root, USER_VA + 3 * VD_PAGE_SIZE, &pa, &flags));
	KT_ASSERT_EQ(flags & (VD_PTE_ACCESSED | VD_PTE_DIRTY), VD_PTE_ACCESSED);
	hal_pt_destroy(root);
	vd_pt_frame_free(data);
	vd_pt_frame_free(ro);
}

/* A 2 MiB leaf lives in the L1 table, and the MMU reaches its middle. */
VD_KTEST(rv_pt_huge_pages)
{
	struct vd_frame big;
	paddr_t root;
	uint32_t huge = VD_PTE_PRESENT | VD_PTE_WRITABLE | VD_PTE_NO_EXECUTE |
			VD_PTE_HUGE;
	vaddr_t va = 0x40000000;
	uint64_t satp = csr_read(satp);

	KT_ASSERT_OK(vd_frame_alloc(512, VD_ZONE_NORMAL, &big));
	paddr_t base = vd_frame_addr(big);
	KT_ASSERT(VD_IS_ALIGNED(base, (paddr_t)VD_HUGE_PAGE_SIZE));
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_OK(hal_pt_map(root, va, base, huge));
	uint64_t *l1 = vd_phys_to_virt(RV_PTE_TO_PA(
		((uint64_t *)vd_phys_to_virt(root))[RV_PT_INDEX(va, 2)]));
	KT_ASSERT(RV_PTE_IS_LEAF(l1[RV_PT_INDEX(va, 1)]));
	hal_pt_activate(root);
	*(volatile uint64_t *)(va + 0x1ff008) = 0xfeedf00d;
	csr_write(satp, satp);
	rv_sfence_vma_all();
	KT_ASSERT_EQ(*(uint64_t *)vd_phys_to_virt(base + 0x1ff008), 0xfeedf00d);
	hal_pt_destroy(root);
	vd_frame_free(big, 512);
}

/* Unknown flag bits are refused; the first page of a region takes
 * exactly an L1 and an L0 table, which go again with the last page. */
VD_KTEST(rv_pt_bad_flags_and_table_counts)
{
	paddr_t root, pa, frame = vd_pt_frame_alloc();
	uint32_t flags;
	KT_ASSERT(frame != 0);
	size_t before = free_frames();
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_EQ(hal_pt_map(root, USER_VA, frame, 1u << 10),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(hal_pt_protect(root, USER_VA, 1u << 10),
		     VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_OK(hal_pt_map(root, USER_VA, frame, TEST_PTE_FLAGS));
	KT_ASSERT_EQ(free_frames(), before - 3);
	KT_ASSERT_OK(hal_pt_map(root, USER_VA + VD_PAGE_SIZE, frame,
				TEST_PTE_FLAGS));
	KT_ASSERT_OK(hal_pt_unmap(root, USER_VA, &pa, &flags));
	KT_ASSERT_EQ(free_frames(), before - 3);
	KT_ASSERT_OK(hal_pt_unmap(root, USER_VA + VD_PAGE_SIZE, &pa, &flags));
	KT_ASSERT_EQ(free_frames(), before - 1);
	KT_ASSERT_EQ(
		((uint64_t *)vd_phys_to_virt(root))[RV_PT_INDEX(USER_VA, 2)],
		0);
	hal_pt_destroy(root);
	vd_pt_frame_free(frame);
}

/*
 * Code written through the data side runs after hal_icache_sync, and
 * stops running once the page is made NO_EXECUTE.  Uses a kernel-half
 * address of the kernel root: its two intermediate tables stay.
 */
VD_KTEST(rv_pt_kernel_exec_and_nx)
{
	static const uint32_t code[] = {
		0x02a00513, /* addi a0, zero, 42 */
		0x00008067, /* jalr zero, 0(ra)  (ret) */
	};
	vaddr_t va = 0xfffffff000000000ul;
	paddr_t root = hal_pt_kernel_root(), frame = vd_pt_frame_alloc(), pa;
	uint32_t flags;
	KT_ASSERT(frame != 0);
	vd_memcpy(vd_phys_to_virt(frame), code, sizeof(code));
	hal_icache_sync(vd_phys_to_virt(frame), sizeof(code));
	KT_ASSERT_OK(
		hal_pt_map(root, va, frame, VD_PTE_PRESENT | VD_PTE_GLOBAL));
	int (*fn)(void) = (int (*)(void))va;
	KT_ASSERT_EQ(fn(), 42);
	KT_ASSERT_OK(hal_pt_protect(
		root, va, VD_PTE_PRESENT | VD_PTE_GLOBAL | VD_PTE_NO_EXECUTE));
	KT_ASSERT(hal_kt_catch_fault(hal_kt_call, va));
	KT_ASSERT_EQ(hal_kt_fault.access, VD_FAULT_EXEC);
	KT_ASSERT_EQ(hal_kt_fault.addr, va);
	KT_ASSERT_OK(hal_pt_unmap(root, va, &pa, &flags));
	KT_ASSERT_EQ(pa, frame);
	vd_pt_frame_free(frame);
}
