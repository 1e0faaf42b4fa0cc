/*
 * create_process: build a process from an ELF image, in three flavours
 * that share proc_create():
 *   vd_process_create            binary and strings in kernel memory
 *   vd_process_create_from_user  SYS_PROCESS_CREATE: everything copied in
 *                                from the caller with the fault-safe
 *                                routines, binary from its memory or the
 *                                boot file system
 *   vd_spawn_from_bootfs         the kernel starting init
 *
 * Initial stack of a new process (top of the stack region downwards;
 * the first argument register points at the start info):
 *
 *     stack top -> +--------------------------+
 *                  | argument/env strings     |
 *                  | capability tokens[ncaps] |
 *                  | envp[envc], NULL         |
 *                  | argv[argc], NULL         |
 *           sp ->  | struct vd_start_info     |  16-byte aligned
 *                  +--------------------------+
 */
#include <veridian/bootfs.h>
#include <veridian/cap.h>
#include <veridian/string.h>
#include <veridian/thread.h>
#include <veridian/trace.h>
#include <veridian/uaccess.h>

#include "proc_internal.h"

static vd_err_t setup_stack(struct vd_process *p, const struct proc_args *a,
			    const vd_cap_token_t *caps, vaddr_t lo, vaddr_t top,
			    vaddr_t *sp_out)
{
	size_t strbytes = 0, ptrs, total;
	struct vd_start_info *si;
	uint64_t *argv_u, *envp_u, *caps_u;
	uint8_t *buf;
	char *str;
	vaddr_t base;
	vd_err_t err;

	for (unsigned i = 0; i < a->argc; i++)
		strbytes += vd_strlen(a->argv[i]) + 1;
	for (unsigned i = 0; i < a->envc; i++)
		strbytes += vd_strlen(a->envp[i]) + 1;
	ptrs = (a->argc + 1 + a->envc + 1 + a->ncaps) * sizeof(uint64_t);
	total = VD_ALIGN_UP(sizeof(*si) + ptrs + strbytes, (size_t)16);
	if (total > (top - lo) / 2)
		return VD_ERR_INVALID_PARAMETER;
	buf = vd_kzalloc(total);
	if (!buf)
		return VD_ERR_OUT_OF_MEMORY;
	base = top - total;
#define UADDR(x) (base + (uint64_t)((uint8_t *)(x)-buf))
	si = (struct vd_start_info *)buf;
	argv_u = (uint64_t *)(si + 1);
	envp_u = argv_u + a->argc + 1;
	caps_u = envp_u + a->envc + 1;
	str = (char *)(caps_u + a->ncaps);
	for (unsigned i = 0; i < a->argc; i++) {
		size_t n = vd_strlen(a->argv[i]) + 1;
		vd_memcpy(str, a->argv[i], n);
		argv_u[i] = UADDR(str);
		str += n;
	}
	for (unsigned i = 0; i < a->envc; i++) {
		size_t n = vd_strlen(a->envp[i]) + 1;
		vd_memcpy(str, a->envp[i], n);
		envp_u[i] = UADDR(str);
		str += n;
	}
	for (unsigned i = 0; i < a->ncaps; i++)
		caps_u[i] = caps[i];
	si->argc = a->argc;
	si->argv = UADDR(argv_u);
	si->envc = a->envc;
	si->envp = UADDR(envp_u);
	si->ncaps = a->ncaps;
	si->caps = UADDR(caps_u);
	si->self_cap = p->self_cap;
	si->debug_cap = a->debug_cap;
	si->pid = p->pid;
	si->stack_base = lo;
	si->stack_size = top - lo;
#undef UADDR
	err = vd_uvm_write(p, base, buf, total);
	vd_kfree(buf);
	*sp_out = base;
	return err;
}

/* The capabilities the child starts with, minted in its space;
 * *debug_out gets the child's token to the debug device, if any. */
