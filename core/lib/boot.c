/* Boot banner and boot-info helpers. */
#include <veridian/boot.h>
#include <veridian/printf.h>
#include <veridian/string.h>

const struct vd_boot_info *vd_boot_info;

const char *vd_mem_type_name(enum vd_mem_type t)
{
	switch (t) {
	case VD_MEM_USABLE:
		return "usable";
	case VD_MEM_RESERVED:
		return "reserved";
	case VD_MEM_KERNEL:
		return "kernel";
	case VD_MEM_BOOT_DATA:
		return "boot data";
	}
	return "?";
}

bool vd_boot_add_region(struct vd_mem_region *list, unsigned *count,
			paddr_t base, uint64_t size, enum vd_mem_type type)
{
	if (*count >= VD_MAX_MEM_REGIONS || size == 0)
		return false;
	list[*count].base = base;
	list[*count].size = size;
	list[*count].type = type;
	(*count)++;
	return true;
}

static void print_regions(const struct vd_mem_region *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		kprintf("  [%#014llx - %#014llx) %8llu KiB  %s\n",
			(unsigned long long)r[i].base,
			(unsigned long long)(r[i].base + r[i].size),
			(unsigned long long)(r[i].size >> 10),
			vd_mem_type_name(r[i].type));
	}
}

void vd_print_banner(const struct vd_boot_info *bi)
{
	uint64_t ram = 0;

	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == VD_MEM_USABLE)
			ram += bi->mem[i].size;
	kprintf("\nVeridian microkernel (%s)\n", bi->arch);
	kprintf("board: %s  firmware: %s\n", bi->board, bi->firmware);
	kprintf("cpus: %u (boot cpu hw id %#llx)  ram: %llu MiB\n",
		bi->cpu_count, (unsigned long long)bi->boot_cpu_hwid,
		(unsigned long long)(ram >> 20));
	if (bi->cmdline && bi->cmdline[0])
		kprintf("cmdline: %s\n", bi->cmdline);
	kprintf("memory map (from firmware):\n");
	print_regions(bi->mem, bi->mem_count);
	kprintf("reserved:\n");
	print_regions(bi->reserved, bi->reserved_count);
	if (bi->initrd_size)
		kprintf("initrd: %#llx, %llu bytes\n",
			(unsigned long long)bi->initrd_base,
			(unsigned long long)bi->initrd_size);
}

bool vd_cmdline_next(const char **pos, const char *key, const char **value,
		     size_t *len)
{
	size_t klen = vd_strlen(key);
	const char *p = *pos;

	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - word) > klen &&
		    vd_strncmp(word, key, klen) == 0 && word[klen] == '=') {
			*value = word + klen + 1;
			*len = (size_t)(p - *value);
			*pos = p;
			return true;
		}
	}
	*pos = p;
	return false;
}
