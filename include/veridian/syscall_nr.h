/*
 * Veridian: system call numbers, on their own so that the HAL's assembly
 * syscall entries can include them (they send the IPC fast path's two
 * numbers straight to it, hal.h).
 *
 * Numbers are those of the VeridianOS kernel API; docs/syscall-abi.md
 * has the register ABI.
 */
#ifndef VERIDIAN_SYSCALL_NR_H
#define VERIDIAN_SYSCALL_NR_H

#define VD_SYS_EXIT		 1
#define VD_SYS_READ		 2
#define VD_SYS_WRITE		 3
#define VD_SYS_MMAP		 4
#define VD_SYS_MUNMAP		 5
#define VD_SYS_IPC_SEND		 10
#define VD_SYS_IPC_RECEIVE	 11
#define VD_SYS_IPC_CALL		 12
#define VD_SYS_IPC_REPLY	 13
#define VD_SYS_PROCESS_CREATE	 20
#define VD_SYS_PROCESS_START	 21
#define VD_SYS_PROCESS_WAIT	 22
#define VD_SYS_THREAD_CREATE	 25
#define VD_SYS_THREAD_EXIT	 26
#define VD_SYS_THREAD_JOIN	 27
#define VD_SYS_CAPABILITY_CREATE 30
#define VD_SYS_CAPABILITY_DERIVE 31
#define VD_SYS_CAPABILITY_REVOKE 32
/* IPC objects and shared regions (core/ipc, docs/ipc.md). */
#define VD_SYS_IPC_ENDPOINT_CREATE  40
#define VD_SYS_IPC_ENDPOINT_DESTROY 41
#define VD_SYS_IPC_CHANNEL_CREATE   42
#define VD_SYS_IPC_CHANNEL_CLOSE    43
#define VD_SYS_IPC_REGION_CREATE    44
#define VD_SYS_IPC_REGION_MAP	    45
#define VD_SYS_IPC_REGION_UNMAP	    46
#define VD_SYS_IPC_REGION_TRANSFER  47
#define VD_SYS_IPC_REGION_RELEASE   48
#define VD_SYS_IPC_DEBUG	    49
#define VD_SYS_MAX		    64

/* Numbers beyond the VeridianOS kernel API's; see docs/syscall-abi.md. */
#define VD_SYS_NULL		 0 /* does nothing, returns 0: benchmarks, probing */
#define VD_SYS_PROCESS_TERMINATE 23
#define VD_SYS_PROCESS_LIMITS	 24 /* read / lower limits, limits.h */
#define VD_SYS_THREAD_YIELD	 28
#define VD_SYS_THREAD_SLEEP	 29

#endif /* VERIDIAN_SYSCALL_NR_H */
