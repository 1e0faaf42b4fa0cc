/*
 * Flattened device tree reader; the blob format is drawn in
 * hal/common/include/hal/fdt.h.  Read-only, allocation-free, and bounds
 * checked against the header's sizes at every step.
 */
#include <hal/fdt.h>
#include <veridian/boot.h>
#include <veridian/string.h>

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP	       4u
#define FDT_END	       9u

#define FDT_MAX_DEPTH 16

uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_be64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)fdt_be32(b) << 32 | fdt_be32(b + 4);
}

uint32_t fdt_blob_size(const void *blob)
{
	const uint8_t *h = blob;

	return fdt_be32(h) == FDT_MAGIC ? fdt_be32(h + 4) : 0;
}

bool fdt_init(struct fdt *f, const void *blob)
{
	const uint8_t *h = blob;
	uint32_t total, off_struct, off_strings, size_struct, size_strings;
	uint32_t off_rsvmap;

	if (!blob || fdt_be32(h) != FDT_MAGIC)
		return false;
	total = fdt_be32(h + 4);
	off_struct = fdt_be32(h + 8);
	off_strings = fdt_be32(h + 12);
	off_rsvmap = fdt_be32(h + 16);
	size_strings = fdt_be32(h + 32);
	size_struct = fdt_be32(h + 36);
	/* version 17 (last compatible 16) is what every firmware emits */
	/* offsets into the structure block are ints: total < 2 GiB */
	if (fdt_be32(h + 24) /* last_comp_version */ > 17 || total < 40 ||
	    total > INT32_MAX)
		return false;
	if (off_struct > total || size_struct > total - off_struct ||
	    off_strings > total || size_strings > total - off_strings ||
	    off_rsvmap > total)
		return false;
	f->blob = h;
	f->size = total;
	f->structs = h + off_struct;
	f->structs_size = size_struct;
	f->strings = (const char *)h + off_strings;
	f->strings_size = size_strings;
	f->rsvmap_off = off_rsvmap;
	return true;
}

static uint32_t token_at(const struct fdt *f, int off)
{
	if (off < 0 || (uint32_t)off + 4 > f->structs_size)
		return FDT_END;
	return fdt_be32(f->structs + off);
}

/* Offset just past a NUL-terminated name at off, 4-byte aligned; -1 if it
 * runs off the structure block. */
static int skip_name(const struct fdt *f, int off)
{
	const char *s = (const char *)f->structs + off;
	size_t max = f->structs_size - (uint32_t)off;
	size_t len = vd_strnlen(s, max);

	if (len == max)
		return -1;
	return (int)VD_ALIGN_UP((uint32_t)off + (uint32_t)len + 1, 4u);
}

/* Offset of the token after the one at off (which must not be END);
 * -1 on corruption. */
static int next_token(const struct fdt *f, int off)
{
	uint32_t tok = token_at(f, off);

	switch (tok) {
	case FDT_BEGIN_NODE:
		return skip_name(f, off + 4);
	case FDT_PROP: {
		if ((uint32_t)off + 12 > f->structs_size)
			return -1;
		uint32_t len = fdt_be32(f->structs + off + 4);
		if (len > f->structs_size - (uint32_t)off - 12)
			return -1;
		return (int)VD_ALIGN_UP((uint32_t)off + 12 + len, 4u);
	}
	case FDT_END_NODE:
	case FDT_NOP:
		return off + 4;
	default:
		return -1;
	}
}

/* Offset of the token following the whole subtree of node. */
static int skip_subtree(const struct fdt *f, int node)
{
	int depth = 0, off = node;

	do {
		uint32_t tok = token_at(f, off);
		if (tok == FDT_BEGIN_NODE)
			depth++;
		else if (tok == FDT_END_NODE)
			depth--;
		else if (tok == FDT_END)
			return -1;
		off = next_token(f, off);
		if (off < 0)
			return -1;
	} while (depth > 0);
	return off;
}

int fdt_root(const struct fdt *f)
{
	int off = 0;

	while (token_at(f, off) == FDT_NOP)
		off += 4;
	return token_at(f, off) == FDT_BEGIN_NODE ? off : -1;
}

const char *fdt_node_name(const struct fdt *f, int node)
{
	/* a name running off the block is no name (skip_name fails) */
	if (token_at(f, node) != FDT_BEGIN_NODE || skip_name(f, node + 4) < 0)
		return "";
	return (const char *)f->structs + node + 4;
}

/* Is the string at s, with `room` bytes to the end of its block, NUL-
 * terminated there and equal to str?  Never reads past the block. */
