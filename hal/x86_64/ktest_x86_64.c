/*
 * x86_64 HAL ktests: the hardware side of page tables (the entry bits of
 * every VD_PTE_* flag, A/D set by the CPU, CR0.WP, 2 MiB PS entries),
 * SMEP/SMAP, the drivers bound, the I/O APIC and IPIs.  What the hal_pt_*
 * contract promises on every arch is tested in tests/ktest/hal_pt.c.
 */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <hal/driver.h>
#include <hal/ktest.h>
#include <veridian/ktest.h>
#include <veridian/string.h>

extern char __rodata_start[];
/* hal/drivers/irq/x86_apic.c */
uint32_t x86_ioapic_redir_low(unsigned irq);

/* ---- helpers ---- */

uint64_t x86_kt_raw_entry(paddr_t root, vaddr_t va)
{
	int level;
	uint64_t *e = x86_pt_walk(root, va, &level);
	return e ? *e : 0;
}

static void user_read(uintptr_t p)
{
	hal_user_access_begin();
	(void)*(volatile uint64_t *)p;
	hal_user_access_end();
}

#define TEST_VA	      ((vaddr_t)0x400000)
#define ALL_KERNEL_RW (VD_PTE_PRESENT | VD_PTE_WRITABLE | VD_PTE_NO_EXECUTE)

/* ---- page-table encoding ---- */

VD_KTEST(x86_pt_flag_encoding)
{
	static const struct {
		uint32_t flag;
		uint64_t bit;
	} cases[] = {
		{VD_PTE_WRITABLE, X86_PTE_RW},
		{VD_PTE_USER, X86_PTE_US},
		{VD_PTE_WRITE_THROUGH, X86_PTE_PWT},
		{VD_PTE_CACHE_DISABLE, X86_PTE_PCD},
		{VD_PTE_ACCESSED, X86_PTE_A},
		{VD_PTE_DIRTY, X86_PTE_D},
		{VD_PTE_GLOBAL, X86_PTE_G},
		{VD_PTE_NO_EXECUTE, X86_PTE_XD},
	};
	paddr_t root, frame = vd_pt_frame_alloc();
	KT_ASSERT(frame != 0);
	KT_ASSERT_OK(hal_pt_create(&root));
	for (unsigned i = 0; i < VD_ARRAY_SIZE(cases); i++) {
		vaddr_t va = TEST_VA + i * VD_PAGE_SIZE;
		uint32_t want = VD_PTE_PRESENT | cases[i].flag;
		KT_ASSERT_OK(hal_pt_map(root, va, frame, want));
		uint64_t e = x86_kt_raw_entry(root, va);
		KT_ASSERT_EQ(e & X86_PTE_ADDR, frame);
		KT_ASSERT(e & X86_PTE_P);
		KT_ASSERT(e & cases[i].bit);
		KT_ASSERT(!(e & X86_PTE_PS)); /* PAT bit in a 4 KiB PTE */
	}
	/* a mapping without PRESENT: not present to the CPU, still there */
	vaddr_t np = TEST_VA + 64 * VD_PAGE_SIZE;
	KT_ASSERT_OK(hal_pt_map(root, np, frame, VD_PTE_WRITABLE));
	uint64_t e = x86_kt_raw_entry(root, np);
	KT_ASSERT(!(e & X86_PTE_P) && (e & X86_PTE_SW_LEAF));
	hal_pt_destroy(root);
	vd_pt_frame_free(frame);
}

/* ---- map, access, hardware A/D, protect, unmap ---- */

static paddr_t saved_cr3;

static void enter(paddr_t root)
{
	saved_cr3 = x86_read_cr3();
	hal_pt_activate(root);
}

static void leave(void)
{
	hal_pt_activate(saved_cr3);
}

