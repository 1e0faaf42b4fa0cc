/*
 * AArch64 machine code for the HAL ktest programs (hal/ktest.h).
 *
 * A64 encodings used (ARM ARM C6):
 *   MOVZ Xd, #imm16               0xd2800000 | imm16 << 5 | d
 *   LDR  Xt, <literal>            0x58000000 | imm19 << 5 | t  (pc + 4*imm19)
 *   B    .+4*imm26                0x14000000 | imm26
 *   LDR  Xt, [Xn] / STR Xt, [Xn]  0xf9400000 / 0xf9000000 | n << 5 | t
 *   BR   Xn                       0xd61f0000 | n << 5
 *   SUBS Xd, Xn, #1               0xf1000400 | n << 5 | d
 *   B.NE .+4*imm19                0x54000001 | (imm19 & 0x7ffff) << 5
 *   SVC  #0                       0xd4000001
 *   NOP                           0xd503201f
 * Syscalls: number in x8, arguments and result in x0..x5.  x9 is the
 * scratch address register, x19 (callee-saved) the loop counter.
 */
#include <hal/ktest.h>

#define X_NR	8
#define X_ADDR	9
#define X_COUNT 19

static void word(struct hal_kt_code *c, uint32_t insn)
{
	hal_kt_emit_bytes(c, &insn, sizeof(insn));
}

/* Xd = v: MOVZ when it fits, else an inline literal jumped over:
 * LDR Xd, lit; B past; lit (8-byte aligned, a NOP in front if needed). */
static void set_reg(struct hal_kt_code *c, unsigned d, uint64_t v)
{
	if (v <= 0xffff) {
		word(c, 0xd2800000u | (uint32_t)v << 5 | d);
		return;
	}
	if ((c->len + 8) % 8)
		word(c, 0xd503201fu);
	word(c, 0x58000000u | 2u << 5 | d); /* literal at +8 */
	word(c, 0x14000003u);		    /* over it, to +12 */
	hal_kt_emit_bytes(c, &v, sizeof(v));
}

void hal_kt_emit_arg(struct hal_kt_code *c, unsigned i, uint64_t value)
{
	set_reg(c, i, value);
}

size_t hal_kt_emit_syscall(struct hal_kt_code *c, uint64_t nr)
{
	set_reg(c, X_NR, nr);
	word(c, 0xd4000001u);
	return c->len;
}

void hal_kt_emit_result_to_arg0(struct hal_kt_code *c)
{
	(void)c; /* x0 is both */
}

/* x9 = addr, then insn (which uses x9); returns the offset of insn. */
static size_t via_x9(struct hal_kt_code *c, vaddr_t addr, uint32_t insn)
{
	set_reg(c, X_ADDR, addr);
	size_t at = c->len;
	word(c, insn);
	return at;
}

size_t hal_kt_emit_load(struct hal_kt_code *c, vaddr_t addr)
{
	return via_x9(c, addr, 0xf9400000u | X_ADDR << 5 | 0); /* x0 */
}

size_t hal_kt_emit_store(struct hal_kt_code *c, vaddr_t addr)
{
	return via_x9(c, addr, 0xf9000000u | X_ADDR << 5 | 0);
}

void hal_kt_emit_jump(struct hal_kt_code *c, vaddr_t addr)
{
	via_x9(c, addr, 0xd61f0000u | X_ADDR << 5);
}

void hal_kt_emit_spin(struct hal_kt_code *c)
{
	word(c, 0x14000000u);
}

/* x19 = n; x8 = nr; 1: svc #0; subs x19, x19, #1; b.ne 1b
 * (x8 survives the syscall, so it is set once) */
void hal_kt_emit_syscall_loop(struct hal_kt_code *c, uint64_t nr, unsigned n)
{
	set_reg(c, X_COUNT, n);
	set_reg(c, X_NR, nr);
	word(c, 0xd4000001u);
	word(c, 0xf1000400u | X_COUNT << 5 | X_COUNT);
	word(c, 0x54000001u | (-2u & 0x7ffff) << 5);
}