static vd_err_t give_caps(struct vd_process *p, struct vd_process *parent,
			  const struct proc_args *a, vd_cap_token_t *out,
			  unsigned *n_out, vd_cap_token_t *debug_out)
{
	struct vd_capability c;
	vd_err_t err;

	*n_out = a->ncaps;
	*debug_out = VD_CAP_TOKEN_NULL;
	if (!parent) {
		/* children of the kernel (init, the test programs) get the
		 * console, the trace buffers and the debug device */
		if (a->ncaps)
			return VD_ERR_INVALID_PARAMETER;
		err = vd_cap_create(
			p->caps, VD_OBJ_DEVICE, VD_DEVICE_CONSOLE,
			VD_RIGHT_READ | VD_RIGHT_WRITE | VD_RIGHT_GRANT, &c);
		if (err)
			return err;
		out[0] = c.token;
		err = vd_cap_create(p->caps, VD_OBJ_DEVICE, VD_DEVICE_TRACE,
				    VD_RIGHT_READ | VD_RIGHT_GRANT, &c);
		if (err)
			return err;
		out[1] = c.token;
		err = vd_cap_create(p->caps, VD_OBJ_DEVICE, VD_DEVICE_DEBUG,
				    VD_RIGHT_READ | VD_RIGHT_GRANT, &c);
		if (err)
			return err;
		out[2] = *debug_out = c.token;
		*n_out = 3;
		return VD_OK;
	}
	for (unsigned i = 0; i < a->ncaps; i++) {
		err = vd_cap_lookup(parent->caps, a->caps[i], &c);
		if (!err)
			err = vd_cap_derive_into(p->caps, parent->caps,
						 a->caps[i], c.rights, &c);
		if (err)
			return err;
		out[i] = c.token;
		if (!*debug_out && c.object_type == VD_OBJ_DEVICE &&
		    c.object_id == VD_DEVICE_DEBUG)
			*debug_out = c.token;
	}
	return VD_OK;
}

vd_err_t proc_create(struct vd_process *parent, const struct vd_elf_source *src,
		     const char *name, const struct proc_args *a,
		     vd_pid_t *pid_out, vd_cap_token_t *cap_out)
{
	vd_cap_token_t child_caps[VD_PROC_MAX_CAPS];
	struct proc_args kargs;
	vaddr_t entry, top, lo, sp;
	struct vd_capability c;
	struct vd_process *p;
	struct vd_thread *t;
	vd_err_t err;

	if (a->argc > VD_PROC_MAX_ARGS || a->envc > VD_PROC_MAX_ARGS ||
	    a->ncaps > VD_PROC_MAX_CAPS)
		return VD_ERR_INVALID_PARAMETER;
	p = proc_alloc(name);
	if (!p)
		return VD_ERR_OUT_OF_MEMORY;
	/* first: everything below is charged to the new node */
	err = vd_limits_join(parent ? parent->limits : NULL, &p->limits);
	if (!err)
		err = vd_page_table_create(&p->pt);
	if (!err)
		err = proc_caps_create(p);
	if (!err)
		err = vd_cap_create_self(p->caps, VD_OBJ_PROCESS, p->pid,
					 VD_RIGHTS_ALL, &c);
	if (err)
		goto fail;
	p->self_cap = c.token;
	kargs = *a;
	err = give_caps(p, parent, a, child_caps, &kargs.ncaps,
			&kargs.debug_cap);
	if (!err)
		err = proc_load_elf(p, src, &entry);
	if (err)
		goto fail;

	/* the stack ends a guard page below the top of user space */
	top = proc_stack_top();
	lo = top - VD_USER_STACK_SIZE;
	err = vd_uvm_map_anon(p, lo, VD_USER_STACK_SIZE,
			      VD_PTE_WRITABLE | VD_PTE_NO_EXECUTE |
				      VD_UVM_LAZY);
	if (!err)
		err = setup_stack(p, &kargs, child_caps, lo, top, &sp);
	if (!err && parent) {
		err = vd_cap_create(parent->caps, VD_OBJ_PROCESS, p->pid,
				    VD_RIGHTS_ALL, &c);
		if (!err)
			p->parent_cap = c.token;
	}
	if (err)
		goto fail;
	err = vd_uthread_create(p, entry, sp, sp, 0, true, &t);
	if (err) {
		if (parent)
			vd_cap_revoke(parent->caps, p->parent_cap);
		goto fail;
	}
	t->ustack_base = lo;
	t->ustack_size = VD_USER_STACK_SIZE;
	p->main_thread = t;
	proc_publish(p, parent);
	*pid_out = p->pid;
	VD_TRACE_EVENT(VD_TRACE_PROC_CREATE, p->pid, parent ? parent->pid : 0);
	if (cap_out)
		*cap_out = p->parent_cap;
	return VD_OK;
fail:
	proc_discard(p);
	return err;
}

