/*
 * ELF64 validation (see include/veridian/elf.h for the header layouts).
 *
 * The file is read through the source callback into local copies of the
 * headers, little-endian fields are decoded byte by byte (no unaligned or
 * type-punned access to the file), and every offset/size pair is checked
 * with overflow-safe arithmetic before anything is trusted.
 */
#include <veridian/elf.h>
#include <veridian/string.h>

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define SHDR_SIZE 64

#define ET_EXEC	      2
#define EV_CURRENT    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define ELFOSABI_SYSV 0
#define ELFOSABI_GNU  3
#define PN_XNUM	      0xffff

#define PT_NULL	   0
#define PT_LOAD	   1
#define PT_DYNAMIC 2
#define PT_INTERP  3
#define PT_NOTE	   4
#define PT_SHLIB   5
#define PT_PHDR	   6
#define PT_TLS	   7

/* RISC-V e_flags: float ABI (bits 1-2: 0 soft, 2 single, 4 double,
 * 6 quad) and RV32E/RV64E (bit 3).  The kernel keeps F/D state (64-bit
 * f registers, docs/fpu.md), so soft, single and double programs run;
 * quad needs the Q extension's 128-bit registers, which it does not keep. */
#define EF_RISCV_FLOAT_ABI	0x6u
#define EF_RISCV_FLOAT_ABI_QUAD 0x6u
#define EF_RISCV_RVE		0x8u

#define PAGE_MASK ((uint64_t)VD_PAGE_SIZE - 1)

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* [off, off+len) inside a file of `size` bytes, without overflow. */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static bool is_pow2(uint64_t x)
{
	return x && (x & (x - 1)) == 0;
}

static vd_err_t check_ident(const uint8_t *e, const struct vd_elf_limits *lim)
{
	static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};

	if (vd_memcmp(e, magic, 4) != 0 || e[4] != ELFCLASS64 ||
	    e[5] != ELFDATA2LSB || e[6] != EV_CURRENT ||
	    (e[7] != ELFOSABI_SYSV && e[7] != ELFOSABI_GNU) || e[8] != 0)
		return VD_ERR_INVALID_PARAMETER;
	for (int i = 9; i < 16; i++) /* padding must be zero */
		if (e[i] != 0)
			return VD_ERR_INVALID_PARAMETER;
	if (le16(e + 16) != ET_EXEC || le16(e + 18) != lim->machine ||
	    le32(e + 20) != EV_CURRENT || le16(e + 52) != EHDR_SIZE ||
	    le16(e + 54) != PHDR_SIZE)
		return VD_ERR_INVALID_PARAMETER;
	if (lim->machine == VD_EM_RISCV &&
	    ((le32(e + 48) & EF_RISCV_FLOAT_ABI) == EF_RISCV_FLOAT_ABI_QUAD ||
	     (le32(e + 48) & EF_RISCV_RVE)))
		return VD_ERR_INVALID_PARAMETER;
	return VD_OK;
}

static vd_err_t check_sections(const uint8_t *e, uint64_t size)
{
	uint64_t shoff = le64(e + 40);
	uint16_t shentsize = le16(e + 58), shnum = le16(e + 60);
	uint16_t shstrndx = le16(e + 62);

	if (shnum == 0) {
		/* no sections; or extended numbering, with the real count in
		 * section 0, which must then at least exist */
		if (shoff == 0)
			return VD_OK;
		return shentsize == SHDR_SIZE && shoff >= EHDR_SIZE &&
				       in_file(shoff, SHDR_SIZE, size)
			       ? VD_OK
			       : VD_ERR_INVALID_PARAMETER;
	}
	if (shentsize != SHDR_SIZE || shoff < EHDR_SIZE ||
	    !in_file(shoff, (uint64_t)shnum * SHDR_SIZE, size))
		return VD_ERR_INVALID_PARAMETER;
	if (shstrndx >= shnum && shstrndx != 0)
		return VD_ERR_INVALID_PARAMETER;
	return VD_OK;
}

/* Validate one PT_LOAD and append it to out. */
static vd_err_t add_load(const uint8_t *ph, uint64_t size,
			 const struct vd_elf_limits *lim,
			 struct vd_elf_image *out)
{
	uint32_t flags = le32(ph + 4);
	uint64_t offset = le64(ph + 8), vaddr = le64(ph + 16);
	uint64_t filesz = le64(ph + 32), memsz = le64(ph + 40);
	uint64_t align = le64(ph + 48);
	uint64_t first, last;
	struct vd_elf_segment *s;

