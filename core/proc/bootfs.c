/* Boot file system lookups over the table linked into the image. */
#include <veridian/bootfs.h>
#include <veridian/string.h>

const struct vd_bootfs_file *vd_bootfs_get(size_t i)
{
	return i < vd_bootfs_nfiles ? &vd_bootfs_files[i] : NULL;
}

vd_err_t vd_bootfs_find(const char *name, const void **data, size_t *size)
{
	if (!name || !data || !size)
		return VD_ERR_INVALID_PARAMETER;
	for (size_t i = 0; i < vd_bootfs_nfiles; i++) {
		if (vd_strcmp(vd_bootfs_files[i].name, name) == 0) {
			*data = vd_bootfs_files[i].data;
			*size = (size_t)vd_bootfs_files[i].size;
			return VD_OK;
		}
	}
	return VD_ERR_NOT_FOUND;
}