static bool str_in_block_is(const char *s, size_t room, const char *str)
{
	size_t n = vd_strnlen(s, room);

	return n < room && vd_strcmp(s, str) == 0;
}

/* First token inside node that is not a property. */
static int first_non_prop(const struct fdt *f, int node)
{
	int off = next_token(f, node);

	while (off >= 0) {
		uint32_t tok = token_at(f, off);
		if (tok != FDT_PROP && tok != FDT_NOP)
			return off;
		off = next_token(f, off);
	}
	return -1;
}

int fdt_first_child(const struct fdt *f, int node)
{
	if (token_at(f, node) != FDT_BEGIN_NODE)
		return -1;
	int off = first_non_prop(f, node);
	return token_at(f, off) == FDT_BEGIN_NODE ? off : -1;
}

int fdt_next_sibling(const struct fdt *f, int node)
{
	int off = skip_subtree(f, node);

	while (off >= 0 && token_at(f, off) == FDT_NOP)
		off += 4;
	return token_at(f, off) == FDT_BEGIN_NODE ? off : -1;
}

int fdt_path(const struct fdt *f, const char *path)
{
	int node = fdt_root(f);

	if (node < 0 || path[0] != '/')
		return -1;
	while (*path == '/')
		path++;
	while (*path) {
		size_t clen = 0;
		while (path[clen] && path[clen] != '/')
			clen++;
		bool has_unit = false;
		for (size_t i = 0; i < clen; i++)
			has_unit |= path[i] == '@';
		int child = fdt_first_child(f, node);
		while (child >= 0) {
			const char *n = fdt_node_name(f, child);
			if (vd_strncmp(n, path, clen) == 0 &&
			    (n[clen] == '\0' || (!has_unit && n[clen] == '@')))
				break;
			child = fdt_next_sibling(f, child);
		}
		if (child < 0)
			return -1;
		node = child;
		path += clen;
		while (*path == '/')
			path++;
	}
	return node;
}

const void *fdt_prop(const struct fdt *f, int node, const char *name,
		     uint32_t *len)
{
	if (token_at(f, node) != FDT_BEGIN_NODE)
		return NULL;
	int off = next_token(f, node);

	while (off >= 0) {
		uint32_t tok = token_at(f, off);
		if (tok == FDT_NOP) {
			off += 4;
			continue;
		}
		if (tok != FDT_PROP)
			return NULL;
		/* next_token checks that the header and the whole value lie
		 * inside the block before either is read */
		int next = next_token(f, off);
		if (next < 0)
			return NULL;
		uint32_t plen = fdt_be32(f->structs + off + 4);
		uint32_t nameoff = fdt_be32(f->structs + off + 8);
		if (nameoff < f->strings_size &&
		    str_in_block_is(f->strings + nameoff,
				    f->strings_size - nameoff, name)) {
			if (len)
				*len = plen;
			return f->structs + off + 12;
		}
		off = next;
	}
	return NULL;
}

bool fdt_prop_u32(const struct fdt *f, int node, const char *name,
		  uint32_t *out)
{
	uint32_t len;
	const void *p = fdt_prop(f, node, name, &len);

	if (!p || len < 4)
		return false;
	*out = fdt_be32(p);
	return true;
}

bool fdt_prop_u64(const struct fdt *f, int node, const char *name,
		  uint64_t *out)
{
	uint32_t len;
	const void *p = fdt_prop(f, node, name, &len);

	if (!p || (len != 4 && len != 8))
		return false;
	*out = len == 8 ? fdt_be64(p) : fdt_be32(p);
	return true;
}

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
	uint32_t len;
	const char *p = fdt_prop(f, node, "compatible", &len);

	if (!p)
		return false;
	/* a list of NUL-terminated strings; an unterminated last one
	 * matches nothing (and is not read past the value) */
	for (uint32_t i = 0; i < len;) {
		size_t n = vd_strnlen(p + i, len - i);
		if (str_in_block_is(p + i, len - i, compat))
			return true;
		i += (uint32_t)n + 1;
	}
	return false;
}

