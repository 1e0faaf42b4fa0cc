/*
 * Starting AArch64 CPUs through a spin table (the device-tree binding's
 * enable-method = "spin-table"; Linux Documentation/arch/arm64/booting.rst;
 * QEMU's raspi3b, the Raspberry Pi 3 firmware's armstub).
 *
 * Until released, a secondary CPU loops in firmware with its MMU and caches
 * off: wfe, read the 64-bit word at its cpu node's cpu-release-addr, and
 * once that is non-zero branch there.  QEMU's raspi3b stub sits at 0x300
 * with the words at 0xd8 + 8 * MPIDR.Aff0, enters at EL2, and zeroes x0-x3
 * before the branch; a real Pi's firmware behaves the same way.
 *
 * The stub passes nothing, but vd_cpu_ops.start promises `arg` in x0.  So
 * the released CPU does not go to `entry` directly: it goes to
 * spin_table_entry below, which finds its own slot by MPIDR and jumps to
 * the slot's entry with the slot's arg in x0.  Slots are written through
 * the cache and cleaned to memory before the release, since the CPU reads
 * them with its caches off; the release word likewise, then sev wakes the
 * waiting CPUs (each one that finds its word still zero waits again).
 *
 * Matched by detect (cpu nodes carry no "compatible" that names the
 * method): any enabled /cpus child with enable-method "spin-table".
 * Probing records each such node's MPIDR and release address; a node
 * whose cpu-release-addr is missing or not 8-byte aligned is logged and
 * not startable.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <hal/driver.h>
#include <veridian/boot.h>
#include <veridian/printf.h>
#include <veridian/string.h>

/* What spin_table_entry reads; layout fixed for the assembly below. */
struct spin_table_slot {
	uint64_t mpidr; /* affinity bits as in MPIDR_EL1, ~0: unused */
	uint64_t entry; /* physical address to branch to */
	uint64_t arg;	/* for x0 */
};
#define SLOT_SIZE   24
#define SLOT_ENTRY  8
#define SLOT_ARG    16
#define SLOT_UNUSED (~0ull)
_Static_assert(sizeof(struct spin_table_slot) == SLOT_SIZE, "slot layout");
_Static_assert(__builtin_offsetof(struct spin_table_slot, entry) == SLOT_ENTRY,
	       "slot layout");
_Static_assert(__builtin_offsetof(struct spin_table_slot, arg) == SLOT_ARG,
	       "slot layout");
#define STR_(x) #x
#define STR(x)	STR_(x) /* a number for the assembly */

struct spin_table_slot spin_table_slots[VD_MAX_CPUS]
	__attribute__((aligned(64))) = {
		[0 ... VD_MAX_CPUS - 1] = {.mpidr = SLOT_UNUSED},
};

/* Per cpu node: its MPIDR and release address (0: not startable). */
static struct {
	uint64_t mpidr;
	paddr_t release;
	bool started;
} cpus[VD_MAX_CPUS];
static unsigned cpu_nodes;

/*
 * The released CPU lands here, MMU off, at EL2 or EL1: x9 = its MPIDR
 * affinity (Aff3 [39:32] | Aff2..Aff0 [23:0], the MT and U bits [31:24]
 * dropped), then a linear search of the VD_MAX_CPUS slots (adrp/add:
 * PC-relative, so physical with the MMU off).  A CPU without a slot parks in
 * wfe.  (Kept one instruction a line, away from clang-format.)
 */
/* clang-format off */
__asm__(".pushsection .text.spin_table_entry, \"ax\"\n"
	".balign 4\n"
	".globl spin_table_entry\n"
	"spin_table_entry:\n"
	"	mrs	x9, mpidr_el1\n"
	"	ubfx	x10, x9, #32, #8\n"
	"	and	x9, x9, #0xffffff\n"
	"	orr	x9, x9, x10, lsl #32\n"
	"	adrp	x11, spin_table_slots\n"
	"	add	x11, x11, :lo12:spin_table_slots\n"
	"	mov	x12, #" STR(VD_MAX_CPUS) "\n"
	"1:	ldr	x13, [x11]\n"
	"	cmp	x13, x9\n"
	"	b.eq	2f\n"
	"	add	x11, x11, #" STR(SLOT_SIZE) "\n"
	"	subs	x12, x12, #1\n"
	"	b.ne	1b\n"
	"3:	wfe\n"
	"	b	3b\n"
	"2:	ldr	x0, [x11, #" STR(SLOT_ARG) "]\n"
	"	ldr	x10, [x11, #" STR(SLOT_ENTRY) "]\n"
	"	br	x10\n"
	".popsection\n");
/* clang-format on */
extern char spin_table_entry[];

/* Is string property `name` of node exactly `value`? */
static bool prop_is(const struct fdt *f, int node, const char *name,
		    const char *value)
{
	uint32_t len;
	const char *p = fdt_prop(f, node, name, &len);
	size_t n = vd_strlen(value) + 1;

	return p && len == n && vd_memcmp(p, value, n) == 0;
}

/* Is node an enabled cpu whose enable-method is "spin-table"? */
static bool is_spin_table_cpu(const struct fdt *f, int node)
{
	return prop_is(f, node, "device_type", "cpu") &&
	       prop_is(f, node, "enable-method", "spin-table") &&
	       fdt_node_enabled(f, node);
}