VD_KTEST(x86_pt_map_access_unmap)
{
	paddr_t root, pa, frame = vd_pt_frame_alloc();
	uint32_t flags;
	KT_ASSERT(frame != 0);
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_OK(hal_pt_map(root, TEST_VA, frame, ALL_KERNEL_RW));
	KT_ASSERT_OK(hal_pt_query(root, TEST_VA, &pa, &flags));
	KT_ASSERT_EQ(flags & (VD_PTE_ACCESSED | VD_PTE_DIRTY), 0);

	enter(root);
	*(volatile uint64_t *)TEST_VA = 0x1122334455667788ull;
	uint64_t back = *(volatile uint64_t *)TEST_VA;
	/* write-protect: a kernel write must now fault (CR0.WP) */
	vd_err_t perr = hal_pt_protect(root, TEST_VA,
				       VD_PTE_PRESENT | VD_PTE_NO_EXECUTE);
	bool wfault = hal_kt_catch_fault(hal_kt_write, TEST_VA);
	struct hal_kt_fault wf = hal_kt_fault;
	bool rfault = hal_kt_catch_fault(hal_kt_read, TEST_VA);
	leave();

	KT_ASSERT_EQ(back, 0x1122334455667788ull);
	KT_ASSERT_EQ(*(uint64_t *)vd_phys_to_virt(frame), back);
	KT_ASSERT_OK(perr);
	KT_ASSERT(wfault);
	KT_ASSERT_EQ(wf.addr, TEST_VA);
	KT_ASSERT_EQ(wf.access, VD_FAULT_WRITE);
	KT_ASSERT(!wf.from_user);
	KT_ASSERT(!rfault);

	/* the CPU set A; protect kept the frame */
	KT_ASSERT_OK(hal_pt_unmap(root, TEST_VA, &pa, &flags));
	KT_ASSERT_EQ(pa, frame);
	KT_ASSERT_EQ(flags & VD_PTE_WRITABLE, 0);
	KT_ASSERT(flags & VD_PTE_ACCESSED);
	hal_pt_destroy(root);
	vd_pt_frame_free(frame);
}

VD_KTEST(x86_pt_dirty_bit_set_by_cpu)
{
	paddr_t root, frame = vd_pt_frame_alloc();
	uint32_t f1, f2;
	KT_ASSERT(frame != 0);
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_OK(hal_pt_map(root, TEST_VA, frame, ALL_KERNEL_RW));
	enter(root);
	(void)*(volatile uint64_t *)TEST_VA;
	vd_err_t e1 = hal_pt_query(root, TEST_VA, NULL, &f1);
	*(volatile uint64_t *)TEST_VA = 1;
	vd_err_t e2 = hal_pt_query(root, TEST_VA, NULL, &f2);
	leave();
	KT_ASSERT_OK(e1);
	KT_ASSERT_OK(e2);
	KT_ASSERT_EQ(f1 & (VD_PTE_ACCESSED | VD_PTE_DIRTY), VD_PTE_ACCESSED);
	KT_ASSERT_EQ(f2 & (VD_PTE_ACCESSED | VD_PTE_DIRTY),
		     VD_PTE_ACCESSED | VD_PTE_DIRTY);
	hal_pt_destroy(root); /* frees tables, not the leaf frame */
	vd_pt_frame_free(frame);
}

/* ---- 2 MiB leaves ---- */

VD_KTEST(x86_pt_huge_page)
{
	const vaddr_t va = 0x40000000;
	const paddr_t pa =
		X86_KERNEL_LOAD; /* the kernel image: 2 MiB aligned */
	paddr_t root;
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_OK(
		hal_pt_map(root, va, pa,
			   VD_PTE_PRESENT | VD_PTE_HUGE | VD_PTE_NO_EXECUTE));
	uint64_t e = x86_kt_raw_entry(root, va);
	KT_ASSERT(e & X86_PTE_PS);
	KT_ASSERT_EQ(e & X86_PTE_ADDR, pa);

	/* the same bytes as the kernel image */
	uintptr_t off = X86_PA((uintptr_t)__rodata_start) - pa;
	enter(root);
	uint64_t through_huge = *(volatile uint64_t *)(va + off);
	leave();
	KT_ASSERT_EQ(through_huge, *(uint64_t *)__rodata_start);
	hal_pt_destroy(root);
}

/* ---- SMEP / SMAP ---- */

