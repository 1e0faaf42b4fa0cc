/*
 * In-kernel regression test, on every board, of a bug the host ELF
 * fuzzer found (tests/fuzz/elf.c; host case in tests/host/test_proc.c):
 * an executable whose segment reached into the main thread's stack at
 * the top of user space was accepted by the validator, and process
 * creation then failed with MemoryError(AlreadyMapped).  The image must
 * end a guard page below the stack: anything higher is a bad executable.
 */
#include <veridian/elf.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>
#include <veridian/proc.h>
#include <veridian/string.h>

#define TEXT 0x400000ull

static uint8_t image[0x3000] __attribute__((aligned(8)));

static void put(size_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		image[off + i] = (uint8_t)(v >> (8 * i));
}

static void phdr(unsigned i, uint32_t flags, uint64_t off, uint64_t va,
		 uint64_t filesz, uint64_t memsz)
{
	size_t p = 64 + 56 * i;

	put(p, 1, 4); /* PT_LOAD */
	put(p + 4, flags, 4);
	put(p + 8, off, 8);
	put(p + 16, va, 8);
	put(p + 24, va, 8);
	put(p + 32, filesz, 8);
	put(p + 40, memsz, 8);
	put(p + 48, 0x1000, 8);
}

/* text at TEXT, a data segment of 2 pages at data_va */
static void build(uint64_t data_va)
{
	vd_memset(image, 0, sizeof(image));
	vd_memcpy(image,
		  "\x7f"
		  "ELF\x02\x01\x01",
		  7);
	put(16, 2, 2); /* ET_EXEC */
	put(18, VD_EM_NATIVE, 2);
	put(20, 1, 4);
	put(24, TEXT, 8);
	put(32, 64, 8);
	put(52, 64, 2);
	put(54, 56, 2);
	put(56, 2, 2);
	phdr(0, VD_PF_R | VD_PF_X, 0x1000, TEXT, 0x10, 0x10);
	phdr(1, VD_PF_R | VD_PF_W, 0x2000, data_va, 0x10, 0x2000);
}

static vd_err_t create(vd_pid_t *pid)
{
	return vd_process_create(0, image, sizeof(image), NULL, NULL, NULL, 0,
				 pid, NULL);
}

VD_KTEST(proc_elf_image_stays_below_the_stack)
{
	uint64_t stack_top =
		VD_ALIGN_DOWN(hal_user_top(), VD_PAGE_SIZE) - VD_PAGE_SIZE;
	uint64_t image_top = stack_top - VD_USER_STACK_SIZE - VD_PAGE_SIZE;
	unsigned procs = vd_process_count();
	struct vd_process_exit_info info;
	vd_pid_t pid;

	build(stack_top - 0x3000); /* inside the stack */
	KT_ASSERT_EQ(create(&pid), VD_ERR_INVALID_PARAMETER);
	build(image_top - 0x1000); /* its last page in the guard */
	KT_ASSERT_EQ(create(&pid), VD_ERR_INVALID_PARAMETER);
	KT_ASSERT_EQ(vd_process_count(), procs);
	build(image_top - 0x2000); /* right below the guard: fine */
	KT_ASSERT_OK(create(&pid));
	KT_ASSERT_OK(vd_process_terminate(pid, 7));
	KT_ASSERT_OK(vd_process_wait(0, pid, 0, &info));
	KT_ASSERT_EQ(info.exit_code, 7);
	KT_ASSERT_EQ(vd_process_count(), procs);
}
