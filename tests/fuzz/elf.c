/*
 * libFuzzer harness: the ELF64 validator (core/proc/elf.c) and the loader
 * behind it (core/proc/loader.c).
 *
 * The input is the file.  It is parsed for the machine its header names
 * (x86_64, AArch64 or RISC-V; anything else as x86_64), through a reader
 * that aborts if the parser ever asks for bytes outside the file.  A
 * verdict other than OK / INVALID_PARAMETER is a failure, and an accepted
 * image must keep every promise of elf.h: segments inside the user
 * limits and the file, no two sharing a page, W^X, the entry inside an
 * executable segment, image_bytes the sum of the page-rounded segments.
 * The same file is parsed again through a reader that faults on its n-th
 * read: the fault must come back as VD_ERR_MEM_FAULT.
 *
 * An accepted x86_64 image of at most 1 MiB is then loaded into a real
 * process on the fake machine: every segment must read back as its file
 * bytes followed by zeros, and killing and reaping the process must give
 * back every heap byte.
 */
#include <host/fake.h>
#include <veridian/elf.h>
#include <veridian/proc.h>
#include <veridian/sched.h>

#include "../host/mm_fixture.h"
#include "fuzz.h"

#define USER_BASE 0x10000ull
/* what the loader allows (core/proc/proc_internal.h): up to a guard page
 * below the main thread's stack, which ends a guard page below 2^47 */
#define USER_TOP ((1ull << 47) - 0x1000 - VD_USER_STACK_SIZE - 0x1000)
#define PAGE	 4096ull

struct reader {
	const uint8_t *data;
	size_t size;
	unsigned reads, fault_at; /* fault_at 0: never */
};

static vd_err_t checked_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct reader *r = ctx;

	FUZZ_CHECK(off <= r->size && len <= r->size - off,
		   "read of %zu bytes at %#llx in a file of %zu", len,
		   (unsigned long long)off, r->size);
	if (++r->reads == r->fault_at)
		return VD_ERR_MEM_FAULT;
	memcpy(buf, r->data + off, len);
	return VD_OK;
}

static uint16_t machine_of(const uint8_t *d, size_t n)
{
	uint16_t m = n >= 20 ? (uint16_t)(d[18] | d[19] << 8) : 0;

	return m == VD_EM_AARCH64 || m == VD_EM_RISCV ? m : VD_EM_X86_64;
}

