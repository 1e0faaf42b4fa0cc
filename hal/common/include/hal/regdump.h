/*
 * Register dumps for traps the kernel cannot handle: every HAL lists its
 * registers as (name, value) pairs and this prints them in columns.
 */
#ifndef HAL_REGDUMP_H
#define HAL_REGDUMP_H

#include <veridian/types.h>

struct hal_reg {
	const char *name;
	uint64_t value;
};

/* Print n registers, per_line to a line, as "name 0123456789abcdef" with
 * the names right-aligned to the longest one.  One kprintf per line (it
 * formats into a bounded buffer). */
void hal_print_regs(const struct hal_reg *regs, unsigned n, unsigned per_line);

#endif /* HAL_REGDUMP_H */
