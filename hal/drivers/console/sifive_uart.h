/*
 * SiFive UART register layout, for hal/drivers/console/sifive_uart.c and
 * the PLIC ktest that raises its transmit-watermark interrupt
 * (hal/riscv64/ktest_plic.c).
 *
 * Registers (FU540-C000 manual, chapter "Universal Asynchronous
 * Receiver/Transmitter"), 32 bits each:
 *
 *   0x00 txdata  bits 7:0 byte to send; bit 31 FULL (read): the
 *                transmit FIFO is full and the write was ignored
 *   0x04 rxdata  bits 7:0 byte received; bit 31 EMPTY: no byte (then
 *                7:0 mean nothing).  A read pops the FIFO.
 *   0x08 txctrl  bit 0 txen, bit 1 nstop (0 = one stop bit),
 *                bits 18:16 txcnt: transmit watermark
 *   0x0c rxctrl  bit 0 rxen, bits 18:16 rxcnt: receive watermark
 *   0x10 ie      interrupt enable: bit 0 txwm, bit 1 rxwm
 *   0x14 ip      interrupt pending: bit 0 txwm (transmit FIFO holds
 *                fewer than txcnt bytes), bit 1 rxwm (receive FIFO holds
 *                more than rxcnt)
 *   0x18 div     baud divisor: f_baud = f_in / (div + 1)
 */
#ifndef HAL_DRIVERS_CONSOLE_SIFIVE_UART_H
#define HAL_DRIVERS_CONSOLE_SIFIVE_UART_H

enum {
	SIFIVE_UART_TXDATA = 0x00,
	SIFIVE_UART_RXDATA = 0x04,
	SIFIVE_UART_TXCTRL = 0x08,
	SIFIVE_UART_RXCTRL = 0x0c,
	SIFIVE_UART_IE = 0x10,
	SIFIVE_UART_IP = 0x14,
	SIFIVE_UART_DIV = 0x18,
	SIFIVE_UART_SIZE = 0x1c,
};

#define SIFIVE_UART_TXDATA_FULL	 (1u << 31)
#define SIFIVE_UART_RXDATA_EMPTY (1u << 31)
#define SIFIVE_UART_DATA_MASK	 0xffu
#define SIFIVE_UART_TXCTRL_TXEN	 (1u << 0)
#define SIFIVE_UART_TXCNT_SHIFT	 16 /* txctrl bits 18:16 */
#define SIFIVE_UART_TXCNT_MASK	 (7u << SIFIVE_UART_TXCNT_SHIFT)
#define SIFIVE_UART_RXCTRL_RXEN	 (1u << 0)
#define SIFIVE_UART_IE_TXWM	 (1u << 0)

#endif /* HAL_DRIVERS_CONSOLE_SIFIVE_UART_H */
