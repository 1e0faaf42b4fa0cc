/*
 * Power off through QEMU's sifive_test device ("sifive,test0"), which the
 * DTB lists under /soc.  Writing a 32-bit word to its register:
 *
 *   0x5555                  exit QEMU with status 0 (FINISHER_PASS)
 *   (code << 16) | 0x3333   exit QEMU with status `code` (FINISHER_FAIL)
 *   0x7777                  reset
 *
 * Without the device, SBI SRST shuts down (QEMU then always exits 0, so a
 * failure status is lost: say so on the console).
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/platform.h>
#include <arch/sbi.h>
#include <hal/fdt.h>
#include <veridian/printf.h>

#define TEST_PASS	    0x5555
#define TEST_FAIL	    0x3333
#define SRST_SHUTDOWN	    0
#define SRST_REASON_NONE    0
#define SRST_REASON_FAILURE 1

static volatile uint32_t *test_reg;

void rv_power_init(const struct fdt *f)
{
	uint64_t base, size;
	int node = fdt_find_compatible(f, -1, "sifive,test0");
	if (node < 0)
		node = fdt_find_compatible(f, -1, "sifive,test1");
	if (node >= 0 && fdt_reg(f, node, 0, &base, &size))
		test_reg = rv_ioremap(base, 4);
}

VD_NORETURN void hal_poweroff(int status)
{
	csr_clear(sstatus, SSTATUS_SIE);
	if (test_reg) {
		uint32_t code = (uint32_t)status & 0xffff;
		if (status != 0 && code == 0)
			code = 1;
		*test_reg = status == 0 ? TEST_PASS : code << 16 | TEST_FAIL;
	}
	if (status != 0)
		kprintf("poweroff: no sifive,test0: status %d is lost\n",
			status);
	sbi_call(SBI_EXT_SRST, 0, SRST_SHUTDOWN,
		 status ? SRST_REASON_FAILURE : SRST_REASON_NONE, 0);
	for (;;)
		rv_wfi();
}
