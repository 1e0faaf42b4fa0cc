/*
 * The driver model: how one kernel image per architecture finds the
 * hardware of whatever board it boots on.
 *
 * A driver is one file under hal/drivers/<role>/ that declares, with
 * VD_DRIVER, what it matches and which HAL role it serves:
 *
 *   role       HAL functions it backs                ops structure
 *   console    hal_console_putc / hal_console_getc   vd_console_ops
 *   irq        hal_irq_unmask / mask, IPIs, dispatch vd_irq_ops
 *   cpu        hal_cpu_start (secondary CPUs)        vd_cpu_ops
 *   power      hal_poweroff                          vd_power_ops
 *   entropy    hal_entropy                           vd_entropy_ops
 *
 * What a driver matches, tried in this order:
 *   compatible  device-tree "compatible" strings: each enabled node
 *               (status absent or "okay") carrying one, in document order,
 *               until probe() accepts one (a "virtio,mmio" transport, say,
 *               that holds the right device);
 *   acpi        an ACPI table signature ("APIC"): matches if the firmware's
 *               ACPI tables (x86_64) hold that table;
 *   detect      a function for what no table describes (a CPU feature such
 *               as RDRAND or RNDR, an SBI extension, a firmware call).
 * Among the drivers of one role that match, the highest `priority` whose
 * probe() succeeds is bound; the others are never called.  For the
 * console the node /chosen/stdout-path names comes first, before any
 * priority: every driver (highest first) is tried on it, then everything
 * else as above, so the firmware's choice of UART wins.
 *
 * The kernel command line can override the choice per role, the way
 * Linux's earlycon does, for what a board cannot describe (an exit device
 * QEMU adds with -device, a port on a PC):
 *   vd.<role>=<driver>[@<hex address>]   bind that driver (its match is
 *                                         not required; the address, if
 *                                         given, becomes dev->base)
 *   vd.<role>=none                       bind nothing for the role
 * The last vd.<role>= of a role counts; a value over 63 characters is
 * refused with a message (probing then runs as without the option).
 *
 * Probing runs per role when the arch's boot code calls vd_driver_probe():
 * console first (so the rest can be logged), then irq, cpu, power and
 * entropy.  Each binding is logged as "driver: <role> <name> ...", and
 * vd_driver_bound() answers which driver serves a role (tests, dump).
 */
#ifndef HAL_DRIVER_H
#define HAL_DRIVER_H

#include <hal/fdt.h>
#include <veridian/hal.h>
#include <veridian/types.h>

enum vd_driver_role {
	VD_ROLE_CONSOLE,
	VD_ROLE_IRQ,
	VD_ROLE_CPU,
	VD_ROLE_POWER,
	VD_ROLE_ENTROPY,
	VD_ROLE_COUNT
};

/* What a probe is given: the firmware's descriptions of the machine. */
struct vd_probe_env {
	const struct fdt *fdt; /* NULL where the firmware gave no DTB */
	/* ACPI table by signature, NULL if absent or no ACPI (x86_64 only) */
	const void *(*acpi_find)(const char signature[4]);
	const char *cmdline; /* the kernel command line, never NULL */
};

/* The device a driver is bound to. */
struct vd_device {
	const struct vd_probe_env *env;
	int node;		/* FDT node that matched, -1 if none */
	paddr_t base;		/* first "reg" entry as a CPU physical address
				   (bus "ranges" applied), or the address a
				   vd.<role>=name@addr option gave; 0 if none */
	uint64_t size;		/* its size, 0 if unknown */
	const char *compatible; /* the string that matched, or NULL */
};

struct vd_console_ops {
	void (*putc)(char c);
	int (*getc)(void); /* -1 when nothing is waiting */
};

/*
 * An interrupt controller.  Interrupt numbers are the controller's own
 * (GIC INTID, PLIC source, IOAPIC GSI, ...); xlate turns a device-tree
 * interrupt specifier into one.
 */