/* Walk every node in document order, tracking depth and ancestors. */
int fdt_stdout_node(const struct fdt *f)
{
	char path[128];
	uint32_t len;
	int chosen = fdt_path(f, "/chosen");
	const char *p =
		chosen < 0 ? NULL : fdt_prop(f, chosen, "stdout-path", &len);
	if (!p || len == 0)
		return -1;
	size_t n = 0;
	while (n < len && p[n] && p[n] != ':') {
		/* a cut path could name another node (a parent, a prefix):
		 * one too long for the buffer names none */
		if (n + 1 == sizeof(path))
			return -1;
		path[n] = p[n];
		n++;
	}
	path[n] = '\0';
	if (path[0] != '/') {
		int aliases = fdt_path(f, "/aliases");
		const char *a =
			aliases < 0 ? NULL : fdt_prop(f, aliases, path, &len);
		if (!a || len == 0 || a[len - 1] != '\0')
			return -1;
		return fdt_path(f, a);
	}
	return fdt_path(f, path);
}

int fdt_find_compatible(const struct fdt *f, int after, const char *compat)
{
	int off = after < 0 ? fdt_root(f) : next_token(f, after);

	while (off >= 0) {
		uint32_t tok = token_at(f, off);
		if (tok == FDT_END)
			return -1;
		if (tok == FDT_BEGIN_NODE && off != after &&
		    fdt_is_compatible(f, off, compat))
			return off;
		off = next_token(f, off);
	}
	return -1;
}

int fdt_next_node(const struct fdt *f, int node)
{
	int off = node < 0 ? fdt_root(f) : next_token(f, node);

	while (off >= 0) {
		uint32_t tok = token_at(f, off);
		if (tok == FDT_END)
			return -1;
		if (tok == FDT_BEGIN_NODE && off != node)
			return off;
		off = next_token(f, off);
	}
	return -1;
}

int fdt_parent(const struct fdt *f, int node)
{
	int stack[FDT_MAX_DEPTH];
	int depth = 0, off = fdt_root(f);

	while (off >= 0) {
		uint32_t tok = token_at(f, off);
		if (tok == FDT_BEGIN_NODE) {
			if (off == node)
				return depth ? stack[depth - 1] : -1;
			if (depth == FDT_MAX_DEPTH)
				return -1;
			stack[depth++] = off;
		} else if (tok == FDT_END_NODE) {
			if (depth == 0)
				return -1;
			depth--;
		} else if (tok == FDT_END) {
			return -1;
		}
		off = next_token(f, off);
	}
	return -1;
}

static uint32_t cells_of(const struct fdt *f, int node, const char *name,
			 uint32_t dflt)
{
	uint32_t v;

	return node >= 0 && fdt_prop_u32(f, node, name, &v) ? v : dflt;
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	return cells == 2 ? fdt_be64(p) : cells == 1 ? fdt_be32(p) : 0;
}

bool fdt_reg(const struct fdt *f, int node, unsigned idx, uint64_t *base,
	     uint64_t *size)
{
	int parent = fdt_parent(f, node);
	uint32_t ac = cells_of(f, parent, "#address-cells", 2);
	uint32_t sc = cells_of(f, parent, "#size-cells", 1);
	uint32_t len;
	const uint8_t *p = fdt_prop(f, node, "reg", &len);
	uint32_t stride = (ac + sc) * 4;

	/* idx compared by division: (idx + 1) * stride wraps for a huge idx */
	if (!p || ac > 2 || sc > 2 || stride == 0 || idx >= len / stride)
		return false;
	p += (size_t)idx * stride;
	*base = read_cells(p, ac);
	if (size)
		*size = read_cells(p + ac * 4, sc);
	return true;
}

/* Set when a region did not fit in boot info: losing a reservation would
 * hand firmware memory to the allocator, so the caller must not go on. */
static bool fdt_overflow;

static void add_region(struct vd_mem_region *list, unsigned *count,
		       paddr_t base, uint64_t size, enum vd_mem_type type)
{
	if (size && !vd_boot_add_region(list, count, base, size, type))
		fdt_overflow = true;
}

/* Is property `name` of node the string `value` (NUL inside the value)? */
static bool prop_is(const struct fdt *f, int node, const char *name,
		    const char *value)
{
	uint32_t len;
	const char *p = fdt_prop(f, node, name, &len);

	return p && str_in_block_is(p, len, value);
}

static void add_cpus(const struct fdt *f, struct vd_boot_info *bi,
		     uint64_t boot_hwid)
{
	int cpus = fdt_path(f, "/cpus");

	bi->cpu_count = 1;
	bi->cpu_hwid[0] = boot_hwid;
	bi->boot_cpu_hwid = boot_hwid;
	if (cpus < 0)
		return;
	for (int c = fdt_first_child(f, cpus); c >= 0;
	     c = fdt_next_sibling(f, c)) {
		uint64_t hwid;
		uint32_t len;
		if (!prop_is(f, c, "device_type", "cpu"))
			continue;
		if (fdt_prop(f, c, "status", &len) &&
		    !prop_is(f, c, "status", "okay"))
			continue;
		if (!fdt_reg(f, c, 0, &hwid, NULL) || hwid == boot_hwid)
			continue;
		if (bi->cpu_count < VD_MAX_CPUS)
			bi->cpu_hwid[bi->cpu_count++] = hwid;
	}
}

