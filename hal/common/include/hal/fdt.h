/*
 * Flattened device tree (DTB) reader, shared by the AArch64 and RISC-V
 * HALs, which both receive a DTB from their firmware.
 *
 * Blob format (devicetree specification v0.4, chapter 5), all big-endian:
 *
 *   +------------------------+  0
 *   | header (40 bytes)      |  magic 0xd00dfeed, totalsize, off_dt_struct,
 *   |                        |  off_dt_strings, off_mem_rsvmap, version,
 *   |                        |  last_comp_version, boot_cpuid_phys,
 *   |                        |  size_dt_strings, size_dt_struct
 *   +------------------------+  off_mem_rsvmap
 *   | (u64 addr, u64 size)*  |  terminated by a (0, 0) pair
 *   +------------------------+  off_dt_struct
 *   | tokens: BEGIN_NODE(1) name\0 pad4 | PROP(3) len nameoff value pad4 |
 *   |         END_NODE(2) | NOP(4) | END(9)                              |
 *   +------------------------+  off_dt_strings
 *   | property names, NUL-terminated |
 *   +------------------------+
 *
 * Nodes are addressed by their byte offset in the structure block; every
 * function validates what it reads against totalsize, so a corrupt blob
 * yields "not found" rather than a wild read.
 */
#ifndef HAL_FDT_H
#define HAL_FDT_H

#include <veridian/hal.h>
#include <veridian/types.h>

struct fdt {
	const uint8_t *blob;
	uint32_t size;		/* totalsize */
	const uint8_t *structs; /* structure block */
	uint32_t structs_size;
	const char *strings; /* strings block */
	uint32_t strings_size;
	uint32_t rsvmap_off; /* memory reservation block, <= size */
};

/* Validate the header and fill f: the blocks must lie inside the blob's
 * totalsize bytes (which the caller guarantees are there).  Returns false
 * for a bad blob. */
bool fdt_init(struct fdt *f, const void *blob);
/* totalsize of a blob whose header is at blob (0 if the magic is wrong). */
uint32_t fdt_blob_size(const void *blob);

/* Root node offset. */
int fdt_root(const struct fdt *f);
/* Node at an absolute path like "/chosen" or "/cpus/cpu@0"; a path
 * component without '@' also matches "name@unit".  -1 if absent. */
int fdt_path(const struct fdt *f, const char *path);
/* First child / next sibling of a node, -1 when there is none. */
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
/* Node name including the unit address ("memory@40000000"); "" for an
 * offset that is no node or a name not terminated inside the block. */
const char *fdt_node_name(const struct fdt *f, int node);
/* Next node after `after` (-1 = start) in document order whose
 * "compatible" list contains compat; -1 if none. */
int fdt_find_compatible(const struct fdt *f, int after, const char *compat);
/* Next node in document order after `node` (-1 = the root); -1 at the
 * end.  Walks the whole tree, children before siblings. */
int fdt_next_node(const struct fdt *f, int node);
/* Parent of a node (-1 for the root). */
int fdt_parent(const struct fdt *f, int node);

/* Property value and length, NULL if absent; the value lies inside the
 * structure block.  A string value need not be NUL-terminated: compare
 * within len. */
const void *fdt_prop(const struct fdt *f, int node, const char *name,
		     uint32_t *len);
bool fdt_prop_u32(const struct fdt *f, int node, const char *name,
		  uint32_t *out);
/* A u32 or u64 property, whichever its length says. */
bool fdt_prop_u64(const struct fdt *f, int node, const char *name,
		  uint64_t *out);
/* Does the node's "compatible" string list contain compat? */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);
/* Entry idx of the node's "reg", decoded with the parent's
 * #address-cells / #size-cells. */
bool fdt_reg(const struct fdt *f, int node, unsigned idx, uint64_t *base,
	     uint64_t *size);

/* Is the node enabled: "status" absent, "okay" or "ok"? */
bool fdt_node_enabled(const struct fdt *f, int node);
/* The node whose "phandle" (or legacy "linux,phandle") is ph; -1 if none. */
int fdt_node_by_phandle(const struct fdt *f, uint32_t phandle);
/*
 * Entry idx of "reg" as a CPU physical address: the bus address is
 * translated through every ancestor's "ranges" (devicetree spec 2.3.8:
 * child-bus-address, parent-bus-address, length triples; an empty
 * "ranges" is the identity, a missing one means the bus is not
 * memory-mapped and the call fails).  The Raspberry Pi's /soc maps bus
 * 0x7e000000 to CPU 0x3f000000 this way.
 */
bool fdt_reg_phys(const struct fdt *f, int node, unsigned idx, uint64_t *base,
		  uint64_t *size);
/*
 * Interrupt specifier idx of a node: from "interrupts-extended"
 * (<phandle cells...>...) or from "interrupts" with the controller named by
 * the nearest "interrupt-parent" up the tree.  The controller's own
 * #interrupt-cells gives the specifier length (at most FDT_MAX_IRQ_CELLS).
 * Sets *ctrl to the controller node and cells[0..*ncells) host-endian.
 */
#define FDT_MAX_IRQ_CELLS 4
bool fdt_irq_spec(const struct fdt *f, int node, unsigned idx, int *ctrl,
		  uint32_t cells[FDT_MAX_IRQ_CELLS], unsigned *ncells);

/* The node /chosen/stdout-path names: a path ("/soc/serial@10000000") or
 * an alias ("serial0"), either maybe followed by ":options".  -1 if
 * there is no such property or node. */
int fdt_stdout_node(const struct fdt *f);

/* Big-endian loads, usable on unaligned data. */
uint32_t fdt_be32(const void *p);
uint64_t fdt_be64(const void *p);

/*
 * Fill the portable boot information from the DTB: RAM from /memory nodes,
 * reserved ranges from the memory reservation block and /reserved-memory
 * (including OpenSBI's PMP-protected region), the blob itself as
 * VD_MEM_BOOT_DATA, CPUs from /cpus (cpu_hwid[] = reg, ordered with the
 * boot CPU first), /chosen bootargs and linux,initrd-start/-end, the
 * board from /model, and firmware "U-Boot" if /chosen has the
 * "u-boot,version" U-Boot's booti puts there (else it stays as it was).
 * boot_hwid is the id of the CPU running this (hart id / MPIDR affinity).
 * Returns false if a RAM or reserved region did not fit in bi (more than
 * VD_MAX_MEM_REGIONS): the caller must stop rather than boot with a
 * reservation missing.
 */
bool fdt_fill_boot_info(const struct fdt *f, struct vd_boot_info *bi,
			paddr_t blob_pa, uint64_t boot_hwid);

#endif /* HAL_FDT_H */
