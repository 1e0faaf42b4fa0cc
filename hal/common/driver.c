/*
 * Driver registry and probing (hal/common/include/hal/driver.h).
 *
 * VD_DRIVER descriptors sit in section vd_drivers, which every kernel
 * linker script keeps; __start_/__stop_vd_drivers bound it.  Probing is
 * boot-time only, on the boot CPU, before secondaries start: the bound
 * table is written once and only read afterwards, so it needs no lock.
 */
#include <hal/driver.h>
#include <veridian/boot.h>
#include <veridian/panic.h>
#include <veridian/printf.h>
#include <veridian/string.h>

extern const struct vd_driver __start_vd_drivers[] __attribute__((weak));
extern const struct vd_driver __stop_vd_drivers[] __attribute__((weak));

static const char *const role_names[VD_ROLE_COUNT] = {
	[VD_ROLE_CONSOLE] = "console", [VD_ROLE_IRQ] = "irq",
	[VD_ROLE_CPU] = "cpu",	       [VD_ROLE_POWER] = "power",
	[VD_ROLE_ENTROPY] = "entropy",
};

static struct {
	const struct vd_driver *drv;
	struct vd_device dev;
} bound[VD_ROLE_COUNT];

const char *vd_driver_role_name(enum vd_driver_role role)
{
	return role < VD_ROLE_COUNT ? role_names[role] : "?";
}

/*
 * The value of option vd.<role>= on the command line, copied into
 * buf (NUL-terminated, at most len-1 bytes); false if absent.
 */
static bool cmdline_option(const char *cmdline, enum vd_driver_role role,
			   char *buf, size_t len)
{
	const char *name = role_names[role], *pos = cmdline, *v;
	char key[16];
	size_t n;
	bool found = false;

	vd_snprintf(key, sizeof(key), "vd.%s", name);
	/* the last occurrence wins, as for Linux's options: a boot loader
	 * appends what overrides the board's defaults */
	while (vd_cmdline_next(&pos, key, &v, &n)) {
		if (n >= len) {
			/* a cut name or address would bind the wrong thing */
			kprintf("driver: vd.%s= value longer than %u "
				"characters, ignored\n",
				name, (unsigned)(len - 1));
			continue;
		}
		vd_memcpy(buf, v, n);
		buf[n] = '\0';
		found = true;
	}
	return found;
}

static bool parse_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v >> 60)
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* Fill dev from FDT node `node`, which matched compatible string c. */
static void fdt_device(const struct vd_probe_env *env, int node, const char *c,
		       struct vd_device *dev)
{
	dev->node = node;
	dev->compatible = c;
	/* a node without reg (PSCI, a CPU feature) keeps base 0 */
	if (!fdt_reg_phys(env->fdt, node, 0, &dev->base, &dev->size))
		dev->base = dev->size = 0;
}

/* Try drv on FDT node `node` if it is enabled and one of drv's
 * compatible strings names it (one probe per node, whichever string). */
static bool try_node(const struct vd_driver *drv,
		     const struct vd_probe_env *env, int node,
		     struct vd_device *dev, bool probe)
{
	const struct fdt *f = env->fdt;

	if (!f || !drv->compatible || node < 0 || !fdt_node_enabled(f, node))
		return false;
	for (const char *const *c = drv->compatible; *c; c++)
		if (fdt_is_compatible(f, node, *c)) {
			fdt_device(env, node, *c, dev);
			return !probe || drv->probe(dev) == VD_OK;
		}
	return false;
}

/* Whether node n carries one of the strings before `c` in list: then it
 * was tried already (a node listing "arm,psci-1.0", "arm,psci-0.2" is
 * probed once, not once per string). */
static bool matched_before(const struct fdt *f, int n, const char *const *list,
			   const char *const *c)
{
	for (const char *const *e = list; e < c; e++)
		if (fdt_is_compatible(f, n, *e))
			return true;
	return false;
}

/*
 * Try drv against the machine: node `first` if it matches (-1: none),
 * then every other enabled FDT node one of its compatible strings names
 * (but `skip`), until a probe succeeds; else its ACPI table or detect
 * function.  With probe false, only match: fills dev from the first match.
 */
static bool try_driver(const struct vd_driver *drv,
		       const struct vd_probe_env *env, struct vd_device *dev,
		       bool probe, int first, int skip)
{
	const struct fdt *f = env->fdt;

	if (first >= 0 && try_node(drv, env, first, dev, probe))
		return true;
	if (f && drv->compatible) {
		for (const char *const *c = drv->compatible; *c; c++)
			for (int n = fdt_find_compatible(f, -1, *c); n >= 0;
			     n = fdt_find_compatible(f, n, *c)) {
				if (n == first || n == skip ||
				    !fdt_node_enabled(f, n) ||
				    matched_before(f, n, drv->compatible, c))
					continue;
				fdt_device(env, n, *c, dev);
				if (!probe || drv->probe(dev) == VD_OK)
					return true;
			}
	}
	dev->node = -1;
	dev->compatible = NULL;
	dev->base = dev->size = 0;
	if ((drv->acpi && env->acpi_find && env->acpi_find(drv->acpi)) ||
	    (drv->detect && drv->detect(env)))
		return !probe || drv->probe(dev) == VD_OK;
	return false;
}

/* The console's /chosen/stdout-path node if it is enabled, else -1 (and
 * -1 for every other role). */
