/*
 * Veridian: system call numbers and the portable dispatcher.
 *
 * Numbers are those of the VeridianOS kernel API.  The register ABI is in
 * cpu_context.h and docs/syscall-abi.md: a negative return is -vd_err_t.
 */
#ifndef VERIDIAN_SYSCALL_H
#define VERIDIAN_SYSCALL_H

#include <veridian/cpu_context.h>
#include <veridian/types.h>

#define VD_SYS_EXIT 1
#define VD_SYS_READ 2
#define VD_SYS_WRITE 3
#define VD_SYS_MMAP 4
#define VD_SYS_MUNMAP 5
#define VD_SYS_IPC_SEND 10
#define VD_SYS_IPC_RECEIVE 11
#define VD_SYS_IPC_CALL 12
#define VD_SYS_IPC_REPLY 13
#define VD_SYS_PROCESS_CREATE 20
#define VD_SYS_PROCESS_START 21
#define VD_SYS_PROCESS_WAIT 22
#define VD_SYS_THREAD_CREATE 25
#define VD_SYS_THREAD_EXIT 26
#define VD_SYS_THREAD_JOIN 27
#define VD_SYS_CAPABILITY_CREATE 30
#define VD_SYS_CAPABILITY_DERIVE 31
#define VD_SYS_CAPABILITY_REVOKE 32
/* IPC objects and shared regions (core/ipc, docs/ipc.md). */
#define VD_SYS_IPC_ENDPOINT_CREATE 40
#define VD_SYS_IPC_ENDPOINT_DESTROY 41
#define VD_SYS_IPC_CHANNEL_CREATE 42
#define VD_SYS_IPC_CHANNEL_CLOSE 43
#define VD_SYS_IPC_REGION_CREATE 44
#define VD_SYS_IPC_REGION_MAP 45
#define VD_SYS_IPC_REGION_UNMAP 46
#define VD_SYS_IPC_REGION_TRANSFER 47
#define VD_SYS_IPC_REGION_RELEASE 48
#define VD_SYS_IPC_DEBUG 49
#define VD_SYS_MAX 64

/* Numbers beyond the seed's; see docs/syscall-abi.md. */
#define VD_SYS_NULL 0 /* does nothing, returns 0: benchmarks, probing */
#define VD_SYS_PROCESS_TERMINATE 23
#define VD_SYS_THREAD_YIELD 28
#define VD_SYS_THREAD_SLEEP 29

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
 * The general syscall path (vd_syscall, hal.h, is the entry): enables
 * interrupts and dispatches.  The IPC fast path ends here when it does
 * not apply; returns what vd_syscall returns.
 */
const volatile uint32_t *vd_syscall_general(struct vd_cpu_context *ctx);

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
