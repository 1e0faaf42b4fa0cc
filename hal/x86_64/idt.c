/*
 * x86_64 HAL: the interrupt descriptor table, shared by all CPUs.
 */
#include <arch/percpu.h>
#include <arch/platform.h>

/*
 * 64-bit IDT gate (16 bytes, SDM vol. 3, 6.14.1):
 *
 *   bytes 0-1   handler offset 15:0
 *         2-3   code segment selector
 *         4     bits 0-2: IST index (0 = stay on the current stack, or
 *               TSS.RSP0 when coming from ring 3)
 *         5     bit 7 P, bits 5-6 DPL (highest ring that may raise the
 *               vector with INT n), bits 0-3 type: 0xe = interrupt gate
 *               (clears IF on entry)
 *         6-7   handler offset 31:16
 *         8-11  handler offset 63:32
 *         12-15 reserved
 */
struct x86_idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} VD_PACKED;
_Static_assert(sizeof(struct x86_idt_gate) == 16, "IDT gate");

static struct x86_idt_gate idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned vec, unsigned ist, unsigned dpl)
{
	uint64_t h = (uint64_t)(x86_vectors + 16 * vec);
	idt[vec] = (struct x86_idt_gate){
		.offset_lo = h & 0xffff,
		.selector = X86_SEL_KCODE,
		.ist = ist,
		.type_attr = 0x80 | (dpl << 5) | 0xe,
		.offset_mid = (h >> 16) & 0xffff,
		.offset_hi = h >> 32,
	};
}

void x86_idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, 0, 0);
	set_gate(2, X86_IST_NMI, 0);
	set_gate(3, 0, 3); /* int3 from user: a breakpoint exception */
	set_gate(8, X86_IST_DOUBLE_FAULT, 0);
	set_gate(18, X86_IST_MACHINE_CHECK, 0);
}

void x86_idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} VD_PACKED idtr = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
