/*
 * Veridian: the boot file system.
 *
 * The user programs built from user/ are linked into the kernel image
 * (cmake/user.cmake generates an assembly file that .incbin's each ELF
 * and emits a table), so there is nothing to load from firmware or disk.
 * The table is read-only data:
 *
 *   vd_bootfs_files[i] = { name, data, size },  i < vd_bootfs_nfiles
 *
 * Files are 16-byte aligned in the image.
 */
#ifndef VERIDIAN_BOOTFS_H
#define VERIDIAN_BOOTFS_H

#include <veridian/types.h>

struct vd_bootfs_file {
	const char *name;
	const uint8_t *data;
	uint64_t size;
};

/* Provided by the generated table (or by a test). */
extern const struct vd_bootfs_file vd_bootfs_files[];
extern const uint64_t vd_bootfs_nfiles;

/* Find a file by name.  VD_ERR_NOT_FOUND, VD_ERR_INVALID_PARAMETER. */
vd_err_t vd_bootfs_find(const char *name, const void **data, size_t *size);
/* The i-th file (for listings), or NULL. */
const struct vd_bootfs_file *vd_bootfs_get(size_t i);

#endif /* VERIDIAN_BOOTFS_H */
