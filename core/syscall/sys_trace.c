/*
 * SYS_TRACE_READ: the trace ring buffers (trace.h) for user space, to the
 * holder of the trace capability (VD_OBJ_DEVICE, object VD_DEVICE_TRACE,
 * READ), which the kernel gives its children (init) as caps[1].  The
 * records say what every process did, so they are not for everyone.
 */
#include <veridian/trace.h>

#include "syscall_internal.h"

/* Records copied out per step, through the stack (1 KiB). */
#define TRACE_CHUNK 32u

static vd_err_t trace_cap(uint64_t token)
{
	struct vd_capability c;
	vd_err_t err = sys_cap(token, VD_OBJ_DEVICE, VD_RIGHT_READ, &c);

	if (!err && c.object_id != VD_DEVICE_TRACE)
		err = VD_ERR_PERMISSION_DENIED; /* the console, say */
	return err;
}

/* a: token, cpu, buf, max, cursor pointer (in: the first record number
 * wanted; out: one past the last copied). */
SYSCALL(sys_trace_read)
{
	uint64_t cpu = a[1], buf = a[2], max = a[3], cursor_ptr = a[4];
	struct vd_trace_record chunk[TRACE_CHUNK];
	uint64_t cursor, done = 0;
	vd_err_t err = trace_cap(a[0]);

	(void)ctx;
	if (err)
		return err;
	if (cpu >= VD_MAX_CPUS || max > VD_TRACE_READ_MAX)
		return VD_ERR_INVALID_PARAMETER;
	/* both pointers are checked before anything is read out (the
	 * probe zeroes the buffer, so the cursor is read first) */
	err = vd_copy_from_user(&cursor, (const void *)(uintptr_t)cursor_ptr,
				sizeof(cursor));
	if (!err)
		err = vd_user_probe_out(buf,
					max * sizeof(struct vd_trace_record));
	if (err)
		return err;
	while (done < max) {
		size_t want =
			max - done < TRACE_CHUNK ? max - done : TRACE_CHUNK;
		size_t n = vd_trace_read((unsigned)cpu, &cursor, chunk, want);

		if (n == 0)
			break;
		err = vd_copy_to_user(
			(void *)(uintptr_t)(buf +
					    done * sizeof(struct
							  vd_trace_record)),
			chunk, n * sizeof(struct vd_trace_record));
		if (err)
			return err;
		done += n;
		if (n < want)
			break;
	}
	err = vd_copy_to_user((void *)(uintptr_t)cursor_ptr, &cursor,
			      sizeof(cursor));
	if (err)
		return err;
	*ret = done;
	return VD_OK;
}
