/*
 * SYS_FILE_OPEN: the boot file system's files as File objects.
 *
 * A file of the boot file system (include/veridian/bootfs.h) is a
 * VD_OBJ_FILE object whose id is its index in the table linked into the
 * image.  The files are read-only and live as long as the kernel, so a
 * File capability needs no hook and no destroy: opening one mints an
 * original in the caller's space with READ, EXECUTE and GRANT (never
 * WRITE), which PROCESS_CREATE takes as the program to run (EXECUTE) and
 * which travels like any capability.  Any process may open any file: the
 * boot file system is what PROCESS_CREATE by path reads anyway; the
 * capability is what a process hands to another to say "run this".
 */
#include <veridian/bootfs.h>
#include <veridian/cap.h>
#include <veridian/proc.h>
#include <veridian/string.h>
#include <veridian/syscall.h>
#include <veridian/uaccess.h>

#include "syscall_internal.h"

#define FILE_RIGHTS (VD_RIGHT_READ | VD_RIGHT_EXECUTE | VD_RIGHT_GRANT)

/* a[0] path, a[1] &token_out */
SYSCALL(sys_file_open)
{
	struct vd_process *self = vd_current_process();
	struct vd_capability c;
	char path[64];
	size_t len = 0;
	vd_err_t err;

	(void)ctx;
	*ret = 0;
	if (!self || !self->caps || !a[1])
		return VD_ERR_INVALID_PARAMETER;
	err = vd_strncpy_from_user(path, (const char *)(uintptr_t)a[0],
				   sizeof(path), &len);
	if (err)
		return err;
	if ((err = vd_user_probe_out(a[1], sizeof(c.token))) != VD_OK)
		return err;
	for (size_t i = 0;; i++) {
		const struct vd_bootfs_file *f = vd_bootfs_get(i);

		if (!f)
			return VD_ERR_NOT_FOUND;
		if (vd_strcmp(f->name, path) != 0)
			continue;
		err = vd_cap_create(self->caps, VD_OBJ_FILE, i, FILE_RIGHTS,
				    &c);
		if (err)
			return err;
		err = sys_put_token_or_revoke(self, a[1], c.token);
		if (!err)
			*ret = f->size;
		return err;
	}
}
