/*
 * QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=P,iosize=4):
 * a write of v to I/O port P ends QEMU with exit status (v << 1) | 1.
 * Status 0 cannot be said: a pass is v = 0x10 (status 33, the x86 boards'
 * PASS_STATUS), a failure v = 0x11 (status 35).
 *
 * Nothing describes the device (no ACPI table, no detectable register:
 * reading the port returns nothing useful), so it matches nothing and is
 * bound only by the command line: vd.power=isa-debug-exit@0xf4, the port
 * the board's QEMU_DEVICES gives it.
 */
#include <arch/cpu.h>
#include <hal/driver.h>
#include <veridian/printf.h>

#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11
#define IO_PORT_LIMIT	0x10000

static uint16_t exit_port;

/* Errors: VD_ERR_INVALID_PARAMETER without a port (@addr) or with one
 * outside the 16-bit I/O space. */
static vd_err_t isa_debug_exit_probe(struct vd_device *dev)
{
	if (dev->base == 0 || dev->base >= IO_PORT_LIMIT) {
		kprintf("isa-debug-exit: needs an I/O port "
			"(vd.power=isa-debug-exit@<port>), got 0x%llx\n",
			(unsigned long long)dev->base);
		return VD_ERR_INVALID_PARAMETER;
	}
	exit_port = (uint16_t)dev->base;
	return VD_OK;
}

/* Returns only if QEMU did not exit (no device at the port). */
static void isa_debug_exit_off(int status)
{
	x86_outl(exit_port, status == 0 ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
}

static const struct vd_power_ops isa_debug_exit_ops = {
	.off = isa_debug_exit_off,
};

VD_DRIVER(isa_debug_exit_driver) = {
	.name = "isa-debug-exit",
	.role = VD_ROLE_POWER,
	.priority = 10,
	.probe = isa_debug_exit_probe,
	.ops = &isa_debug_exit_ops,
};