static bool spin_table_detect(const struct vd_probe_env *env)
{
	int cpus_node = env->fdt ? fdt_path(env->fdt, "/cpus") : -1;

	for (int c = cpus_node >= 0 ? fdt_first_child(env->fdt, cpus_node) : -1;
	     c >= 0; c = fdt_next_sibling(env->fdt, c))
		if (is_spin_table_cpu(env->fdt, c))
			return true;
	return false;
}

static vd_err_t spin_table_probe(struct vd_device *dev)
{
	const struct fdt *f = dev->env->fdt;
	int cpus_node = fdt_path(f, "/cpus");

	cpu_nodes = 0;
	for (int c = fdt_first_child(f, cpus_node);
	     c >= 0 && cpu_nodes < VD_MAX_CPUS; c = fdt_next_sibling(f, c)) {
		uint64_t mpidr, release;
		if (!is_spin_table_cpu(f, c) || !fdt_reg(f, c, 0, &mpidr, NULL))
			continue;
		if (!fdt_prop_u64(f, c, "cpu-release-addr", &release) ||
		    !release || !VD_IS_ALIGNED(release, sizeof(uint64_t))) {
			kprintf("spin-table: %s: no usable "
				"cpu-release-addr, it cannot be started\n",
				fdt_node_name(f, c));
			release = 0;
		}
		cpus[cpu_nodes].mpidr = mpidr & A64_MPIDR_AFF_MASK;
		cpus[cpu_nodes].release = release;
		/* the boot CPU (probing) is running, not waiting to be
		 * released */
		cpus[cpu_nodes].started =
			cpus[cpu_nodes].mpidr == a64_mpidr_aff();
		cpu_nodes++;
	}
	return cpu_nodes ? VD_OK : VD_ERR_NOT_FOUND;
}

/* Push [p, p + size) out of the data cache to memory (dc civac: the
 * point of coherency, which a CPU with caches off reads). */
static void clean_to_memory(const volatile void *p, size_t size)
{
	/* CTR_EL0.DminLine: log2 of the smallest line, in 4-byte words */
	uintptr_t line = (uintptr_t)4 << a64_id_field(a64_read_sysreg(ctr_el0),
						      A64_CTR_DMINLINE_SHIFT);

	for (uintptr_t a = (uintptr_t)p & ~(line - 1); a < (uintptr_t)p + size;
	     a += line)
		__asm__ volatile("dc civac, %0" ::"r"(a) : "memory");
	a64_dsb(sy);
}

/* Is the 8-byte word at pa in usable RAM (so in the physmap)? */
static bool word_in_ram(paddr_t pa)
{
	const struct vd_boot_info *bi = vd_boot_info;

	for (unsigned i = 0; bi && i < bi->mem_count; i++) {
		const struct vd_mem_region *r = &bi->mem[i];
		if (r->type == VD_MEM_USABLE && r->size >= sizeof(uint64_t) &&
		    pa >= r->base && pa - r->base <= r->size - sizeof(uint64_t))
			return true;
	}
	return false;
}

/*
 * Errors: VD_ERR_NOT_FOUND (no spin-table cpu node with that MPIDR),
 * VD_ERR_INVALID_PARAMETER (the node has no usable release address, or
 * it is not in RAM), VD_ERR_BUSY (already released, or the boot CPU: a
 * spin table releases a CPU once).
 */
static vd_err_t spin_table_start(uint64_t hwid, paddr_t entry, uint64_t arg)
{
	unsigned i;

	hwid &= A64_MPIDR_AFF_MASK;
	for (i = 0; i < cpu_nodes && cpus[i].mpidr != hwid; i++)
		;
	if (i == cpu_nodes)
		return VD_ERR_NOT_FOUND;
	if (cpus[i].started)
		return VD_ERR_BUSY;
	if (!cpus[i].release)
		return VD_ERR_INVALID_PARAMETER;
	if (!word_in_ram(cpus[i].release)) {
		kprintf("spin-table: cpu 0x%llx: cpu-release-addr 0x%llx is "
			"not in RAM\n",
			(unsigned long long)hwid,
			(unsigned long long)cpus[i].release);
		return VD_ERR_INVALID_PARAMETER;
	}
	cpus[i].started = true;

	struct spin_table_slot *s = &spin_table_slots[i];
	s->entry = entry;
	s->arg = arg;
	s->mpidr = hwid; /* last: the slot is complete once it matches */
	clean_to_memory(s, sizeof(*s));

	/* The release word is RAM (the binding says so), reached through
	 * the physmap; the stub reads it uncached. */
	volatile uint64_t *word = vd_phys_to_virt(cpus[i].release);
	*word = a64_kimg_to_phys(spin_table_entry);
	clean_to_memory(word, sizeof(*word));
	__asm__ volatile("sev" ::: "memory");
	return VD_OK;
}

static const struct vd_cpu_ops spin_table_ops = {.start = spin_table_start};

/* Above PSCI: cpu nodes that name spin-table as their enable-method say
 * more than a /psci node that may sit next to them. */
VD_DRIVER(spin_table_driver) = {
	.name = "spin-table",
	.role = VD_ROLE_CPU,
	.priority = 20,
	.detect = spin_table_detect,
	.probe = spin_table_probe,
	.ops = &spin_table_ops,
};
