/*
 * Veridian: ELF64 executable validation.
 *
 * The parser reads an image through a callback (kernel memory, the boot
 * file system, or a user buffer copied in fault-safely), checks every
 * header field that matters for loading, and returns the list of
 * loadable segments.  Anything malformed -- truncated, overlapping,
 * out-of-range, huge, wrong class/endianness/machine/type, dynamic or
 * writable+executable -- is VD_ERR_INVALID_PARAMETER, never a crash: all
 * arithmetic on file values is overflow-checked.  Pure code (no HAL, no
 * allocation), tested on the host in tests/host/test_elf.c.
 *
 * ELF64 file header (Elf64_Ehdr, 64 bytes, little-endian here):
 *
 *   0  e_ident[16]   7f 'E' 'L' 'F', class 2 (64-bit), data 1 (LSB),
 *                    version 1, OS ABI 0 (System V) or 3 (GNU), pad
 *  16  e_type        2 = ET_EXEC (static, not position-independent)
 *  18  e_machine     62 x86_64, 183 AArch64, 243 RISC-V
 *  20  e_version     1
 *  24  e_entry       first instruction (inside an executable PT_LOAD)
 *  32  e_phoff       program header table offset
 *  40  e_shoff       section header table offset (0 if none)
 *  48  e_flags       machine flags (RISC-V: float ABI must be soft)
 *  52  e_ehsize      64
 *  54  e_phentsize   56
 *  56  e_phnum       1 .. VD_ELF_MAX_PHDRS
 *  58  e_shentsize   64 (when there are sections)
 *  60  e_shnum, 62 e_shstrndx
 *
 * Program header (Elf64_Phdr, 56 bytes):
 *
 *   0  p_type   1 = PT_LOAD, ...     4  p_flags  PF_X 1, PF_W 2, PF_R 4
 *   8  p_offset  16 p_vaddr  24 p_paddr  32 p_filesz  40 p_memsz
 *  48  p_align  (0/1 or a power of two with vaddr = offset mod align)
 */
#ifndef VERIDIAN_ELF_H
#define VERIDIAN_ELF_H

#include <veridian/types.h>

#define VD_EM_X86_64  62
#define VD_EM_AARCH64 183
#define VD_EM_RISCV   243

/* VD_EM_NATIVE, the e_machine user programs must have, comes from the
 * architecture (hal/<arch>/include/arch/elf.h). */
#include <arch/elf.h>

#define VD_PF_X 1u
#define VD_PF_W 2u
#define VD_PF_R 4u

#define VD_ELF_MAX_PHDRS    64
#define VD_ELF_MAX_SEGMENTS 16

/* One PT_LOAD segment, validated. */
struct vd_elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;
	uint32_t flags; /* VD_PF_* */
};

struct vd_elf_image {
	uint64_t entry;
	unsigned nsegs;
	struct vd_elf_segment seg[VD_ELF_MAX_SEGMENTS];
	uint64_t image_bytes; /* page-rounded sum of the segments */
};

/* Read `len` bytes at `off` of the file into buf (the parser has checked
 * off + len <= size).  A user-memory source returns VD_ERR_MEM_FAULT. */
typedef vd_err_t (*vd_elf_read_fn)(void *ctx, uint64_t off, void *buf,
				   size_t len);

struct vd_elf_source {
	vd_elf_read_fn read;
	void *ctx;
	uint64_t size; /* file size */
};

/* What the target accepts. */
struct vd_elf_limits {
	uint16_t machine;	      /* e_machine */
	uint64_t user_base, user_top; /* segments in [base, top) */
	uint64_t max_image;	      /* bound on image_bytes */
};

/* Validate the ELF behind src and describe its loadable segments. */
vd_err_t vd_elf_parse(const struct vd_elf_source *src,
		      const struct vd_elf_limits *lim,
		      struct vd_elf_image *out);

/* Convenience: a source over a buffer in kernel memory. */
void vd_elf_source_buffer(struct vd_elf_source *src, const void *buf,
			  size_t size);

#endif /* VERIDIAN_ELF_H */