VD_KTEST(x86_smep_smap_protect_kernel)
{
	paddr_t root, frame = vd_pt_frame_alloc();
	KT_ASSERT(frame != 0);
	*(uint8_t *)vd_phys_to_virt(frame) = 0xc3; /* ret */
	KT_ASSERT_OK(hal_pt_create(&root));
	KT_ASSERT_OK(
		hal_pt_map(root, TEST_VA, frame, VD_PTE_PRESENT | VD_PTE_USER));
	enter(root);
	bool smep = hal_kt_catch_fault(hal_kt_call, TEST_VA);
	struct hal_kt_fault smep_f = hal_kt_fault;
	bool smap = hal_kt_catch_fault(hal_kt_read, TEST_VA);
	struct hal_kt_fault smap_f = hal_kt_fault;
	bool opened = hal_kt_catch_fault(user_read, TEST_VA);
	leave();
	if (x86_features.smep) {
		KT_ASSERT(smep);
		KT_ASSERT_EQ(smep_f.access, VD_FAULT_EXEC);
		KT_ASSERT(!smep_f.from_user);
	}
	if (x86_features.smap) {
		KT_ASSERT(smap);
		KT_ASSERT_EQ(smap_f.addr, TEST_VA);
		KT_ASSERT_EQ(smap_f.access, VD_FAULT_READ);
	}
	KT_ASSERT(!opened); /* inside hal_user_access_begin/end */
	KT_ASSERT(!(x86_read_rflags() & X86_RFLAGS_AC));
	hal_pt_destroy(root);
	vd_pt_frame_free(frame);
}

/* ---- random numbers ---- */

/* The boards' CPU ("max") has RDRAND, so the rdrand driver is bound and
 * hal_entropy always delivers here; tests/ktest/core_boot.c checks the
 * draws on every arch. */
VD_KTEST(x86_entropy_rdrand)
{
	uint64_t v;

	KT_ASSERT(x86_features.rdrand);
	KT_ASSERT(vd_driver_bound(VD_ROLE_ENTROPY) != NULL);
	KT_ASSERT(vd_strcmp(vd_driver_bound(VD_ROLE_ENTROPY)->name, "rdrand") ==
		  0);
	KT_ASSERT(hal_entropy(&v));
}

/* ---- drivers ---- */

/* Every PC board has a 16550 (COM1 unless the command line says), ACPI
 * with a MADT (I/O APIC, INIT-SIPI) and an FADT (S5); the boards name
 * their exit device on the command line, which outranks S5. */
VD_KTEST(x86_drivers_bound)
{
	const struct vd_driver *con = vd_driver_bound(VD_ROLE_CONSOLE);
	const struct vd_driver *irq = vd_driver_bound(VD_ROLE_IRQ);
	const struct vd_driver *cpu = vd_driver_bound(VD_ROLE_CPU);
	const struct vd_driver *pwr = vd_driver_bound(VD_ROLE_POWER);

	KT_ASSERT(con && irq && cpu && pwr);
	KT_ASSERT(vd_strcmp(con->name, "ns16550-pio") == 0);
	KT_ASSERT(vd_strcmp(irq->name, "x86-apic") == 0);
	KT_ASSERT(vd_strcmp(cpu->name, "init-sipi") == 0);
	if (vd_strcmp(pwr->name, "isa-debug-exit") == 0)
		KT_ASSERT(vd_driver_device(VD_ROLE_POWER)->base != 0);
	else
		KT_ASSERT(vd_strcmp(pwr->name, "acpi-s5") == 0);
}

/* vd.<role>= binds a driver without its match: the ACPI-matched ones
 * then find no table and must refuse with an error, not assert. */
extern const struct vd_driver acpi_s5_driver, x86_apic_driver;

static const void *no_acpi_table(const char signature[4])
{
	(void)signature;
	return NULL;
}

VD_KTEST(x86_acpi_drivers_refuse_without_their_table)
{
	const struct vd_probe_env env = {.acpi_find = no_acpi_table,
					 .cmdline = ""};
	const struct vd_probe_env no_acpi = {.cmdline = ""};
	struct vd_device dev = {.env = &env, .node = -1};
	struct vd_device dev_no_acpi = {.env = &no_acpi, .node = -1};

	KT_ASSERT(acpi_s5_driver.probe(&dev) != VD_OK);
	KT_ASSERT(x86_apic_driver.probe(&dev) != VD_OK);
	KT_ASSERT(acpi_s5_driver.probe(&dev_no_acpi) != VD_OK);
	KT_ASSERT(x86_apic_driver.probe(&dev_no_acpi) != VD_OK);
}

