/*
 * Boot CPU, upper half: from head.S to vd_kmain.
 *
 *   1. read the DTB through the identity map (TTBR0 still holds it) to
 *      learn where RAM is, and map all of it at the physmap;
 *   2. re-read the DTB through the physmap into struct vd_boot_info (its
 *      strings then stay valid after the identity map is gone), add the
 *      kernel image as VD_MEM_KERNEL;
 *   3. switch TTBR0 to the empty "no process" table;
 *   4. bind a driver per role from the DTB and the command line
 *      (hal/common/include/hal/driver.h): console, power, irq (and the
 *      boot CPU's interface), cpu, entropy; then the timer, whose
 *      interrupt the irq driver translates; then vd_kmain.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <hal/boot_info.h>
#include <hal/driver.h>
#include <hal/unwind.h>
#include <veridian/boot.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

extern char _start[], _end[];
void a64_boot_mmu_now_on(void);

static struct vd_boot_info boot_info;
/* The DTB and the probe environment outlive a64_boot_main's frame: bound
 * drivers keep a pointer to env (struct vd_device), tests read the tree
 * through a64_boot_fdt once the boot stack is someone else's. */
static struct fdt boot_fdt;
static struct vd_probe_env probe_env;
const struct fdt *a64_boot_fdt = &boot_fdt;

static void map_all_ram(const struct vd_boot_info *bi)
{
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct vd_mem_region *r = &bi->mem[i];
		paddr_t lo = VD_ALIGN_UP(r->base, (paddr_t)VD_PAGE_SIZE);
		paddr_t hi =
			VD_ALIGN_DOWN(r->base + r->size, (paddr_t)VD_PAGE_SIZE);
		if (r->type == VD_MEM_USABLE && hi > lo)
			a64_map_physmap(lo, hi - lo);
	}
}

/* Without an interrupt controller there is no timer and no scheduling:
 * stop with the reason rather than hang at the first wait. */
static void probe_irq(const struct vd_probe_env *env)
{
	const struct vd_irq_ops *ops;

	if (!vd_driver_probe(VD_ROLE_IRQ, env))
		vd_panic("aarch64: no interrupt controller driver for this "
			 "board");
	ops = vd_driver_ops(VD_ROLE_IRQ);
	VD_ASSERT(ops->cpu_init && ops->handle && ops->ipi_send && ops->xlate);
	ops->cpu_init();
}

VD_NORETURN void a64_boot_main(paddr_t load_pa, paddr_t dtb_pa,
			       unsigned entry_el)
{
	struct vd_boot_info *bi = &boot_info;
	struct fdt *f = &boot_fdt;

	a64_boot_mmu_now_on();
	a64_cpu_local_init(0);

	if (!fdt_init(f, (const void *)(uintptr_t)dtb_pa)) {
		/* No DTB: nothing to print with; a power driver that needs
		 * no description (semihosting) may still end the run. */
		const struct vd_probe_env none = {.cmdline = ""};
		vd_driver_probe(VD_ROLE_POWER, &none);
		hal_poweroff(3);
	}
	uint64_t boot_hwid = a64_mpidr_aff();
	fdt_fill_boot_info(f, bi, dtb_pa, boot_hwid);
	map_all_ram(bi);

	vd_memset(bi, 0, sizeof(*bi));
	fdt_init(f, vd_phys_to_virt(dtb_pa));
	if (!fdt_fill_boot_info(f, bi, dtb_pa, boot_hwid))
		vd_panic("aarch64: the DTB lists more memory regions than "
			 "boot info holds (%d)",
			 VD_MAX_MEM_REGIONS);
	hal_boot_info_finish(bi, "direct load (no U-Boot)", load_pa,
			     (uint64_t)(_end - _start));
	hal_unwind_init(bi);

	a64_write_sysreg(ttbr0_el1, a64_empty_user_root);
	a64_isb();
	__asm__ volatile("tlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");

	probe_env = (struct vd_probe_env){.fdt = f, .cmdline = bi->cmdline};
	const struct vd_probe_env *env = &probe_env;
	vd_driver_probe(VD_ROLE_CONSOLE, env);
	if (a64_boot_pool_exhausted)
		vd_panic("aarch64: boot page-table pool exhausted");
	if (!bi->cpu_count) {
		bi->cpu_count = 1;
		bi->cpu_hwid[0] = boot_hwid;
	}
	a64_cpu_total = VD_MIN(bi->cpu_count, (unsigned)VD_MAX_CPUS);
	for (unsigned i = 0; i < a64_cpu_total; i++)
		a64_cpu_hwid[i] = bi->cpu_hwid[i] & A64_MPIDR_AFF_MASK;
	/* power right after the console: a panic in what follows (no
	 * interrupt controller) then ends the run instead of hanging */
	vd_driver_probe(VD_ROLE_POWER, env);
	probe_irq(env);
	vd_driver_probe(VD_ROLE_CPU, env);
	vd_driver_probe(VD_ROLE_ENTROPY, env);
	a64_timer_init(f);
	a64_timer_cpu_init();
	kprintf("aarch64: entered at EL%u, image at 0x%llx, PAN %s, "
		"hardware A/D %s\n",
		entry_el, (unsigned long long)load_pa,
		a64_has_pan ? "on" : "absent",
		(a64_mmu_params.tcr >> 39) & 1 ? "on" : "no (emulated)");
	a64_cpu_mark_online();
	vd_kmain(bi);
}
