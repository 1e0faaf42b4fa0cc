/*
 * Capability syscalls, all on the caller's own capability space.
 *
 *   capability_create(type, object_id, rights, &cap_out)   -> 0
 *       Mint a root capability for an object the caller owns: its own
 *       process, one of its children, or one of its threads; a copy of
 *       its own capability to a memory object (a region) it holds; a
 *       read-only one to a boot file system file.  Anything else is
 *       VD_ERR_PERMISSION_DENIED (device and IPC capabilities come from
 *       their owners, never from thin air; a detached child is not the
 *       caller's any more; a file is never writable), and an object
 *       reaped before or while its capability is made VD_ERR_NOT_FOUND.
 *   capability_derive(token, new_rights, &cap_out)          -> 0
 *       A copy with fewer rights (the parent needs GRANT).
 *   capability_revoke(token)                                 -> 0
 *       The capability and everything derived from it, in every space.
 *
 * The output pointer is checked before a capability is minted, and a
 * capability whose token cannot be copied out after all is revoked: a
 * failed call leaves no slot taken.
 */
#include <veridian/thread.h>

#include <veridian/bootfs.h>
#include <veridian/ipc.h>

#include "syscall_internal.h"

static vd_err_t caller_owns(struct vd_process *self, uint64_t type, uint64_t id)
{
	vd_err_t err = VD_ERR_PERMISSION_DENIED;

	if (type == VD_OBJ_PROCESS) {
		struct vd_process *p;

		if (id == self->pid)
			return VD_OK;
		p = vd_process_get(id);
		if (!p)
			return VD_ERR_NOT_FOUND;
		if (p->parent == self && !p->reaped)
			err = VD_OK;
		vd_process_put(p);
	} else if (type == VD_OBJ_THREAD) {
		struct vd_thread *t = vd_thread_get(id);

		if (!t)
			return VD_ERR_NOT_FOUND;
		if (t->proc == self && t->state != VD_THREAD_DEAD)
			err = VD_OK;
		vd_thread_put(t);
	}
	return err;
}

/*
 * Is the object still there?  A capability minted just after its object
 * was reaped (by another thread: a join, a wait) would outlive it: the
 * reap revoked every capability to it before ours existed.  The reaper
 * marks a process reaped, or takes a thread out of its table, before it
 * revokes (under the lock we take here too), so a mint that the
 * revocation missed sees the object gone here.
 */
static bool object_alive(uint64_t type, uint64_t id)
{
	bool alive = true;

	if (type == VD_OBJ_PROCESS) {
		struct vd_process *p = vd_process_get(id);

		alive = p && !p->reaped;
		vd_process_put(p);
	} else if (type == VD_OBJ_THREAD) {
		struct vd_thread *t = vd_thread_get(id);

		alive = t != NULL;
		vd_thread_put(t);
	}
	return alive;
}

/*
 * Memory and File objects are not owned the way processes and threads
 * are: a process may have a capability made to a region it holds (a
 * copy of its holder's, with rights it has: how a receiver names its
 * region by a token, docs/ipc.md) and to any boot file system file
 * (read-only, as SYS_FILE_OPEN).
 */
static vd_err_t create_memory_or_file(struct vd_process *self,
				      const uint64_t a[6],
				      struct vd_capability *c)
{
	const uint32_t file_rights =
		VD_RIGHT_READ | VD_RIGHT_EXECUTE | VD_RIGHT_GRANT;

	if (a[0] == VD_OBJ_FILE) {
		if (a[2] & ~(uint64_t)file_rights)
			return VD_ERR_PERMISSION_DENIED; /* read-only */
		if (!vd_bootfs_get((size_t)a[1]))
			return VD_ERR_NOT_FOUND;
		return vd_cap_create(self->caps, VD_OBJ_FILE, a[1],
				     (uint32_t)a[2], c);
	}
	struct vd_ipc_actor me = {self->pid, self->caps, &self->pt, self};
	vd_cap_token_t holder;
	vd_err_t err = vd_ipc_region_cap(&me, a[1], &holder);

	if (!err)
		err = vd_cap_derive(self->caps, holder, (uint32_t)a[2], c);
	return err;
}

SYSCALL(sys_cap_create)
{
	struct vd_process *self = vd_current_process();
	struct vd_capability c;
	vd_err_t err;

	(void)ctx;
	if (a[0] >= VD_OBJ_TYPE_COUNT || (a[2] & ~(uint64_t)VD_RIGHTS_ALL))
		return VD_ERR_INVALID_PARAMETER;
	if (a[3])
		err = vd_user_probe_out(a[3], sizeof(vd_cap_token_t));
	else
		err = VD_ERR_INVALID_PARAMETER; /* a token nobody sees */
	if (!err && (a[0] == VD_OBJ_MEMORY || a[0] == VD_OBJ_FILE)) {
		err = create_memory_or_file(self, a, &c);
		if (!err)
			err = sys_put_token_or_revoke(self, a[3], c.token);
		*ret = 0;
		return err;
	}
	if (!err)
		err = caller_owns(self, a[0], a[1]);
	if (!err)
		err = (a[0] == VD_OBJ_PROCESS && a[1] == self->pid
			       ? vd_cap_create_self
			       : vd_cap_create)(self->caps,
						(enum vd_object_type)a[0], a[1],
						(uint32_t)a[2], &c);
	if (!err && !object_alive(a[0], a[1])) {
		vd_cap_revoke(self->caps, c.token);
		err = VD_ERR_NOT_FOUND;
	}
	if (!err)
		err = sys_put_token_or_revoke(self, a[3], c.token);
	*ret = 0;
	return err;
}

SYSCALL(sys_cap_derive)
{
	struct vd_capability c;
	vd_err_t err = VD_OK;

	(void)ctx;
	if (a[1] & ~(uint64_t)VD_RIGHTS_ALL)
		return VD_ERR_INVALID_PARAMETER;
	if (!a[2])
		return VD_ERR_INVALID_PARAMETER;
	err = vd_user_probe_out(a[2], sizeof(vd_cap_token_t));
	if (!err)
		err = vd_cap_derive(vd_current_process()->caps, a[0],
				    (uint32_t)a[1], &c);
	if (!err)
		err = sys_put_token_or_revoke(vd_current_process(), a[2],
					      c.token);
	*ret = 0;
	return err;
}

SYSCALL(sys_cap_revoke)
{
	(void)ctx;
	*ret = 0;
	return vd_cap_revoke(vd_current_process()->caps, a[0]);
}
