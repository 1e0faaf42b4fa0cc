/*
 * libFuzzer harness: the flattened device tree reader (hal/common/fdt.c),
 * as the AArch64 and RISC-V HALs use it at boot.
 *
 * The input is the blob.  The firmware promises that totalsize bytes are
 * there, so a header claiming more than the input is cut to the input's
 * size (everything else in the blob is left as the fuzzer made it).  The
 * harness then uses every entry point: paths, a walk over every node
 * (names, parents, properties, reg entries, compatible lists), the
 * compatible search, the console lookup (fdt_stdout_node) and
 * fdt_fill_boot_info.  Beyond ASan's checks of the
 * buffer itself, whatever the reader hands out must lie inside its block:
 * node names NUL-terminated inside the structure block, property values
 * inside it, the command line NUL-terminated inside it, region counts
 * within their arrays, and the blob and the initrd reserved.
 */
#include <hal/fdt.h>
#include <veridian/hal.h>

#include "fuzz.h"

#define MAX_NODES 512
#define MAX_DEPTH 24

struct walk {
	const struct fdt *f;
	unsigned nodes;
};

static void check_inside(const struct fdt *f, const void *p, uint64_t len,
			 const char *what)
{
	const uint8_t *b = p, *s = f->structs;

	FUZZ_CHECK(b >= s && b <= s + f->structs_size &&
			   len <= (uint64_t)(s + f->structs_size - b),
		   "%s [%p, +%llu) outside the structure block [%p, +%u)", what,
		   p, (unsigned long long)len, (const void *)s,
		   f->structs_size);
}

static void check_name(const struct fdt *f, int node)
{
	const char *n = fdt_node_name(f, node);
	const char *s = (const char *)f->structs;

	if (n[0] == '\0' && (n < s || n >= s + f->structs_size))
		return; /* the static "" of a non-node */
	check_inside(f, n, 1, "node name");
	FUZZ_CHECK(memchr(n, 0, (size_t)(s + f->structs_size - n)),
		   "node name at %d not terminated in the block", node);
}

static const char *const props[] = {
	"compatible",	    "reg",	  "device_type",
	"status",	    "bootargs",	  "#address-cells",
	"#size-cells",	    "interrupts", "linux,initrd-start",
	"linux,initrd-end", "",		  "x",
};

static void visit(struct walk *w, int node, int parent, unsigned depth)
{
	const struct fdt *f = w->f;
	uint64_t base, size, v64;
	uint32_t len, v32;

	if (w->nodes++ >= MAX_NODES || depth > MAX_DEPTH)
		return;
	check_name(f, node);
	if (depth < 16) { /* fdt_parent tracks 16 levels */
		int got = fdt_parent(f, node);
		FUZZ_CHECK(got == parent, "parent of %d: %d, walk says %d",
			   node, got, parent);
	}
	for (unsigned i = 0; i < VD_ARRAY_SIZE(props); i++) {
		const void *p = fdt_prop(f, node, props[i], &len);
		if (p)
			check_inside(f, p, len, props[i]);
		(void)fdt_prop_u32(f, node, props[i], &v32);
		(void)fdt_prop_u64(f, node, props[i], &v64);
	}
	(void)fdt_is_compatible(f, node, "ns16550a");
	(void)fdt_is_compatible(f, node, "");
	for (unsigned i = 0; i < 4 && fdt_reg(f, node, i, &base, &size); i++)
		;
	for (int c = fdt_first_child(f, node); c >= 0;
	     c = fdt_next_sibling(f, c)) {
		FUZZ_CHECK(c > node, "child %d before its parent %d", c, node);
		visit(w, c, node, depth + 1);
		if (w->nodes >= MAX_NODES)
			break;
	}
}

static int covered(const struct vd_mem_region *r, unsigned n, uint64_t base,
		   uint64_t size)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = r[i].base + r[i].size;
		if (end < r[i].base)
			end = UINT64_MAX; /* as frame_init.c clamps */
		if (r[i].base <= base && size <= end - base && base <= end)
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"/",	       "/chosen",    "/cpus",
		"/cpus/cpu@0", "/memory",    "/reserved-memory",
		"/soc/serial", "//chosen//", "/a/b/c/d",
		"relative",    "",
	};
	static struct vd_boot_info bi;
	struct walk w;
	struct fdt f;
	uint8_t *blob;
	int root;

	if (size < 40 || size > (1u << 20))
		return 0;
	blob = malloc(size);
	memcpy(blob, data, size);
	if (fdt_be32(blob + 4) > size) { /* cut totalsize to what is there */
		blob[4] = (uint8_t)(size >> 24);
		blob[5] = (uint8_t)(size >> 16);
		blob[6] = (uint8_t)(size >> 8);
		blob[7] = (uint8_t)size;
	}
	if (!fdt_init(&f, blob)) {
		free(blob);
		return 0;
	}
	FUZZ_CHECK(fdt_blob_size(blob) == f.size && f.size <= size,
		   "blob size %u", f.size);
	FUZZ_CHECK(f.structs >= blob && f.structs_size <= f.size &&
			   (size_t)(f.structs - blob) <=
				   f.size - f.structs_size,
		   "structure block outside the blob");
	FUZZ_CHECK((const uint8_t *)f.strings >= blob &&
			   f.strings_size <= f.size &&
			   (size_t)((const uint8_t *)f.strings - blob) <=
				   f.size - f.strings_size,
		   "strings block outside the blob");

	for (unsigned i = 0; i < VD_ARRAY_SIZE(paths); i++) {
		int n = fdt_path(&f, paths[i]);
		if (n >= 0)
			check_name(&f, n);
	}
	root = fdt_root(&f);
	w.f = &f;
	w.nodes = 0;
	if (root >= 0)
		visit(&w, root, -1, 0);
	for (int n = fdt_find_compatible(&f, -1, "ns16550a"), k = 0;
	     n >= 0 && k < MAX_NODES;
	     n = fdt_find_compatible(&f, n, "ns16550a"), k++)
		FUZZ_CHECK(fdt_is_compatible(&f, n, "ns16550a"),
			   "find_compatible returned %d", n);

	int out = fdt_stdout_node(&f);
	if (out >= 0)
		check_name(&f, out);

	memset(&bi, 0, sizeof(bi));
	(void)fdt_fill_boot_info(&f, &bi, 0x5f000000, 0);
	FUZZ_CHECK(bi.mem_count <= VD_MAX_MEM_REGIONS &&
			   bi.reserved_count <= VD_MAX_MEM_REGIONS &&
			   bi.cpu_count >= 1 && bi.cpu_count <= VD_MAX_CPUS,
		   "counts: mem %u reserved %u cpus %u", bi.mem_count,
		   bi.reserved_count, bi.cpu_count);
	if (bi.cmdline[0] != '\0') {
		check_inside(&f, bi.cmdline, 1, "bootargs");
		FUZZ_CHECK(memchr(bi.cmdline, 0,
				  (size_t)((const char *)f.structs +
					   f.structs_size - bi.cmdline)),
			   "bootargs not terminated in the block");
	}
	if (bi.reserved_count < VD_MAX_MEM_REGIONS) {
		FUZZ_CHECK(covered(bi.reserved, bi.reserved_count, 0x5f000000,
				   f.size),
			   "the blob is not reserved");
		if (bi.initrd_size)
			FUZZ_CHECK(covered(bi.reserved, bi.reserved_count,
					   bi.initrd_base, bi.initrd_size),
				   "the initrd is not reserved");
	}
	free(blob);
	return 0;
}
