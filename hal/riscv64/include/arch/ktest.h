/*
 * Helpers shared by the RISC-V HAL ktests (ktest_riscv64*.c,
 * ktest_code.c): RV64I instruction encoders for hand-made programs, on
 * top of the portable support in hal/ktest.h.
 */
#ifndef ARCH_KTEST_H
#define ARCH_KTEST_H

#include <hal/ktest.h>

/* The raw Sv39 leaf entry mapping va (0 if none). */
uint64_t rv_ktest_raw_pte(paddr_t root, vaddr_t va);

/* ---- RV64I encoders (unprivileged spec, "RV32I Base" formats) ------- */

enum {
	RV_ZERO = 0,
	RV_RA = 1,
	RV_SP = 2,
	RV_TP = 4,
	RV_T0 = 5,
	RV_T1 = 6,
	RV_T2 = 7,
	RV_S1 = 9,
	RV_A0 = 10,
	RV_A1,
	RV_A2,
	RV_A3,
	RV_A4,
	RV_A5,
	RV_A6,
	RV_A7,
	RV_S2 = 18,
	RV_S3,
	RV_S4
};

#define RV_ECALL       0x00000073u
#define RV_BNE	       1
#define RV_BLTU	       6
#define RV_CSR_TIME    0xc01
#define RV_CSR_INSTRET 0xc02

/* I-type: imm[11:0] rs1 funct3 rd opcode */
static inline uint32_t rv_i_type(unsigned op, unsigned f3, unsigned rd,
				 unsigned rs1, int imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 |
	       op;
}

static inline uint32_t rv_addi(unsigned rd, unsigned rs1, int imm)
{
	return rv_i_type(0x13, 0, rd, rs1, imm);
}

static inline uint32_t rv_ld(unsigned rd, unsigned rs1, int imm)
{
	return rv_i_type(0x03, 3, rd, rs1, imm);
}

/* S-type: imm[11:5] rs2 rs1 funct3 imm[4:0] opcode */
static inline uint32_t rv_sd(unsigned rs2, unsigned rs1, int imm)
{
	uint32_t i = (uint32_t)imm;
	return ((i >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | 3 << 12 |
	       (i & 0x1f) << 7 | 0x23;
}

/* U-type LUI: rd = imm20 << 12 (sign-extended) */
static inline uint32_t rv_lui(unsigned rd, uint32_t imm20)
{
	return imm20 << 12 | rd << 7 | 0x37;
}

/* csrrs rd, csr, x0 */
static inline uint32_t rv_csrr(unsigned rd, unsigned csr)
{
	return rv_i_type(0x73, 2, rd, RV_ZERO, (int)csr);
}

/* R-type ADD / SUB */
static inline uint32_t rv_add(unsigned rd, unsigned rs1, unsigned rs2)
{
	return rs2 << 20 | rs1 << 15 | rd << 7 | 0x33;
}

static inline uint32_t rv_sub(unsigned rd, unsigned rs1, unsigned rs2)
{
	return 0x20u << 25 | rv_add(rd, rs1, rs2);
}

/* B-type: imm[12|10:5] rs2 rs1 funct3 imm[4:1|11] opcode */
static inline uint32_t rv_branch(unsigned f3, unsigned rs1, unsigned rs2,
				 int off)
{
	uint32_t i = (uint32_t)off;
	return ((i >> 12) & 1) << 31 | ((i >> 5) & 0x3f) << 25 | rs2 << 20 |
	       rs1 << 15 | f3 << 12 | ((i >> 1) & 0xf) << 8 |
	       ((i >> 11) & 1) << 7 | 0x63;
}

/* J-type JAL zero, off (off within +-1 MiB) */
static inline uint32_t rv_jal_zero(int off)
{
	uint32_t i = (uint32_t)off;
	return ((i >> 20) & 1) << 31 | ((i >> 1) & 0x3ff) << 21 |
	       ((i >> 11) & 1) << 20 | ((i >> 12) & 0xff) << 12 | 0x6f;
}

/* Append one instruction; rd = any 64-bit value (ADDI or a literal). */
void rv_kt_word(struct hal_kt_code *c, uint32_t insn);
void rv_kt_set_reg(struct hal_kt_code *c, unsigned rd, uint64_t v);

#endif /* ARCH_KTEST_H */
