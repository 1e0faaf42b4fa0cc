/*
 * Boot hart, first C code in the upper half: read the DTB, bind the
 * console driver, build the physmap, bring up the timer and the other
 * drivers (interrupt controller, CPU start, power, entropy), and call
 * vd_kmain.  head.S got here with the MMU on, tp = CPU 0's per-CPU block
 * and the trap vector installed.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <arch/sbi.h>
#include <hal/boot_info.h>
#include <hal/driver.h>
#include <hal/fdt.h>
#include <hal/unwind.h>
#include <veridian/boot.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

uintptr_t hal_physmap_base = RV_PHYSMAP_BASE;
const struct vd_boot_info *rv_boot_info;
const struct fdt *rv_boot_fdt;

static struct vd_boot_info boot_info;
static struct fdt boot_fdt;
static char firmware_name[64];

extern char _kernel_start[], _end[];
extern char rv_boot_stack[];

VD_NORETURN void rv_boot_main(uint64_t hartid, paddr_t dtb_pa);

/* Does the ISA string ("rv64imac_zicsr_svpbmt") name extension ext? */
static bool isa_has(const char *isa, const char *ext)
{
	size_t n = vd_strlen(ext);
	for (const char *p = isa; (p = vd_strchr(p, '_')) != NULL;) {
		p++;
		if (vd_strncmp(p, ext, n) == 0 && (p[n] == '_' || p[n] == '\0'))
			return true;
	}
	return false;
}

static const char *boot_cpu_isa(const struct fdt *f, uint64_t hartid)
{
	int cpus = fdt_path(f, "/cpus");
	for (int n = cpus < 0 ? -1 : fdt_first_child(f, cpus); n >= 0;
	     n = fdt_next_sibling(f, n)) {
		uint64_t reg, size;
		uint32_t len;
		const char *isa = fdt_prop(f, n, "riscv,isa", &len);
		if (isa && len > 0 && isa[len - 1] == '\0' &&
		    fdt_reg(f, n, 0, &reg, &size) && reg == hartid)
			return isa;
	}
	return "";
}

/* "OpenSBI v1.1" (+ " + U-Boot" when U-Boot booti'd us): the SBI
 * implementation id and version come from the firmware itself. */
static const char *firmware_describe(const struct vd_boot_info *bi)
{
	struct sbiret id =
		sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0);
	struct sbiret ver =
		sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0);
	const char *via = bi->firmware ? " + U-Boot" : "";
	if (id.error == 0 && id.value == 1)
		vd_snprintf(firmware_name, sizeof(firmware_name),
			    "OpenSBI v%ld.%ld%s", (long)(ver.value >> 16),
			    (long)(ver.value & 0xffff), via);
	else
		vd_snprintf(firmware_name, sizeof(firmware_name),
			    "SBI impl %ld%s", id.value, via);
	return firmware_name;
}

VD_NORETURN void rv_boot_main(uint64_t hartid, paddr_t dtb_pa)
{
	struct vd_boot_info *bi = &boot_info;
	struct rv_percpu *cpu = &rv_percpu[0];
	static struct vd_probe_env env; /* bound devices keep a pointer */

	cpu->cpu_id = 0;
	cpu->hartid = hartid;
	cpu->plic_context = -1;
	cpu->boot_stack_top = (uintptr_t)rv_boot_stack + RV_BOOT_STACK_SIZE;
	cpu->user_ctx = cpu->boot_stack_top - CTX_SIZE;

	/* rv_early_map mapped the DTB's gigabyte in the physmap. */
	bool dtb_ok = dtb_pa < RV_PHYSMAP_LIMIT &&
		      fdt_init(&boot_fdt, vd_phys_to_virt(dtb_pa));
	bool info_ok =
		dtb_ok && fdt_fill_boot_info(&boot_fdt, bi, dtb_pa, hartid);
	if (dtb_ok)
		rv_has_svpbmt =
			isa_has(boot_cpu_isa(&boot_fdt, hartid), "svpbmt");

	/*
	 * The console first, so that everything after it is seen: nothing
	 * prints before this point.  Its registers go into the MMIO window,
	 * which does not depend on the physmap built below.  Without a DTB
	 * only detect can match: the legacy SBI console (sbi-legacy), which
	 * then carries the panic.
	 */
	env.fdt = dtb_ok ? &boot_fdt : NULL;
	env.cmdline = bi->cmdline ? bi->cmdline : "";
	vd_driver_probe(VD_ROLE_CONSOLE, &env);
	/* power next (sifive_test maps into the MMIO window too; SBI SRST
	 * needs no DTB), so that a panic below ends the run instead of
	 * waiting for the runner's timeout */
	vd_driver_probe(VD_ROLE_POWER, &env);
	if (!dtb_ok)
		vd_panic("riscv: no valid DTB at 0x%llx (a1 at entry)",
			 (unsigned long long)dtb_pa);
	if (!info_ok)
		vd_panic("riscv: the DTB lists more memory regions than boot "
			 "info holds (%d)",
			 VD_MAX_MEM_REGIONS);
	rv_smp_drop_harts(bi, &boot_fdt);
	bi->firmware = firmware_describe(bi);
	hal_boot_info_finish(bi, bi->firmware, rv_kernel_pa,
			     (uint64_t)(_end - _kernel_start));

	/* The real physmap keeps the DTB at the same virtual address, so
	 * boot_fdt and the strings bi points into stay valid. */
	rv_physmap_init(bi, dtb_pa, boot_fdt.size);
	hal_unwind_init(bi);

	kprintf("riscv: boot hart %llu, Sv39, Svpbmt %s\n",
		(unsigned long long)hartid, rv_has_svpbmt ? "on" : "off");
	rv_timer_init(&boot_fdt);
	/*
	 * The other roles (hal/drivers/): the PLIC, SBI HSM for the other
	 * harts, and entropy from a virtio-rng where the board has one (the
	 * Zkr seed CSR is M-mode's unless the firmware opens it with
	 * mseccfg.SSEED, which OpenSBI does not).
	 */
	if (vd_driver_probe(VD_ROLE_IRQ, &env)) {
		const struct vd_irq_ops *irq = vd_driver_ops(VD_ROLE_IRQ);
		irq->cpu_init();
	}
	vd_driver_probe(VD_ROLE_CPU, &env);
	vd_driver_probe(VD_ROLE_ENTROPY, &env);
	rv_smp_init(bi, hartid);
	rv_trap_cpu_init();
	cpu->online = true;

	rv_boot_info = bi;
	rv_boot_fdt = &boot_fdt;
	vd_kmain(bi);
}