/* Copy a NULL-terminated kernel string array into a->argv/envp. */
static vd_err_t kernel_strings(const char *const *in, const char **out,
			       unsigned *count, size_t *bytes)
{
	unsigned n = 0;

	for (; in && in[n]; n++) {
		if (n == VD_PROC_MAX_ARGS)
			return VD_ERR_INVALID_PARAMETER;
		*bytes += vd_strlen(in[n]) + 1;
		out[n] = in[n];
	}
	*count = n;
	return *bytes > VD_PROC_MAX_ARG_BYTES ? VD_ERR_INVALID_PARAMETER
					      : VD_OK;
}

vd_err_t vd_process_create(vd_pid_t parent_pid, const void *binary, size_t size,
			   const char *const *argv, const char *const *envp,
			   const vd_cap_token_t *caps, size_t ncaps,
			   vd_pid_t *out, vd_cap_token_t *cap_out)
{
	struct vd_process *parent = NULL;
	struct vd_elf_source src;
	struct proc_args *a;
	size_t bytes = 0;
	vd_err_t err;

	if (!binary || !out || ncaps > VD_PROC_MAX_CAPS || (ncaps && !caps))
		return VD_ERR_INVALID_PARAMETER;
	a = vd_kzalloc(sizeof(*a));
	if (!a)
		return VD_ERR_OUT_OF_MEMORY;
	err = kernel_strings(argv, a->argv, &a->argc, &bytes);
	if (!err)
		err = kernel_strings(envp, a->envp, &a->envc, &bytes);
	if (!err && parent_pid) {
		parent = vd_process_get(parent_pid);
		if (!parent || !parent->caps)
			err = VD_ERR_NOT_FOUND;
	}
	if (!err) {
		a->ncaps = (unsigned)ncaps;
		for (size_t i = 0; i < ncaps; i++)
			a->caps[i] = caps[i];
		vd_elf_source_buffer(&src, binary, size);
		err = proc_create(parent, &src, a->argc ? a->argv[0] : "?", a,
				  out, cap_out);
	}
	vd_process_put(parent);
	vd_kfree(a);
	return err;
}

/* ---- from user space ---- */

static vd_err_t user_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return vd_copy_from_user(buf, (const uint8_t *)ctx + off, len);
}

/* Copy a user NULL-terminated string array into the arena. */
static vd_err_t user_strings(uint64_t uarray, const char **out, unsigned *count,
			     char *arena, size_t *used)
{
	unsigned n = 0;

	*count = 0;
	if (!uarray)
		return VD_OK;
	for (;; n++) {
		uint64_t uptr;
		size_t len;
		vd_err_t err = vd_copy_from_user(
			&uptr, (const void *)(uintptr_t)(uarray + 8ull * n),
			sizeof(uptr));
		if (err)
			return err;
		if (!uptr)
			break;
		if (n == VD_PROC_MAX_ARGS || *used >= VD_PROC_MAX_ARG_BYTES)
			return VD_ERR_INVALID_PARAMETER;
		err = vd_strncpy_from_user(arena + *used,
					   (const char *)(uintptr_t)uptr,
					   VD_PROC_MAX_ARG_BYTES - *used, &len);
		if (err)
			return err;
		out[n] = arena + *used;
		*used += len + 1;
	}
	*count = n;
	return VD_OK;
}

