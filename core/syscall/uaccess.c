/*
 * Fault-safe copies between kernel and user memory (see uaccess.h).
 *
 * The recovery point lives in the current thread (t->fault_jmp), so a
 * fault during the copy -- taken as a kernel-mode page fault on a user
 * address -- makes vd_page_fault() longjmp back here.  hal_longjmp also
 * restores the interrupt mask that hal_setjmp saw (the fault entered an
 * interrupt gate / masked exception), and we close the user-access window
 * on that path too.  Recovery points nest (a fault handler that itself
 * copies cannot occur today, but saving the previous one costs nothing).
 */
#include <veridian/string.h>
#include <veridian/thread.h>
#include <veridian/uaccess.h>

bool vd_user_range_ok(uintptr_t addr, size_t len)
{
	if (len == 0)
		return true;
	return addr >= VD_USER_BASE && addr + len > addr &&
	       addr + len <= hal_user_top();
}

struct hal_jmpbuf *vd_current_fault_jmp(void)
{
	struct vd_thread *t = vd_current_thread();

	return t ? t->fault_jmp : NULL;
}

/* Copy len bytes with the window open; false if a fault cut it short. */
static bool guarded_copy(void *dst, const void *src, size_t len)
{
	struct vd_thread *t = vd_current_thread();
	struct hal_jmpbuf jb, *saved;

	if (!t)
		return false;
	saved = t->fault_jmp;
	if (hal_setjmp(&jb) != 0) {
		hal_user_access_end();
		t->fault_jmp = saved;
		return false;
	}
	t->fault_jmp = &jb;
	hal_user_access_begin();
	vd_memcpy(dst, src, len);
	hal_user_access_end();
	t->fault_jmp = saved;
	return true;
}

vd_err_t vd_copy_from_user(void *dst, const void *user_src, size_t len)
{
	if (len == 0)
		return VD_OK;
	if (!vd_user_range_ok((uintptr_t)user_src, len))
		return VD_ERR_MEM_BAD_ADDRESS;
	return guarded_copy(dst, user_src, len) ? VD_OK : VD_ERR_MEM_FAULT;
}

vd_err_t vd_copy_to_user(void *user_dst, const void *src, size_t len)
{
	if (len == 0)
		return VD_OK;
	if (!vd_user_range_ok((uintptr_t)user_dst, len))
		return VD_ERR_MEM_BAD_ADDRESS;
	return guarded_copy(user_dst, src, len) ? VD_OK : VD_ERR_MEM_FAULT;
}

vd_err_t vd_strncpy_from_user(char *dst, const char *user_src, size_t max,
			      size_t *len_out)
{
	struct vd_thread *t = vd_current_thread();
	struct hal_jmpbuf jb, *saved;
	uintptr_t addr = (uintptr_t)user_src;
	volatile size_t n = 0;
	size_t limit;

	if (!dst || max == 0)
		return VD_ERR_INVALID_PARAMETER;
	if (!vd_user_range_ok(addr, 1))
		return VD_ERR_MEM_BAD_ADDRESS;
	if (!t)
		return VD_ERR_MEM_FAULT;
	/* read at most max bytes (max-1 characters and the NUL), never
	 * past the end of user space */
	limit = VD_MIN(max, (size_t)(hal_user_top() - addr));
	saved = t->fault_jmp;
	if (hal_setjmp(&jb) != 0) {
		hal_user_access_end();
		t->fault_jmp = saved;
		dst[0] = '\0';
		return VD_ERR_MEM_FAULT;
	}
	t->fault_jmp = &jb;
	hal_user_access_begin();
	while (n < limit) {
		char c = ((const volatile char *)user_src)[n];
		dst[n] = c;
		if (c == '\0')
			break;
		n = n + 1;
	}
	hal_user_access_end();
	t->fault_jmp = saved;
	if (n == limit) { /* no NUL within reach */
		dst[VD_MIN(n, max - 1)] = '\0';
		return VD_ERR_INVALID_PARAMETER;
	}
	if (len_out)
		*len_out = n;
	return VD_OK;
}

vd_err_t vd_user_probe_out(uint64_t user_dst, size_t len)
{
	static const uint8_t zeros[256];
	vd_err_t err = VD_OK;

	while (!err && len) {
		size_t n = VD_MIN(len, sizeof(zeros));
		err = vd_copy_to_user((void *)(uintptr_t)user_dst, zeros, n);
		user_dst += n;
		len -= n;
	}
	return err;
}
