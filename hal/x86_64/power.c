/*
 * x86_64 HAL: power-off through QEMU's isa-debug-exit device.
 */
#include <arch/cpu.h>
#include <veridian/hal.h>

/*
 * isa-debug-exit (-device isa-debug-exit,iobase=0xf4,iosize=0x04): a
 * write of v to the port ends QEMU with exit status (v << 1) | 1.  The
 * board's PASS_STATUS 33 is v = 0x10; failures use v = 0x11 (status 35).
 */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11

VD_NORETURN void hal_poweroff(int status)
{
	__asm__ volatile("cli");
	x86_outl(DEBUG_EXIT_PORT,
		 status == 0 ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
	/* no debug-exit device: ACPI S5 via QEMU's PIIX4/ICH9 PM ports is
	 * board-specific; just stop */
	for (;;)
		__asm__ volatile("cli; hlt");
}