static void check_image(const struct vd_elf_image *img,
			const struct vd_elf_limits *lim, size_t size)
{
	uint64_t bytes = 0;
	int entry_ok = 0;

	FUZZ_CHECK(img->nsegs >= 1 && img->nsegs <= VD_ELF_MAX_SEGMENTS,
		   "nsegs %u", img->nsegs);
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct vd_elf_segment *s = &img->seg[i];
		uint64_t first = s->vaddr & ~(PAGE - 1);
		uint64_t last = (s->vaddr + s->memsz - 1) | (PAGE - 1);

		FUZZ_CHECK(s->memsz > 0 && s->filesz <= s->memsz,
			   "segment %u sizes", i);
		FUZZ_CHECK(s->vaddr >= lim->user_base &&
				   s->vaddr < lim->user_top &&
				   s->memsz <= lim->user_top - s->vaddr,
			   "segment %u at %#llx+%#llx outside the limits", i,
			   (unsigned long long)s->vaddr,
			   (unsigned long long)s->memsz);
		FUZZ_CHECK(s->offset <= size && s->filesz <= size - s->offset,
			   "segment %u outside the file", i);
		FUZZ_CHECK(!((s->flags & VD_PF_W) && (s->flags & VD_PF_X)),
			   "segment %u W+X", i);
		FUZZ_CHECK(!(s->flags & ~(VD_PF_R | VD_PF_W | VD_PF_X)),
			   "segment %u flags %#x", i, s->flags);
		for (unsigned j = 0; j < i; j++) {
			const struct vd_elf_segment *o = &img->seg[j];
			uint64_t of = o->vaddr & ~(PAGE - 1);
			uint64_t ol = (o->vaddr + o->memsz - 1) | (PAGE - 1);
			FUZZ_CHECK(last < of || ol < first,
				   "segments %u and %u share a page", j, i);
		}
		if ((s->flags & VD_PF_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = 1;
		bytes += last - first + 1;
	}
	FUZZ_CHECK(entry_ok, "entry %#llx in no executable segment",
		   (unsigned long long)img->entry);
	FUZZ_CHECK(bytes == img->image_bytes && bytes <= lim->max_image,
		   "image_bytes %llu, segments %llu",
		   (unsigned long long)img->image_bytes,
		   (unsigned long long)bytes);
}

static size_t heap_used(void)
{
	struct vd_allocator_stats s;

	vd_heap_stats(&s);
	return s.current_allocated;
}

/* Load an accepted native image into a process, read it back, reap it. */
static void load_and_check(const uint8_t *data, size_t size,
			   const struct vd_elf_image *img)
{
	static const char *const argv[] = {"fuzz", NULL};
	static uint8_t buf[PAGE];
	size_t heap0 = heap_used();
	unsigned procs0 = vd_process_count();
	struct vd_process_exit_info info;
	struct vd_process *p;
	vd_pid_t pid;
	vd_err_t err;

	err = vd_process_create(0, data, size, argv, argv, NULL, 0, &pid, NULL);
	if (err == VD_ERR_OUT_OF_MEMORY)
		return;
	FUZZ_CHECK(err == VD_OK, "process_create of an accepted image: %d",
		   err);
	p = vd_process_get(pid);
	FUZZ_CHECK(p, "no process %llu", (unsigned long long)pid);
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct vd_elf_segment *s = &img->seg[i];
		for (uint64_t o = 0; o < s->memsz; o += sizeof(buf)) {
			size_t n = (size_t)VD_MIN(sizeof(buf), s->memsz - o);
			FUZZ_CHECK(vd_uvm_read(p, s->vaddr + o, buf, n) ==
					   VD_OK,
				   "segment %u not readable at +%#llx", i,
				   (unsigned long long)o);
			for (size_t k = 0; k < n; k++) {
				uint8_t want = o + k < s->filesz
						       ? data[s->offset + o + k]
						       : 0;
				FUZZ_CHECK(buf[k] == want,
					   "segment %u byte +%#llx: %#x, file "
					   "says %#x",
					   i, (unsigned long long)(o + k),
					   buf[k], want);
			}
		}
	}
	vd_process_put(p);
	FUZZ_CHECK(vd_process_terminate(pid, 1) == VD_OK, "terminate");
	FUZZ_CHECK(vd_process_wait(0, pid, 0, &info) == VD_OK, "wait");
	FUZZ_CHECK(vd_process_count() == procs0, "process count");
	FUZZ_CHECK(heap_used() == heap0, "heap %zu -> %zu bytes", heap0,
		   heap_used());
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mm_boot_default(NULL);
	if (vd_sched_init() != VD_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vd_elf_limits lim = {
		.machine = machine_of(data, size),
		.user_base = USER_BASE,
		.user_top = USER_TOP,
		.max_image = VD_PROC_MAX_IMAGE,
	};
	struct reader r = {data, size, 0, 0};
	struct vd_elf_source src = {checked_read, &r, size};
	struct vd_elf_image img;
	unsigned reads;
	vd_err_t err;

	err = vd_elf_parse(&src, &lim, &img);
	FUZZ_CHECK(err == VD_OK || err == VD_ERR_INVALID_PARAMETER,
		   "vd_elf_parse: %d", err);
	reads = r.reads;
	if (getenv("VD_FUZZ_VERBOSE"))
		fprintf(stderr, "elf: machine %u, %zu bytes: %s, %u segments\n",
			lim.machine, size, vd_strerror(err),
			err ? 0 : img.nsegs);
	if (err == VD_OK)
		check_image(&img, &lim, size);

	/* a source that faults on one of the reads the parse made */
	if (reads) {
		struct vd_elf_image img2;
		vd_err_t err2;

		r.reads = 0;
		r.fault_at = 1 + (unsigned)(size % reads);
		err2 = vd_elf_parse(&src, &lim, &img2);
		/* the parse is deterministic: it makes the same reads and
		 * must stop at the faulting one */
		FUZZ_CHECK(err2 == VD_ERR_MEM_FAULT,
			   "a fault on read %u gave %d (clean parse %d)",
			   r.fault_at, err2, err);
	}

	if (err == VD_OK && lim.machine == VD_EM_NATIVE &&
	    img.image_bytes <= (1u << 20))
		load_and_check(data, size, &img);
	return 0;
}
