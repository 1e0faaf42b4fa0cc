/*
 * Columns of registers for the trap dumps of the HALs (hal/regdump.h).
 */
#include <hal/regdump.h>
#include <veridian/printf.h>
#include <veridian/string.h>

void hal_print_regs(const struct hal_reg *regs, unsigned n, unsigned per_line)
{
	int width = 0;
	for (unsigned i = 0; i < n; i++)
		width = VD_MAX(width, (int)vd_strlen(regs[i].name));

	for (unsigned i = 0; i < n; i += per_line) {
		char line[160];
		size_t len = 0;
		line[0] = '\0';
		for (unsigned j = i;
		     j < n && j < i + per_line && len < sizeof(line); j++)
			len += (size_t)vd_snprintf(
				line + len, sizeof(line) - len, "  %*s %016llx",
				width, regs[j].name,
				(unsigned long long)regs[j].value);
		kprintf("%s\n", line);
	}
}
