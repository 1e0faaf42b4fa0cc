/*
 * RISC-V machine code for the HAL ktest programs (hal/ktest.h).  The
 * instruction encoders are in arch/ktest.h.
 *
 * Syscalls: number in a7, arguments and result in a0..a5.  t0 is the
 * scratch address register, s2 (callee-saved) the loop counter.
 */
#include <arch/ktest.h>

void rv_kt_word(struct hal_kt_code *c, uint32_t insn)
{
	hal_kt_emit_bytes(c, &insn, sizeof(insn));
}

/* rd = v: ADDI when it fits 12 signed bits, else an inline literal:
 * AUIPC rd, 0; LD rd, 12(rd); JAL zero, 12; .dword v (8-byte aligned,
 * a NOP in front if needed). */
void rv_kt_set_reg(struct hal_kt_code *c, unsigned rd, uint64_t v)
{
	if ((int64_t)v >= -2048 && (int64_t)v < 2048) {
		rv_kt_word(c, rv_addi(rd, RV_ZERO, (int)v));
		return;
	}
	if ((c->len + 12) % 8)
		rv_kt_word(c, rv_addi(RV_ZERO, RV_ZERO, 0)); /* nop */
	rv_kt_word(c, rd << 7 | 0x17);			     /* auipc rd, 0 */
	rv_kt_word(c, rv_ld(rd, rd, 12));
	rv_kt_word(c, rv_jal_zero(12));
	hal_kt_emit_bytes(c, &v, sizeof(v));
}

void hal_kt_emit_arg(struct hal_kt_code *c, unsigned i, uint64_t value)
{
	rv_kt_set_reg(c, RV_A0 + i, value);
}

size_t hal_kt_emit_syscall(struct hal_kt_code *c, uint64_t nr)
{
	rv_kt_set_reg(c, RV_A7, nr);
	rv_kt_word(c, RV_ECALL);
	return c->len;
}

void hal_kt_emit_result_to_arg0(struct hal_kt_code *c)
{
	(void)c; /* a0 is both */
}

/* t0 = addr, then insn (which uses t0); returns the offset of insn. */
static size_t via_t0(struct hal_kt_code *c, vaddr_t addr, uint32_t insn)
{
	rv_kt_set_reg(c, RV_T0, addr);
	size_t at = c->len;
	rv_kt_word(c, insn);
	return at;
}

size_t hal_kt_emit_load(struct hal_kt_code *c, vaddr_t addr)
{
	return via_t0(c, addr, rv_ld(RV_A0, RV_T0, 0));
}

size_t hal_kt_emit_store(struct hal_kt_code *c, vaddr_t addr)
{
	return via_t0(c, addr, rv_sd(RV_A0, RV_T0, 0));
}

void hal_kt_emit_jump(struct hal_kt_code *c, vaddr_t addr)
{
	via_t0(c, addr, rv_i_type(0x67, 0, RV_ZERO, RV_T0, 0)); /* jalr */
}

void hal_kt_emit_spin(struct hal_kt_code *c)
{
	rv_kt_word(c, rv_jal_zero(0));
}

/* s2 = n; a7 = nr; 1: ecall; addi s2, s2, -1; bne s2, zero, 1b
 * (a7 survives the syscall, so it is set once) */
void hal_kt_emit_syscall_loop(struct hal_kt_code *c, uint64_t nr, unsigned n)
{
	rv_kt_set_reg(c, RV_S2, n);
	rv_kt_set_reg(c, RV_A7, nr);
	rv_kt_word(c, RV_ECALL);
	rv_kt_word(c, rv_addi(RV_S2, RV_S2, -1));
	rv_kt_word(c, rv_branch(RV_BNE, RV_S2, RV_ZERO, -8));
}
