/*
 * Veridian: boot-time services of core (banner, memory map).
 */
#ifndef VERIDIAN_BOOT_H
#define VERIDIAN_BOOT_H

#include <veridian/hal.h>

/* The boot information the HAL passed to vd_kmain (valid after boot). */
extern const struct vd_boot_info *vd_boot_info;

/* Print the boot banner: arch, board, firmware, CPUs, memory map. */
void vd_print_banner(const struct vd_boot_info *bi);

/* Add a region to a boot-info list, merging nothing; returns false if full. */
bool vd_boot_add_region(struct vd_mem_region *list, unsigned *count,
			paddr_t base, uint64_t size, enum vd_mem_type type);

const char *vd_mem_type_name(enum vd_mem_type t);

/*
 * Kernel command line options, space-separated words "key=value": the
 * next word after *pos (start with *pos = the command line) whose key is
 * `key` (given without the '='); sets *value to its value (not
 * NUL-terminated), *len to its length, and *pos past it.  False when no
 * more such word follows.  Loop to the end for Linux's "the last one
 * counts".
 */
bool vd_cmdline_next(const char **pos, const char *key, const char **value,
		     size_t *len);

#endif /* VERIDIAN_BOOT_H */