/* A MADT entry shorter than its type's fields stops the walk (the fields
 * would be read past the entry, or past the table). */
VD_KTEST(x86_madt_walk_stops_at_a_short_entry)
{
	static union {
		struct acpi_madt madt;
		uint8_t bytes[sizeof(struct acpi_madt) + 8 + 8 + 12];
	} t;
	uint8_t *e = t.madt.entries;
	unsigned seen = 0;

	vd_memset(&t, 0, sizeof(t));
	t.madt.hdr.length = sizeof(t);
	e[0] = ACPI_MADT_LAPIC; /* 8 bytes: fine */
	e[1] = 8;
	e[8] = ACPI_MADT_IOAPIC; /* needs 12, says 8 */
	e[9] = 8;
	e[16] = ACPI_MADT_IOAPIC; /* fine, but after the bad one */
	e[17] = 12;
	ACPI_MADT_FOR_EACH(&t.madt, p)
	{
		(void)p;
		seen++;
	}
	KT_ASSERT_EQ(seen, 1);
	e[9] = 8;
	e[8] = 0x7f; /* a type not read here: 2 bytes suffice */
	seen = 0;
	ACPI_MADT_FOR_EACH(&t.madt, p)
	{
		(void)p;
		seen++;
	}
	KT_ASSERT_EQ(seen, 3);
}

/* ---- interrupt controller ---- */

VD_KTEST(x86_ioapic_mask_unmask)
{
	const unsigned irq = 4; /* COM1 */
	uint32_t before = x86_ioapic_redir_low(irq);
	KT_ASSERT(before & (1u << 16)); /* masked at boot */
	hal_irq_unmask(irq);
	uint32_t on = x86_ioapic_redir_low(irq);
	hal_irq_mask(irq);
	uint32_t off = x86_ioapic_redir_low(irq);
	KT_ASSERT_EQ(on & 0x100ff, X86_VEC_IRQ_BASE + irq);
	KT_ASSERT(off & (1u << 16));
}

/* Wait up to 200 ms (interrupts taken in hal_cpu_idle) for *counter to
 * pass `before`. */
static bool wait_for_count(volatile uint64_t *counter, uint64_t before)
{
	uint64_t end = hal_timer_now_ns() + 200000000ull;
	hal_irqstate_t s = hal_irq_save();
	while (*counter == before && hal_timer_now_ns() < end)
		hal_cpu_idle();
	hal_irq_restore(s);
	return *counter != before;
}

/*
 * PIT channel 0 in mode 0 raises its output (ISA IRQ 0, GSI 2 on QEMU
 * through the MADT override) once its count runs out: a real device
 * interrupt through the I/O APIC to vd_irq(0).
 */
VD_KTEST(x86_ioapic_delivers_pit_irq)
{
	uint64_t before = x86_irq_counts[0];
	hal_irqstate_t s = hal_irq_save();
	hal_irq_unmask(0);
	x86_outb(0x43, 0x30);	     /* channel 0, lobyte/hibyte, mode 0 */
	x86_outb(0x40, 1193 & 0xff); /* 1 ms */
	x86_outb(0x40, 1193 >> 8);
	bool got = wait_for_count(&x86_irq_counts[0], before);
	hal_irq_mask(0);
	hal_irq_restore(s);
	KT_ASSERT(got);
}

VD_KTEST(x86_ipi_reaches_every_cpu)
{
	hal_irqstate_t s = hal_irq_save();
	bool ok = true;
	unsigned bad = 0;
	for (unsigned c = 0; c < VD_MAX_CPUS && ok; c++) {
		if (!x86_percpu[c].online)
			continue;
		uint64_t before = x86_percpu[c].ipis;
		hal_ipi_send(c);
		ok = wait_for_count(&x86_percpu[c].ipis, before);
		bad = c;
	}
	hal_irq_restore(s);
	KT_ASSERT_EQ(ok ? VD_MAX_CPUS : bad, VD_MAX_CPUS);
}
