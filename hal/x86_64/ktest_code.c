/*
 * x86_64 machine code for the HAL ktest programs (hal/ktest.h).
 *
 * Encodings used (SDM vol. 2; REX.W = 0x48, REX.B extends the r/m or
 * opcode register to r8-r15):
 *   movabs $imm64, %reg   REX.W[+B] B8+r imm64
 *   mov (%r11), %rdi      49 8B 3B         mov %rdi, (%r11)   49 89 3B
 *   mov %rax, %rdi        48 89 C7         jmp *%r11          41 FF E3
 *   mov $imm32, %eax      B8 imm32         mov $imm32, %ebx   BB imm32
 *   syscall               0F 05            dec %ebx           FF CB
 *   jnz rel8              75 rel8          jmp . (rel8 -2)    EB FE
 * r11 is the scratch address register: SYSCALL clobbers it anyway.
 */
#include <hal/ktest.h>

/* Register numbers in the x86 encoding. */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11 };

/* syscall argument registers, in order (arch/context.h) */
static const uint8_t arg_reg[6] = {RDI, RSI, RDX, R10, R8, R9};

static void movabs(struct hal_kt_code *c, unsigned reg, uint64_t v)
{
	uint8_t insn[10] = {reg >= 8 ? 0x49 : 0x48, 0xb8 + (reg & 7)};
	for (int i = 0; i < 8; i++)
		insn[2 + i] = (uint8_t)(v >> (8 * i));
	hal_kt_emit_bytes(c, insn, sizeof(insn));
}

static void mov_eax(struct hal_kt_code *c, uint32_t v)
{
	uint8_t insn[5] = {0xb8, (uint8_t)v, (uint8_t)(v >> 8),
			   (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	hal_kt_emit_bytes(c, insn, sizeof(insn));
}

void hal_kt_emit_arg(struct hal_kt_code *c, unsigned i, uint64_t value)
{
	movabs(c, arg_reg[i], value);
}

size_t hal_kt_emit_syscall(struct hal_kt_code *c, uint64_t nr)
{
	static const uint8_t syscall[] = {0x0f, 0x05};
	mov_eax(c, (uint32_t)nr);
	hal_kt_emit_bytes(c, syscall, sizeof(syscall));
	return c->len;
}

void hal_kt_emit_result_to_arg0(struct hal_kt_code *c)
{
	static const uint8_t mov_rax_rdi[] = {0x48, 0x89, 0xc7};
	hal_kt_emit_bytes(c, mov_rax_rdi, sizeof(mov_rax_rdi));
}

/* movabs $addr, %r11, then the 3-byte instruction insn that uses it;
 * returns the offset of insn. */
static size_t via_r11(struct hal_kt_code *c, vaddr_t addr,
		      const uint8_t insn[3])
{
	movabs(c, R11, addr);
	size_t at = c->len;
	hal_kt_emit_bytes(c, insn, 3);
	return at;
}

size_t hal_kt_emit_load(struct hal_kt_code *c, vaddr_t addr)
{
	static const uint8_t load[3] = {0x49, 0x8b, 0x3b};
	return via_r11(c, addr, load);
}

size_t hal_kt_emit_store(struct hal_kt_code *c, vaddr_t addr)
{
	static const uint8_t store[3] = {0x49, 0x89, 0x3b};
	return via_r11(c, addr, store);
}

void hal_kt_emit_jump(struct hal_kt_code *c, vaddr_t addr)
{
	static const uint8_t jmp_r11[3] = {0x41, 0xff, 0xe3};
	via_r11(c, addr, jmp_r11);
}

void hal_kt_emit_spin(struct hal_kt_code *c)
{
	static const uint8_t spin[] = {0xeb, 0xfe};
	hal_kt_emit_bytes(c, spin, sizeof(spin));
}

/* mov $n, %ebx; 1: mov $nr, %eax; syscall; dec %ebx; jnz 1b (-11)
 * (the result comes back in eax, so nr is loaded every time) */
void hal_kt_emit_syscall_loop(struct hal_kt_code *c, uint64_t nr, unsigned n)
{
	static const uint8_t tail[] = {0x0f, 0x05, 0xff, 0xcb, 0x75, 0xf5};
	uint8_t mov_ebx[5] = {0xbb, (uint8_t)n, (uint8_t)(n >> 8), 0, 0};
	hal_kt_emit_bytes(c, mov_ebx, sizeof(mov_ebx));
	mov_eax(c, (uint32_t)nr);
	hal_kt_emit_bytes(c, tail, sizeof(tail));
}
