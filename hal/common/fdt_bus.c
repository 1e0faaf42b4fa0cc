/*
 * Device-tree bus logic on top of the reader in fdt.c: node status,
 * phandles, "reg" translated through bus "ranges", and interrupt
 * specifiers (devicetree specification v0.4, sections 2.3.8 and 2.4).
 */
#include <hal/fdt.h>
#include <veridian/string.h>

/* Deepest bus nesting followed when translating (the spec sets none;
 * real trees stay under 5). */
#define FDT_MAX_BUS_DEPTH 8

static uint32_t cells_or(const struct fdt *f, int node, const char *name,
			 uint32_t dflt)
{
	uint32_t v;

	return node >= 0 && fdt_prop_u32(f, node, name, &v) ? v : dflt;
}

/* A 1- or 2-cell number (what reg and ranges use on 64-bit machines;
 * 3-cell PCI addresses are not translated). */
static bool read_num(const uint8_t *p, uint32_t cells, uint64_t *out)
{
	if (cells == 1)
		*out = fdt_be32(p);
	else if (cells == 2)
		*out = fdt_be64(p);
	else if (cells == 0)
		*out = 0;
	else
		return false;
	return true;
}

bool fdt_node_enabled(const struct fdt *f, int node)
{
	uint32_t len;
	const char *s = fdt_prop(f, node, "status", &len);

	if (!s)
		return true;
	return (len >= 5 && vd_strncmp(s, "okay", 5) == 0) ||
	       (len >= 3 && vd_strncmp(s, "ok", 3) == 0);
}

int fdt_node_by_phandle(const struct fdt *f, uint32_t phandle)
{
	if (phandle == 0 || phandle == 0xffffffffu)
		return -1;
	for (int n = fdt_next_node(f, -1); n >= 0; n = fdt_next_node(f, n)) {
		uint32_t v;
		if ((fdt_prop_u32(f, n, "phandle", &v) ||
		     fdt_prop_u32(f, n, "linux,phandle", &v)) &&
		    v == phandle)
			return n;
	}
	return -1;
}

/*
 * Translate `addr` from the address space of bus node `bus`'s children
 * into its parent's: find the ranges entry whose child window holds
 * addr.  Entry layout: child address (bus's #address-cells), parent
 * address (the parent's #address-cells), length (bus's #size-cells).
 */
static bool translate_one(const struct fdt *f, int bus, int parent,
			  uint64_t *addr)
{
	uint32_t len;
	const uint8_t *r = fdt_prop(f, bus, "ranges", &len);

	if (!r)
		return false; /* not memory-mapped: no CPU address */
	if (len == 0)
		return true; /* identity */
	uint32_t cac = cells_or(f, bus, "#address-cells", 2);
	uint32_t csc = cells_or(f, bus, "#size-cells", 1);
	uint32_t pac = cells_or(f, parent, "#address-cells", 2);
	uint32_t stride = (cac + pac + csc) * 4;

	if (cac > 2 || pac > 2 || csc > 2 || stride == 0)
		return false;
	for (uint32_t off = 0; off + stride <= len; off += stride) {
		uint64_t child, par, size;
		read_num(r + off, cac, &child);
		read_num(r + off + cac * 4, pac, &par);
		read_num(r + off + (cac + pac) * 4, csc, &size);
		if (*addr >= child && *addr - child < size) {
			*addr = par + (*addr - child);
			return true;
		}
	}
	return false;
}

bool fdt_reg_phys(const struct fdt *f, int node, unsigned idx, uint64_t *base,
		  uint64_t *size)
{
	uint64_t addr;

	if (!fdt_reg(f, node, idx, &addr, size))
		return false;
	/* climb: each bus between the node and the root translates once */
	int bus = fdt_parent(f, node);
	for (unsigned depth = 0; bus >= 0; depth++) {
		int parent = fdt_parent(f, bus);
		if (parent < 0)
			break; /* the root's children are CPU addresses */
		if (depth == FDT_MAX_BUS_DEPTH ||
		    !translate_one(f, bus, parent, &addr))
			return false;
		bus = parent;
	}
	*base = addr;
	return true;
}

/* The nearest interrupt-parent of node, walking up; -1 if none. */
static int irq_parent(const struct fdt *f, int node)
{
	for (int n = node; n >= 0; n = fdt_parent(f, n)) {
		uint32_t ph;
		if (fdt_prop_u32(f, n, "interrupt-parent", &ph))
			return fdt_node_by_phandle(f, ph);
	}
	return -1;
}

static bool copy_cells(const uint8_t *p, unsigned n, uint32_t *cells)
{
	if (n == 0 || n > FDT_MAX_IRQ_CELLS)
		return false;
	for (unsigned i = 0; i < n; i++)
		cells[i] = fdt_be32(p + i * 4);
	return true;
}

bool fdt_irq_spec(const struct fdt *f, int node, unsigned idx, int *ctrl,
		  uint32_t cells[FDT_MAX_IRQ_CELLS], unsigned *ncells)
{
	uint32_t len;
	const uint8_t *p = fdt_prop(f, node, "interrupts-extended", &len);

	if (p) {
		/* <phandle spec...> entries, each as long as its own
		 * controller's #interrupt-cells says */
		for (uint32_t off = 0, i = 0; off + 4 <= len; i++) {
			int c = fdt_node_by_phandle(f, fdt_be32(p + off));
			uint32_t n = cells_or(f, c, "#interrupt-cells", 0);
			/* n bounded first: a huge n * 4 wraps, and off with it
			 */
			if (c < 0 || n == 0 || n > FDT_MAX_IRQ_CELLS ||
			    n + 1 > (len - off) / 4)
				return false;
			if (i == idx) {
				*ctrl = c;
				*ncells = n;
				return copy_cells(p + off + 4, n, cells);
			}
			off += 4 + n * 4;
		}
		return false;
	}
	p = fdt_prop(f, node, "interrupts", &len);
	int c = irq_parent(f, node);
	uint32_t n = cells_or(f, c, "#interrupt-cells", 0);
	/* idx compared by division: (idx + 1) * n * 4 wraps for a huge idx */
	if (!p || c < 0 || n == 0 || n > FDT_MAX_IRQ_CELLS ||
	    idx >= len / (n * 4))
		return false;
	*ctrl = c;
	*ncells = n;
	return copy_cells(p + (size_t)idx * n * 4, n, cells);
}
