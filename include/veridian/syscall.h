/*
 * Veridian: system calls and the portable dispatcher.
 *
 * The numbers (syscall_nr.h) are those of the VeridianOS kernel API.  The
 * register ABI is in cpu_context.h and docs/syscall-abi.md: a negative
 * return is -vd_err_t.
 */
#ifndef VERIDIAN_SYSCALL_H
#define VERIDIAN_SYSCALL_H

#include <veridian/cpu_context.h>
#include <veridian/syscall_nr.h>
#include <veridian/types.h>

/* SYS_MMAP protection bits (READ is implied by the MMUs: required). */
#define VD_PROT_READ 1u
#define VD_PROT_WRITE 2u
#define VD_PROT_EXEC 4u
#define VD_MMAP_MAX ((uint64_t)64 << 20)

/*
 * handle_syscall of the kernel API: dispatch `nr` with `args`; on success
 * *ret is the result.  ctx is the caller's saved user context (some calls,
 * such as exit, never return to it).
 */
vd_err_t vd_handle_syscall(uint64_t nr, const uint64_t args[6],
			   struct vd_cpu_context *ctx, uint64_t *ret);

/*
 * Subsystems outside core/syscall (the IPC module) register the handler
 * of a syscall number here; an unregistered number returns
 * VD_ERR_NOT_FOUND.  VD_ERR_BUSY if the number is taken, INVALID_PARAMETER
 * if out of range.
 */
typedef vd_err_t (*vd_syscall_handler_t)(const uint64_t args[6],
					 struct vd_cpu_context *ctx,
					 uint64_t *ret);
vd_err_t vd_syscall_register(unsigned nr, vd_syscall_handler_t handler);

/*
 * Test hooks for HAL ktests that enter user mode on a hand-made code page
 * before processes exist: when set, syscalls numbered VD_SYS_MAX or above
 * and page faults go to the hook instead of the real handler.  Never set
 * outside ktests.
 */
extern void (*vd_syscall_test_hook)(struct vd_cpu_context *ctx);
extern bool (*vd_page_fault_test_hook)(struct vd_cpu_context *ctx,
				       vaddr_t addr, unsigned access,
				       bool from_user);

#endif /* VERIDIAN_SYSCALL_H */