	if (memsz == 0)
		return filesz == 0 ? VD_OK : VD_ERR_INVALID_PARAMETER;
	if (filesz > memsz || !in_file(offset, filesz, size))
		return VD_ERR_INVALID_PARAMETER;
	if (flags & ~(VD_PF_R | VD_PF_W | VD_PF_X))
		return VD_ERR_INVALID_PARAMETER;
	if ((flags & VD_PF_W) && (flags & VD_PF_X))
		return VD_ERR_INVALID_PARAMETER; /* W^X */
	if (align > 1 && (!is_pow2(align) || (vaddr - offset) % align != 0))
		return VD_ERR_INVALID_PARAMETER;
	if (vaddr < lim->user_base || vaddr >= lim->user_top ||
	    memsz > lim->user_top - vaddr)
		return VD_ERR_INVALID_PARAMETER;

	/* segments own whole pages: no two may share one */
	first = vaddr & ~PAGE_MASK;
	last = (vaddr + memsz - 1) | PAGE_MASK;
	for (unsigned i = 0; i < out->nsegs; i++) {
		const struct vd_elf_segment *o = &out->seg[i];
		uint64_t ofirst = o->vaddr & ~PAGE_MASK;
		uint64_t olast = (o->vaddr + o->memsz - 1) | PAGE_MASK;
		if (first <= olast && ofirst <= last)
			return VD_ERR_INVALID_PARAMETER;
	}
	if (out->nsegs == VD_ELF_MAX_SEGMENTS)
		return VD_ERR_INVALID_PARAMETER;
	if (last - first + 1 > lim->max_image - out->image_bytes)
		return VD_ERR_INVALID_PARAMETER; /* huge */
	out->image_bytes += last - first + 1;

	s = &out->seg[out->nsegs++];
	s->vaddr = vaddr;
	s->memsz = memsz;
	s->offset = offset;
	s->filesz = filesz;
	s->flags = flags;
	return VD_OK;
}

vd_err_t vd_elf_parse(const struct vd_elf_source *src,
		      const struct vd_elf_limits *lim, struct vd_elf_image *out)
{
	uint8_t ehdr[EHDR_SIZE], ph[PHDR_SIZE];
	uint64_t phoff, entry;
	uint16_t phnum;
	vd_err_t err;
	bool entry_ok = false;

	if (!src || !src->read || !lim || !out ||
	    lim->user_base >= lim->user_top)
		return VD_ERR_INVALID_PARAMETER;
	vd_memset(out, 0, sizeof(*out));
	if (src->size < EHDR_SIZE)
		return VD_ERR_INVALID_PARAMETER;
	err = src->read(src->ctx, 0, ehdr, EHDR_SIZE);
	if (err)
		return err;
	err = check_ident(ehdr, lim);
	if (err)
		return err;
	err = check_sections(ehdr, src->size);
	if (err)
		return err;

	entry = le64(ehdr + 24);
	phoff = le64(ehdr + 32);
	phnum = le16(ehdr + 56);
	if (phnum == 0 || phnum == PN_XNUM || phnum > VD_ELF_MAX_PHDRS ||
	    phoff < EHDR_SIZE || phoff % 8 != 0 ||
	    !in_file(phoff, (uint64_t)phnum * PHDR_SIZE, src->size))
		return VD_ERR_INVALID_PARAMETER;

	for (unsigned i = 0; i < phnum; i++) {
		uint32_t type;

		err = src->read(src->ctx, phoff + (uint64_t)i * PHDR_SIZE, ph,
				PHDR_SIZE);
		if (err)
			return err;
		type = le32(ph);
		switch (type) {
		case PT_LOAD:
			err = add_load(ph, src->size, lim, out);
			break;
		case PT_DYNAMIC: /* static executables only */
		case PT_INTERP:
		case PT_SHLIB:
		case PT_TLS: /* no thread-local storage support */
			err = VD_ERR_INVALID_PARAMETER;
			break;
		default: /* NULL, NOTE, PHDR, GNU_STACK, attributes...: */
			/* not loaded, but must still lie inside the file */
			if (type != PT_NULL &&
			    !in_file(le64(ph + 8), le64(ph + 32), src->size))
				err = VD_ERR_INVALID_PARAMETER;
			break;
		}
		if (err)
			return err;
	}
	if (out->nsegs == 0)
		return VD_ERR_INVALID_PARAMETER;
	for (unsigned i = 0; i < out->nsegs; i++) {
		const struct vd_elf_segment *s = &out->seg[i];
		if ((s->flags & VD_PF_X) && entry >= s->vaddr &&
		    entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		return VD_ERR_INVALID_PARAMETER;
	out->entry = entry;
	return VD_OK;
}

static vd_err_t buffer_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	vd_memcpy(buf, (const uint8_t *)ctx + off, len);
	return VD_OK;
}

void vd_elf_source_buffer(struct vd_elf_source *src, const void *buf,
			  size_t size)
{
	src->read = buffer_read;
	src->ctx = (void *)(uintptr_t)buf;
	src->size = size;
}
