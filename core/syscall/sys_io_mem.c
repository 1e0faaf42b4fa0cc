/*
 * SYS_READ / SYS_WRITE on the console device, SYS_MMAP / SYS_MUNMAP on
 * the caller's address space.
 *
 *   read(dev_cap, buf, len)           -> bytes read (never blocks)
 *   write(dev_cap, buf, len)          -> bytes written
 *   mmap(proc_cap, addr, len, prot)   -> address
 *   mmap(mem_cap, addr, len, prot)    -> address of a memory object
 *   munmap(proc_cap, addr, len)       -> 0
 *
 * The console is a VD_OBJ_DEVICE capability (object VD_DEVICE_CONSOLE)
 * needing READ or WRITE.  Memory calls need a VD_OBJ_PROCESS capability
 * with MAP naming the caller itself -- or, for mmap, a VD_OBJ_MEMORY
 * capability (MAP, READ; WRITE to write) to a memory object, mapped
 * whole and unmapped as a shared region (docs/ipc.md).
 */
#include <veridian/hal.h>
#include <veridian/ipc.h>
#include <veridian/printf.h>

#include "syscall_internal.h"

#define IO_CHUNK 128
#define IO_MAX	 ((uint64_t)1 << 20)

static vd_err_t console_cap(uint64_t token, uint32_t right)
{
	struct vd_capability c;
	vd_err_t err = sys_cap(token, VD_OBJ_DEVICE, right, &c);

	if (!err && c.object_id != VD_DEVICE_CONSOLE)
		err = VD_ERR_NOT_FOUND; /* the only device the kernel has */
	return err;
}

SYSCALL(sys_write)
{
	uint64_t buf = a[1], len = a[2], done = 0;
	char chunk[IO_CHUNK];
	vd_err_t err = console_cap(a[0], VD_RIGHT_WRITE);

	(void)ctx;
	if (err)
		return err;
	if (len > IO_MAX)
		return VD_ERR_INVALID_PARAMETER;
	while (done < len) {
		size_t n = (size_t)VD_MIN(len - done, (uint64_t)IO_CHUNK);
		err = vd_copy_from_user(
			chunk, (const void *)(uintptr_t)(buf + done), n);
		if (err)
			return err;
		vd_console_write(chunk, n);
		done += n;
	}
	*ret = done;
	return VD_OK;
}

SYSCALL(sys_read)
{
	uint64_t buf = a[1], len = VD_MIN(a[2], (uint64_t)IO_CHUNK);
	char chunk[IO_CHUNK];
	size_t n = 0;
	vd_err_t err = console_cap(a[0], VD_RIGHT_READ);
	int c;

	(void)ctx;
	if (err)
		return err;
	if (!vd_user_range_ok(buf, len))
		return VD_ERR_MEM_BAD_ADDRESS;
	while (n < len && (c = hal_console_getc()) >= 0)
		chunk[n++] = (char)c;
	err = vd_copy_to_user((void *)(uintptr_t)buf, chunk, n);
	*ret = n;
	return err;
}

/* The caller's own process, through a capability with MAP. */
static vd_err_t self_with_map(uint64_t token, struct vd_process **out)
{
	struct vd_process *self = vd_current_process();
	struct vd_capability c;
	vd_err_t err = sys_cap(token, VD_OBJ_PROCESS, VD_RIGHT_MAP, &c);

	if (err)
		return err;
	if (c.object_id != self->pid)
		return VD_ERR_PERMISSION_DENIED;
	*out = self;
	return VD_OK;
}

/*
 * mmap of a Memory capability (a memory object: a shared region,
 * docs/ipc.md): the whole object, READ required, WRITE if asked, never
 * EXEC.
 */
static vd_err_t mmap_memory(const uint64_t a[6], uint64_t *ret)
{
	struct vd_process *self = vd_current_process();
	uint64_t addr = a[1], len = a[2], prot = a[3];
	struct vd_ipc_actor me;
	vaddr_t va;
	vd_err_t err;

	if (!self)
		return VD_ERR_INVALID_CAPABILITY;
	if (len == 0 || !(prot & VD_PROT_READ) ||
	    (prot & ~(uint64_t)(VD_PROT_READ | VD_PROT_WRITE)) ||
	    !VD_IS_ALIGNED(addr, VD_PAGE_SIZE))
		return VD_ERR_INVALID_PARAMETER;
	me = (struct vd_ipc_actor){self->pid, self->caps, &self->pt, self};
	err = vd_ipc_map_memory(&me, a[0], len, (prot & VD_PROT_WRITE) != 0,
				addr, &va);
	if (!err)
		*ret = va;
	return err;
}

SYSCALL(sys_mmap)
{
	uint64_t addr = a[1], len = a[2], prot = a[3];
	struct vd_process *p;
	uint32_t flags = 0;
	vaddr_t va;
	vd_err_t err = self_with_map(a[0], &p);

	(void)ctx;
	/* not a Process capability: maybe a Memory one (checked second, so
	 * that anonymous memory pays nothing for it) */
	if (err == VD_ERR_INVALID_CAPABILITY &&
	    sys_cap(a[0], VD_OBJ_MEMORY, 0, NULL) == VD_OK)
		return mmap_memory(a, ret);
	if (err)
		return err;
	if (len == 0 || len > VD_MMAP_MAX || !(prot & VD_PROT_READ) ||
	    (prot & ~(uint64_t)(VD_PROT_READ | VD_PROT_WRITE | VD_PROT_EXEC)) ||
	    ((prot & VD_PROT_WRITE) && (prot & VD_PROT_EXEC)) ||
	    !VD_IS_ALIGNED(addr, VD_PAGE_SIZE))
		return VD_ERR_INVALID_PARAMETER;
	len = VD_ALIGN_UP(len, (uint64_t)VD_PAGE_SIZE);
	flags |= VD_UVM_LAZY; /* frames on first touch */
	if (prot & VD_PROT_WRITE)
		flags |= VD_PTE_WRITABLE;
	if (!(prot & VD_PROT_EXEC))
		flags |= VD_PTE_NO_EXECUTE;
	if (addr) { /* exactly there, or fail */
		if (!vd_user_range_ok(addr, len))
			return VD_ERR_MEM_BAD_ADDRESS;
		err = vd_uvm_map_anon(p, addr, len, flags);
		va = addr;
	} else {
		/* another thread may take the range between find and map */
		for (int tries = 0; tries < 8; tries++) {
			err = vd_uvm_find_free(p, 0, len, &va);
			if (!err)
				err = vd_uvm_map_anon(p, va, len, flags);
			if (err != VD_ERR_MEM_ALREADY_MAPPED)
				break;
		}
	}
	if (!err)
		*ret = va;
	return err;
}

SYSCALL(sys_munmap)
{
	uint64_t addr = a[1], len = a[2];
	struct vd_process *p;
	vd_err_t err = self_with_map(a[0], &p);

	(void)ctx;
	if (err)
		return err;
	if (len == 0 || len > VD_MMAP_MAX || !VD_IS_ALIGNED(addr, VD_PAGE_SIZE))
		return VD_ERR_INVALID_PARAMETER;
	if (!vd_user_range_ok(addr, len))
		return VD_ERR_MEM_BAD_ADDRESS;
	err = vd_uvm_unmap(p, addr, VD_ALIGN_UP(len, (uint64_t)VD_PAGE_SIZE));
	*ret = 0;
	return err;
}