struct vd_irq_ops {
	/* Bring up the calling CPU's interface (boot CPU and secondaries). */
	void (*cpu_init)(void);
	void (*unmask)(unsigned irq);
	void (*mask)(unsigned irq);
	/* Handle every pending interrupt of the calling CPU: acknowledge,
	 * run the handler (vd_irq_dispatch / timer / IPI), end. */
	void (*handle)(void);
	/* Reschedule IPI to logical CPU `cpu`; NULL where the IPI is not the
	 * controller's (RISC-V: SBI). */
	void (*ipi_send)(unsigned cpu);
	/* Interrupt specifier (cells as in the DTB, already host-endian) of
	 * controller node `ctrl`, #interrupt-cells long, to a number for
	 * unmask/mask.  False if the specifier is not one it understands. */
	bool (*xlate)(int ctrl, const uint32_t *cells, unsigned ncells,
		      unsigned *irq);
};

struct vd_cpu_ops {
	/* Start CPU `hwid` (MPIDR / hart id / APIC id) at physical address
	 * entry with `arg` in the first argument register (x0 / a1 / the
	 * trampoline's slot).  Errors as hal_cpu_start lists. */
	vd_err_t (*start)(uint64_t hwid, paddr_t entry, uint64_t arg);
};

struct vd_power_ops {
	/* Power off, QEMU exiting with `status` where the device can say it;
	 * returns only if it could not. */
	void (*off)(int status);
};

struct vd_entropy_ops {
	bool (*read)(uint64_t *out);
};

struct vd_driver {
	const char *name;
	enum vd_driver_role role;
	int priority;		       /* higher wins among matches */
	const char *const *compatible; /* NULL-terminated, or NULL */
	const char *acpi;	       /* ACPI signature, or NULL */
	bool (*detect)(const struct vd_probe_env *env); /* or NULL */
	/* Map and initialise the device; 0 (VD_OK) binds the driver.  dev
	 * is the core's copy for this attempt: a driver whose match gave no
	 * address (detect, ACPI) may record the one it chose in base/size,
	 * which the binding's log line then shows. */
	vd_err_t (*probe)(struct vd_device *dev);
	const void *ops; /* the role's ops structure */
};

/* Declare a driver: placed in section vd_drivers, which the kernel's
 * linker script keeps. */
#define VD_DRIVER(ident)                                                       \
	const struct vd_driver ident                                           \
		__attribute__((used, section("vd_drivers"), aligned(8)))

/*
 * Bind a driver for `role` (see the top).  Returns the bound driver, or
 * NULL if nothing matched (or vd.<role>=none); logs the choice either way.
 * Call once per role, on the boot CPU, console first.
 */
const struct vd_driver *vd_driver_probe(enum vd_driver_role role,
					const struct vd_probe_env *env);
/* The driver bound to `role`, NULL if none; and its device. */
const struct vd_driver *vd_driver_bound(enum vd_driver_role role);
const struct vd_device *vd_driver_device(enum vd_driver_role role);
/* The bound driver's ops for `role`, NULL if none. */
const void *vd_driver_ops(enum vd_driver_role role);
/* "console", "irq", ... */
const char *vd_driver_role_name(enum vd_driver_role role);

/*
 * Interrupt number of entry `idx` of a node's "interrupts" or
 * "interrupts-extended": finds the controller (interrupt-parent, walking
 * up the tree, or the phandle of the extended form), reads its
 * #interrupt-cells and asks the bound irq driver's xlate.  False if the
 * node has no such entry or the bound controller does not understand it.
 */
bool vd_driver_fdt_irq(const struct fdt *f, int node, unsigned idx,
		       unsigned *irq);

/* Map device registers [pa, pa+size) uncached into the kernel; each
 * hardware HAL implements it (kmap.c).  Never fails: panics when the
 * device window is full. */
void *hal_map_device(paddr_t pa, uint64_t size);

#endif /* HAL_DRIVER_H */
