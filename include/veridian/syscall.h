/*
 * Veridian: system calls and the portable dispatcher.
 *
 * The calls are listed once, in syscalls.def; syscall_nr.h (their
 * numbers, those of the VeridianOS kernel API) is generated from it.  The
 * register ABI is in cpu_context.h and docs/syscall-abi.md: a negative
 * return is -vd_err_t.
 */
#ifndef VERIDIAN_SYSCALL_H
#define VERIDIAN_SYSCALL_H

#include <veridian/cpu_context.h>
#include <veridian/syscall_nr.h>
#include <veridian/types.h>

/* SYS_MMAP protection bits (READ is implied by the MMUs: required). */
#define VD_PROT_READ  1u
#define VD_PROT_WRITE 2u
#define VD_PROT_EXEC  4u
#define VD_MMAP_MAX   ((uint64_t)64 << 20)

/*
 * handle_syscall of the kernel API, the one dispatcher
 * (core/syscall/entry.c; the HAL's syscall entries reach it through
 * vd_syscall): dispatch `nr` with `args`; on success *ret is the result.
 * ctx must be the calling user thread's saved user context, at the top of
 * its kernel stack (some calls, such as exit, never return to it).
 * Errors: VD_ERR_PERMISSION_DENIED (the caller is a kernel thread: no
 * process, no syscalls), VD_ERR_INVALID_PARAMETER (ctx is not the
 * caller's user context), VD_ERR_NOT_FOUND (no syscall `nr`), and the
 * handler's own.
 */
vd_err_t vd_handle_syscall(uint64_t nr, const uint64_t args[6],
			   struct vd_cpu_context *ctx, uint64_t *ret);

/*
 * A syscall handler: args are the six argument registers (they may be the
 * caller's saved registers in ctx themselves), ctx the caller's saved user
 * context, *ret the result on success.
 */
typedef vd_err_t (*vd_syscall_handler_t)(const uint64_t args[6],
					 struct vd_cpu_context *ctx,
					 uint64_t *ret);

#ifndef VD_USER
/* The handlers of the syscall list, syscalls.def (core/syscall/sys_*.c,
 * core/ipc/ipc_syscall.c); the table is in core/syscall/table.c. */
#define VD_SYSCALL(nr, name, handler, nargs)                                   \
	vd_err_t handler(const uint64_t args[6], struct vd_cpu_context *ctx,   \
			 uint64_t *ret);
#include <veridian/syscalls.def>
#endif

/*
 * Test hooks for HAL ktests that enter user mode on a hand-made code page
 * before processes exist: when set, syscalls numbered VD_SYS_MAX or above
 * and page faults go to the hook instead of the real handler.  Never set
 * outside ktests; the production image (VD_PRODUCTION) has no ktests and
 * so no hooks (its core/syscall/entry.c and core/proc/trap.c are compiled
 * for it alone, cmake/kernel.cmake).
 */
#ifndef VD_PRODUCTION
extern void (*vd_syscall_test_hook)(struct vd_cpu_context *ctx);
extern bool (*vd_page_fault_test_hook)(struct vd_cpu_context *ctx, vaddr_t addr,
				       unsigned access, bool from_user);
#endif

#endif /* VERIDIAN_SYSCALL_H */
