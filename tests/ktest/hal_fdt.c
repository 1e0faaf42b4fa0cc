/*
 * In-kernel regression tests of the device tree reader (hal/common/fdt.c,
 * linked into every kernel) on a blob built here, for the bugs the host
 * fuzzer found (tests/fuzz/fdt.c; host cases in tests/host/test_fdt.c):
 * a property whose length runs past the structure block, strings without
 * their NUL, and a memory reservation block outside the blob.
 */
#include <hal/fdt.h>
#include <veridian/ktest.h>
#include <veridian/string.h>

/*
 *   0  header (40)          off_mem_rsvmap 40, off_dt_struct 56,
 *  40  rsvmap: (0, 0)       off_dt_strings 116, totalsize 139
 *  56  struct (60 bytes):   BEGIN_NODE "" ; PROP compatible "ns16550a1" ;
 *                           PROP device_type "memory" ; END_NODE ; END
 * 116  strings (23 bytes):  "compatible\0device_type\0"
 */
#define OFF_STRUCT  56
#define SIZE_STRUCT 60
#define OFF_STRINGS 116
#define TOTAL	    139
#define COMPAT_LEN  (OFF_STRUCT + 12) /* len field of "compatible" */
#define DTYPE_LEN   (OFF_STRUCT + 36) /* len field of "device_type" */

static uint8_t blob[144] __attribute__((aligned(8)));

static void be32(unsigned off, uint32_t v)
{
	blob[off] = (uint8_t)(v >> 24);
	blob[off + 1] = (uint8_t)(v >> 16);
	blob[off + 2] = (uint8_t)(v >> 8);
	blob[off + 3] = (uint8_t)v;
}

static void build(void)
{
	unsigned s = OFF_STRUCT;

	vd_memset(blob, 0, sizeof(blob));
	be32(0, 0xd00dfeed);
	be32(4, TOTAL);
	be32(8, OFF_STRUCT);
	be32(12, OFF_STRINGS);
	be32(16, 40);
	be32(20, 17);
	be32(24, 16);
	be32(32, 23);
	be32(36, SIZE_STRUCT);
	be32(s, 1); /* BEGIN_NODE, name "" */
	be32(s + 8, 3);
	be32(s + 12, 10);
	be32(s + 16, 0);
	vd_memcpy(blob + s + 20, "ns16550a1", 10);
	be32(s + 32, 3);
	be32(s + 36, 7);
	be32(s + 40, 11);
	vd_memcpy(blob + s + 44, "memory", 7);
	be32(s + 52, 2);
	be32(s + 56, 9);
	vd_memcpy(blob + OFF_STRINGS, "compatible\0device_type", 23);
}

VD_KTEST(fdt_reader_handmade_blob)
{
	struct fdt f;
	uint32_t len;

	build();
	KT_ASSERT(fdt_init(&f, blob));
	int root = fdt_root(&f);
	KT_ASSERT_EQ(root, 0);
	KT_ASSERT(fdt_is_compatible(&f, root, "ns16550a1"));
	KT_ASSERT(fdt_prop(&f, root, "device_type", &len) != NULL);
	KT_ASSERT_EQ(len, 7);
}

VD_KTEST(fdt_prop_past_the_structure_block)
{
	struct fdt f;
	uint32_t len;

	build();
	/* runs 4 bytes past the structure block, into the strings: was
	 * handed out as is */
	be32(COMPAT_LEN, SIZE_STRUCT - 20 + 4);
	KT_ASSERT(fdt_init(&f, blob));
	KT_ASSERT(fdt_prop(&f, 0, "compatible", &len) == NULL);
	KT_ASSERT(!fdt_is_compatible(&f, 0, "ns16550a1"));
}

VD_KTEST(fdt_unterminated_strings_match_nothing)
{
	struct fdt f;
	uint32_t len;

	build();
	/* (shorter by one: the tokens that follow stay where they are) */
	be32(COMPAT_LEN, 9); /* "ns16550a1" without its NUL */
	be32(DTYPE_LEN, 6);  /* "memory" without its NUL */
	KT_ASSERT(fdt_init(&f, blob));
	KT_ASSERT(!fdt_is_compatible(&f, 0, "ns16550a1"));
	KT_ASSERT(fdt_prop(&f, 0, "device_type", &len) != NULL);
	KT_ASSERT_EQ(len, 6);
}

VD_KTEST(fdt_header_offsets_checked)
{
	struct fdt f;

	build();
	be32(16, TOTAL + 1); /* memory reservation block outside the blob */
	KT_ASSERT(!fdt_init(&f, blob));
	build();
	be32(4, 0x80000000u); /* 2 GiB: node offsets are ints */
	KT_ASSERT(!fdt_init(&f, blob));
}