static void add_memory(const struct fdt *f, struct vd_boot_info *bi)
{
	int root = fdt_root(f);

	for (int n = fdt_first_child(f, root); n >= 0;
	     n = fdt_next_sibling(f, n)) {
		if (!prop_is(f, n, "device_type", "memory"))
			continue;
		uint64_t base, size;
		for (unsigned i = 0; fdt_reg(f, n, i, &base, &size); i++)
			add_region(bi->mem, &bi->mem_count, base, size,
				   VD_MEM_USABLE);
	}
}

static void add_reserved(const struct fdt *f, struct vd_boot_info *bi,
			 paddr_t blob_pa)
{
	/* the memory reservation block: (addr, size) pairs up to (0, 0),
	 * inside the blob (fdt_init checked the offset) */
	for (uint32_t off = f->rsvmap_off; f->size - off >= 16; off += 16) {
		const uint8_t *rsv = f->blob + off;
		uint64_t base = fdt_be64(rsv), size = fdt_be64(rsv + 8);
		if (!base && !size)
			break;
		add_region(bi->reserved, &bi->reserved_count, base, size,
			   VD_MEM_RESERVED);
	}
	/* /reserved-memory children, e.g. OpenSBI's mmode_resv@80000000 */
	int rm = fdt_path(f, "/reserved-memory");
	for (int n = rm >= 0 ? fdt_first_child(f, rm) : -1; n >= 0;
	     n = fdt_next_sibling(f, n)) {
		uint64_t base, size;
		for (unsigned i = 0; fdt_reg(f, n, i, &base, &size); i++)
			add_region(bi->reserved, &bi->reserved_count, base,
				   size, VD_MEM_RESERVED);
	}
	add_region(bi->reserved, &bi->reserved_count,
		   VD_ALIGN_DOWN(blob_pa, (paddr_t)VD_PAGE_SIZE),
		   VD_ALIGN_UP(f->size + (blob_pa & (VD_PAGE_SIZE - 1)),
			       (uint64_t)VD_PAGE_SIZE),
		   VD_MEM_BOOT_DATA);
}

static void add_chosen(const struct fdt *f, struct vd_boot_info *bi)
{
	int chosen = fdt_path(f, "/chosen");
	uint64_t start, end;
	uint32_t len;

	if (chosen < 0)
		return;
	/* U-Boot's fdt_chosen() records itself here before booti */
	const char *ub = fdt_prop(f, chosen, "u-boot,version", &len);
	if (ub && len && ub[len - 1] == '\0')
		bi->firmware = "U-Boot";
	const char *args = fdt_prop(f, chosen, "bootargs", &len);
	if (args && len && args[len - 1] == '\0')
		bi->cmdline = args;
	if (fdt_prop_u64(f, chosen, "linux,initrd-start", &start) &&
	    fdt_prop_u64(f, chosen, "linux,initrd-end", &end) && end > start) {
		bi->initrd_base = start;
		bi->initrd_size = end - start;
		add_region(bi->reserved, &bi->reserved_count,
			   VD_ALIGN_DOWN(start, (uint64_t)VD_PAGE_SIZE),
			   VD_ALIGN_UP(end, (uint64_t)VD_PAGE_SIZE) -
				   VD_ALIGN_DOWN(start, (uint64_t)VD_PAGE_SIZE),
			   VD_MEM_BOOT_DATA);
	}
}

bool fdt_fill_boot_info(const struct fdt *f, struct vd_boot_info *bi,
			paddr_t blob_pa, uint64_t boot_hwid)
{
	if (!bi->cmdline)
		bi->cmdline = "";
	fdt_overflow = false;
	/* the board is what the tree says it describes */
	uint32_t len;
	const char *model = fdt_prop(f, fdt_root(f), "model", &len);
	if (model && len && model[len - 1] == '\0')
		bi->board = model;
	add_memory(f, bi);
	add_reserved(f, bi, blob_pa);
	add_cpus(f, bi, boot_hwid);
	add_chosen(f, bi);
	return !fdt_overflow;
}
