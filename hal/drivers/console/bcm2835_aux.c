/*
 * Console on the BCM2835 auxiliary mini-UART ("brcm,bcm2835-aux-uart";
 * Raspberry Pi 1-3, QEMU raspi machines: their second serial port).
 *
 * The mini-UART is a cut-down 16550 inside the auxiliary block (BCM2835
 * ARM Peripherals, chapter 2).  The device-tree node's reg is its own
 * register window (aux base + 0x40); 32-bit registers, offsets from it:
 *
 *   0x00 IO    data: write = transmit, read = receive [7:0]
 *   0x0c LCR   line control: [1:0] 0b11 = 8-bit characters
 *   0x14 LSR   line status: bit 0 data ready, bit 5 transmitter can take
 *              a byte
 *   0x20 CNTL  extra control: bit 0 receiver enable, bit 1 transmitter
 *              enable
 *
 * The block's enable register (aux + 0x04, bit 0 mini-UART) and the baud
 * divisor (which follows the VideoCore clock) are the firmware's: on a
 * real Pi enable_uart=1 sets them up, QEMU's mini-UART is always enabled
 * and has no line speed.  Probing only turns on 8-bit characters and
 * both directions, which costs nothing if they already are.
 *
 * Polled: hal_console_putc waits for room (bounded: a UART that never
 * drains loses characters instead of hanging the kernel).
 */
#include <hal/driver.h>

#define MU_IO	       0x00
#define MU_LCR	       0x0c
#define MU_LSR	       0x14
#define MU_CNTL	       0x20
#define MU_LCR_8BIT    0x3u
#define MU_LSR_DATA    (1u << 0)
#define MU_LSR_TX_ROOM (1u << 5)
#define MU_CNTL_RX     (1u << 0)
#define MU_CNTL_TX     (1u << 1)
#define MU_WINDOW      0x40
#define TX_POLL_LIMIT  1000000u

static volatile uint32_t *mu;

static uint32_t rd(unsigned off)
{
	return mu[off / 4];
}

static void wr(unsigned off, uint32_t v)
{
	mu[off / 4] = v;
}

static vd_err_t bcm2835_aux_probe(struct vd_device *dev)
{
	/* a node without reg, or one too small for the registers used */
	if (!dev->base || (dev->size && dev->size < MU_WINDOW))
		return VD_ERR_NOT_FOUND;
	mu = hal_map_device(dev->base, MU_WINDOW);
	wr(MU_LCR, MU_LCR_8BIT);
	wr(MU_CNTL, MU_CNTL_RX | MU_CNTL_TX);
	return VD_OK;
}

static void bcm2835_aux_putc(char c)
{
	for (uint32_t i = 0; !(rd(MU_LSR) & MU_LSR_TX_ROOM); i++)
		if (i == TX_POLL_LIMIT)
			return;
	wr(MU_IO, (uint8_t)c);
}

static int bcm2835_aux_getc(void)
{
	if (!(rd(MU_LSR) & MU_LSR_DATA))
		return -1;
	return (int)(rd(MU_IO) & 0xff);
}

static const char *const bcm2835_aux_match[] = {"brcm,bcm2835-aux-uart", NULL};
static const struct vd_console_ops bcm2835_aux_ops = {
	.putc = bcm2835_aux_putc,
	.getc = bcm2835_aux_getc,
};

VD_DRIVER(bcm2835_aux_driver) = {
	.name = "bcm2835-aux",
	.role = VD_ROLE_CONSOLE,
	.priority = 10,
	.compatible = bcm2835_aux_match,
	.probe = bcm2835_aux_probe,
	.ops = &bcm2835_aux_ops,
};
