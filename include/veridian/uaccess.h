/*
 * Veridian: fault-safe access to user memory.
 *
 * The kernel touches user memory only through these routines.  Each one
 *   1. checks that the whole range lies in [VD_USER_BASE, hal_user_top())
 *      without wrapping (else VD_ERR_MEM_BAD_ADDRESS: a kernel pointer
 *      smuggled in by user space is refused before it is touched);
 *   2. arms a recovery point (hal_setjmp) in the current thread, which
 *      the page-fault upcall jumps back to if the access faults
 *      (unmapped page, read-only page on a write) -> VD_ERR_MEM_FAULT;
 *   3. opens the user-access window (SMAP stac/clac on x86_64, PAN on
 *      AArch64, sstatus.SUM on RISC-V) only around the copy itself.
 * A bad user pointer therefore costs the syscall an error code, never
 * the kernel.
 */
#ifndef VERIDIAN_UACCESS_H
#define VERIDIAN_UACCESS_H

#include <veridian/hal.h>
#include <veridian/types.h>

/* Is [addr, addr+len) a user range?  len 0 is always fine. */
bool vd_user_range_ok(uintptr_t addr, size_t len);

vd_err_t vd_copy_from_user(void *dst, const void *user_src, size_t len);
vd_err_t vd_copy_to_user(void *user_dst, const void *src, size_t len);
/* Make sure a later copy of len bytes to user_dst cannot fail: zero the
 * range now (faulting in lazy pages).  Syscalls use it before anything
 * they could not undo, such as taking a message off a queue. */
vd_err_t vd_user_probe_out(uint64_t user_dst, size_t len);
/*
 * Copy a NUL-terminated user string of at most max-1 characters into
 * dst[max] (always terminated).  *len_out (may be NULL) gets its length.
 * VD_ERR_INVALID_PARAMETER if it does not end within max-1 characters.
 */
vd_err_t vd_strncpy_from_user(char *dst, const char *user_src, size_t max,
			      size_t *len_out);

/* The recovery point of the current thread's user copy in progress, or
 * NULL (read by the page-fault upcall). */
struct hal_jmpbuf *vd_current_fault_jmp(void);

#endif /* VERIDIAN_UACCESS_H */