static int preferred_node(enum vd_driver_role role,
			  const struct vd_probe_env *env)
{
	if (role != VD_ROLE_CONSOLE || !env->fdt)
		return -1;
	int out = fdt_stdout_node(env->fdt);
	return out >= 0 && fdt_node_enabled(env->fdt, out) ? out : -1;
}

static const struct vd_driver *find_by_name(enum vd_driver_role role,
					    const char *name)
{
	for (const struct vd_driver *d = __start_vd_drivers;
	     d < __stop_vd_drivers; d++)
		if (d->role == role && vd_strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

static const struct vd_driver *bind(enum vd_driver_role role,
				    const struct vd_driver *drv,
				    const struct vd_device *dev)
{
	bound[role].drv = drv;
	bound[role].dev = *dev;
	kprintf("driver: %-7s %s", role_names[role], drv->name);
	if (dev->compatible)
		kprintf(" (%s)", dev->compatible);
	if (dev->base)
		kprintf(" @ 0x%llx", (unsigned long long)dev->base);
	kprintf("\n");
	return drv;
}

/* vd.<role>=name[@addr] */
static const struct vd_driver *probe_forced(enum vd_driver_role role,
					    const struct vd_probe_env *env,
					    char *opt)
{
	char *at = vd_strchr(opt, '@');
	struct vd_device dev = {.env = env, .node = -1};

	if (vd_strcmp(opt, "none") == 0) {
		kprintf("driver: %-7s none (vd.%s=none)\n", role_names[role],
			role_names[role]);
		return NULL;
	}
	if (at) {
		*at = '\0';
		if (!parse_hex(at + 1, &dev.base)) {
			kprintf("driver: vd.%s: bad address '%s'\n",
				role_names[role], at + 1);
			return NULL;
		}
	}
	const struct vd_driver *drv = find_by_name(role, opt);
	if (!drv) {
		kprintf("driver: vd.%s: no %s driver '%s'\n", role_names[role],
			role_names[role], opt);
		return NULL;
	}
	/* the node the driver would have matched still supplies reg and
	 * interrupts unless the option gave an address */
	struct vd_device found = dev;
	if (!at &&
	    try_driver(drv, env, &found, false, preferred_node(role, env), -1))
		dev = found;
	if (drv->probe(&dev) != VD_OK) {
		kprintf("driver: %-7s %s: probe failed\n", role_names[role],
			drv->name);
		return NULL;
	}
	return bind(role, drv, &dev);
}

/* Does a come before b in probing order: higher priority first, then
 * section (link) order? */
static bool probes_before(const struct vd_driver *a, const struct vd_driver *b)
{
	return a->priority > b->priority ||
	       (a->priority == b->priority && a < b);
}

/*
 * The driver of `role` that comes next after `prev` (NULL: the first) in
 * probing order, or NULL after the last: a selection over the section,
 * so any number of drivers needs no table and no sorting.
 */
static const struct vd_driver *next_by_priority(enum vd_driver_role role,
						const struct vd_driver *prev)
{
	const struct vd_driver *best = NULL;

	for (const struct vd_driver *d = __start_vd_drivers;
	     d < __stop_vd_drivers; d++)
		if (d->role == role && (!prev || probes_before(prev, d)) &&
		    (!best || probes_before(d, best)))
			best = d;
	return best;
}

const struct vd_driver *vd_driver_probe(enum vd_driver_role role,
					const struct vd_probe_env *env)
{
	char opt[64];

	VD_ASSERT(role < VD_ROLE_COUNT);
	/* a probe that binds nothing leaves the role unbound, not bound to
	 * what an earlier probe of it chose */
	bound[role].drv = NULL;
	if (cmdline_option(env->cmdline ? env->cmdline : "", role, opt,
			   sizeof(opt)))
		return probe_forced(role, env, opt);

	/* Highest priority first (a selection, without sorting the
	 * section), in two passes: the node stdout-path names, which the
	 * firmware chose as the console and so outranks every priority,
	 * then everything else. */
	int out = preferred_node(role, env);
	for (int pass = out >= 0 ? 0 : 1; pass < 2; pass++) {
		for (const struct vd_driver *d = next_by_priority(role, NULL);
		     d; d = next_by_priority(role, d)) {
			struct vd_device dev = {.env = env, .node = -1};
			if (pass == 0 ? try_node(d, env, out, &dev, true)
				      : try_driver(d, env, &dev, true, -1, out))
				return bind(role, d, &dev);
		}
	}
	kprintf("driver: %-7s none matched\n", role_names[role]);
	return NULL;
}

const struct vd_driver *vd_driver_bound(enum vd_driver_role role)
{
	return role < VD_ROLE_COUNT ? bound[role].drv : NULL;
}

const struct vd_device *vd_driver_device(enum vd_driver_role role)
{
	return role < VD_ROLE_COUNT && bound[role].drv ? &bound[role].dev
						       : NULL;
}

const void *vd_driver_ops(enum vd_driver_role role)
{
	return role < VD_ROLE_COUNT && bound[role].drv ? bound[role].drv->ops
						       : NULL;
}

bool vd_driver_fdt_irq(const struct fdt *f, int node, unsigned idx,
		       unsigned *irq)
{
	const struct vd_irq_ops *ops = vd_driver_ops(VD_ROLE_IRQ);
	uint32_t cells[FDT_MAX_IRQ_CELLS];
	unsigned n;
	int ctrl;

	if (!ops || !ops->xlate ||
	    !fdt_irq_spec(f, node, idx, &ctrl, cells, &n))
		return false;
	return ops->xlate(ctrl, cells, n, irq);
}
