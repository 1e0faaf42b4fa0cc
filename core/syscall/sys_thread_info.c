/*
 * SYS_THREAD_INFO: the kernel API's ThreadInfo, guarded by a capability.
 *
 * Either capability that says who may look at a thread will do: the
 * thread's own (from thread_create or capability_create), or its
 * process's (a debugger holding a child's Process capability can read
 * every thread of the child).  READ is the right both need; any other
 * object type is InvalidCapability, as a wrong type is everywhere.
 */
#include <veridian/cap.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/uaccess.h>

#include "syscall_internal.h"

/* a[0] thread or process capability, a[1] tid or 0, a[2] out pointer */
SYSCALL(sys_thread_info)
{
	struct vd_thread_info info;
	struct vd_capability c;
	vd_err_t err;

	(void)ctx;
	*ret = 0;
	/* the type first: a wrong object is InvalidCapability whatever its
	 * rights, then the right */
	err = sys_cap(a[0], VD_OBJ_ANY, 0, &c);
	if (err)
		return err;
	if (c.object_type != VD_OBJ_THREAD && c.object_type != VD_OBJ_PROCESS)
		return VD_ERR_INVALID_CAPABILITY;
	if (!(c.rights & VD_RIGHT_READ))
		return VD_ERR_PERMISSION_DENIED;
	if (c.object_type == VD_OBJ_THREAD) {
		if (a[1] != 0 && a[1] != c.object_id)
			return VD_ERR_INVALID_PARAMETER;
		err = vd_thread_get_info(c.object_id, &info);
	} else {
		err = vd_process_thread_info(c.object_id, a[1], &info);
	}
	if (err)
		return err;
	return vd_copy_to_user((void *)(uintptr_t)a[2], &info, sizeof(info));
}
