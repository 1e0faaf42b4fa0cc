/*
 * Veridian: basic types and the kernel error code.
 *
 * Every fallible kernel function returns a vd_err_t (VD_OK on success) and
 * hands results back through out-parameters.  The enumerators mirror the
 * KernelError variants of the VeridianOS kernel API; IPC and memory errors
 * carry their sub-kind in the same number space so a single integer can
 * cross the syscall boundary (user space sees -vd_err_t).
 */
#ifndef VERIDIAN_TYPES_H
#define VERIDIAN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;  /* physical address */
typedef uintptr_t vaddr_t; /* virtual address */

typedef uint64_t vd_pid_t;	 /* ProcessId */
typedef uint64_t vd_tid_t;	 /* ThreadId */
typedef uint64_t vd_cap_token_t; /* CapabilityToken */

typedef enum vd_err {
	VD_OK = 0,
	VD_ERR_INVALID_PARAMETER = 1,
	VD_ERR_NOT_FOUND = 2,
	VD_ERR_PERMISSION_DENIED = 3,
	VD_ERR_OUT_OF_MEMORY = 4,
	VD_ERR_BUSY = 5,
	VD_ERR_TIMEOUT = 6,
	VD_ERR_RESOURCE_EXHAUSTED = 7,
	VD_ERR_INVALID_CAPABILITY = 8,
	/* IpcError(...) */
	VD_ERR_IPC_CLOSED = 20,
	VD_ERR_IPC_QUEUE_FULL = 21,
	VD_ERR_IPC_MSG_TOO_LARGE = 22,
	VD_ERR_IPC_BAD_REPLY_TOKEN = 23,
	VD_ERR_IPC_PEER_DIED = 24,
	/* MemoryError(...) */
	VD_ERR_MEM_ALREADY_MAPPED = 40,
	VD_ERR_MEM_NOT_MAPPED = 41,
	VD_ERR_MEM_BAD_ADDRESS = 42,
	VD_ERR_MEM_DOUBLE_FREE = 43,
	VD_ERR_MEM_FAULT = 44,
} vd_err_t;

/* Human-readable name of an error code ("InvalidParameter", ...). */
const char *vd_strerror(vd_err_t err);

#define VD_PAGE_SHIFT 12
#define VD_PAGE_SIZE  ((size_t)1 << VD_PAGE_SHIFT)

#define VD_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define VD_ALIGN_UP(x, a)   VD_ALIGN_DOWN((x) + ((__typeof__(x))(a)-1), (a))
#define VD_IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define VD_ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define VD_MIN(a, b)	    ((a) < (b) ? (a) : (b))
#define VD_MAX(a, b)	    ((a) > (b) ? (a) : (b))

#define VD_CONTAINER_OF(ptr, type, member)                                     \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define VD_UNUSED      __attribute__((unused))
#define VD_NORETURN    __attribute__((noreturn))
#define VD_PACKED      __attribute__((packed))
#define VD_SECTION(s)  __attribute__((section(s)))
#define VD_LIKELY(x)   __builtin_expect(!!(x), 1)
#define VD_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif /* VERIDIAN_TYPES_H */