static const char *basename_of(const char *path)
{
	const char *s = path;

	for (const char *c = path; *c; c++)
		if (*c == '/')
			s = c + 1;
	return s;
}

vd_err_t vd_process_create_from_user(const struct vd_process_create_args *u,
				     vd_pid_t *out, vd_cap_token_t *cap_out)
{
	struct vd_process *self = vd_current_process();
	char path[64], *arena = NULL;
	struct vd_elf_source src;
	struct proc_args *a;
	size_t used = 0;
	const char *name;
	vd_err_t err;

	if (!self)
		return VD_ERR_INVALID_PARAMETER;
	if (u->ncaps > VD_PROC_MAX_CAPS)
		return VD_ERR_INVALID_PARAMETER;
	a = vd_kzalloc(sizeof(*a));
	arena = vd_kzalloc(VD_PROC_MAX_ARG_BYTES);
	if (!a || !arena) {
		err = VD_ERR_OUT_OF_MEMORY;
		goto out;
	}
	err = user_strings(u->argv, a->argv, &a->argc, arena, &used);
	if (!err)
		err = user_strings(u->envp, a->envp, &a->envc, arena, &used);
	a->ncaps = (unsigned)u->ncaps;
	if (!err)
		err = vd_copy_from_user(a->caps,
					(const void *)(uintptr_t)u->caps,
					a->ncaps * sizeof(vd_cap_token_t));
	if (err)
		goto out;
	if (u->elf) {
		/* read straight from the caller's memory, fault-safely */
		if (u->elf_size > VD_PROC_MAX_ELF_SIZE) {
			err = VD_ERR_INVALID_PARAMETER;
			goto out;
		}
		if (!vd_user_range_ok(u->elf, u->elf_size)) {
			err = VD_ERR_MEM_BAD_ADDRESS;
			goto out;
		}
		src.read = user_read;
		src.ctx = (void *)(uintptr_t)u->elf;
		src.size = u->elf_size;
		name = "elf";
	} else if (u->file) {
		/* a File object: the capability says which program */
		struct vd_capability c;
		const struct vd_bootfs_file *f;

		err = vd_cap_validate_type(self->caps, u->file, VD_OBJ_FILE,
					   VD_RIGHT_EXECUTE, &c);
		if (err)
			goto out;
		f = vd_bootfs_get((size_t)c.object_id);
		if (!f) {
			err = VD_ERR_NOT_FOUND;
			goto out;
		}
		vd_elf_source_buffer(&src, f->data, (size_t)f->size);
		name = basename_of(f->name);
	} else if (u->path) {
		const void *data;
		size_t size;

		err = vd_strncpy_from_user(path,
					   (const char *)(uintptr_t)u->path,
					   sizeof(path), NULL);
		if (!err)
			err = vd_bootfs_find(path, &data, &size);
		if (err)
			goto out;
		vd_elf_source_buffer(&src, data, size);
		name = basename_of(path);
	} else {
		err = VD_ERR_INVALID_PARAMETER;
		goto out;
	}
	if (a->argc)
		name = basename_of(a->argv[0]);
	err = proc_create(self, &src, name, a, out, cap_out);
out:
	vd_kfree(arena);
	vd_kfree(a);
	return err;
}

vd_err_t vd_spawn_from_bootfs(const char *path, const char *const *argv,
			      vd_pid_t *out)
{
	const void *data;
	size_t size;
	vd_err_t err = vd_bootfs_find(path, &data, &size);

	if (!err)
		err = vd_process_create(0, data, size, argv, NULL, NULL, 0, out,
					NULL);
	if (!err)
		err = vd_process_start(*out);
	return err;
}
