/*
 * cmocka suite: every number the VeridianOS kernel API fixes, pinned.
 *
 * The reference is the VeridianOS kernel API (README.md, "The VeridianOS
 * kernel API"; docs/syscall-abi.md): its syscall numbers, Priority values
 * and Rights bits are written out there; its other enums (ObjectType,
 * TransferMode, MemoryZone, KernelError, BlockReason) and the PageFlags
 * fields have no explicit values, so their numbers are the declaration
 * order, from 0, as a Rust enum's (the C headers keep that order; where
 * they add an offset it is pinned and said below).  Each expected value
 * here is written literally from the reference, never computed from a
 * header: renumbering anything in the headers fails this suite.
 *
 * A few numbers are Veridian's own ABI, not the reference's (the IpcError
 * and MemoryError codes, ExitReason, the extension syscalls): pinned too,
 * from docs/syscall-abi.md, because user programs are built against them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <veridian/cap.h>
#include <veridian/hal.h>
#include <veridian/ipc.h>
#include <veridian/mm.h>
#include <veridian/proc.h>
#include <veridian/sched.h>
#include <veridian/syscall.h>
#include <veridian/types.h>

#include "../../core/syscall/syscall_internal.h"

struct pin {
	const char *name;	 /* the header's constant */
	unsigned long long got;	 /* its value */
	unsigned long long want; /* the reference's, literally */
};
#define PIN(constant, value)                                                   \
	{                                                                      \
		#constant, (unsigned long long)(constant), (value)             \
	}

/* Check every pin and report each mismatch by name before failing, so
 * one run lists every renumbered constant. */
static void check(const char *what, const struct pin *p, size_t n)
{
	unsigned bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i].got == p[i].want)
			continue;
		print_error("%s: %s is %llu (%#llx), the reference says %llu "
			    "(%#llx)\n",
			    what, p[i].name, p[i].got, p[i].got, p[i].want,
			    p[i].want);
		bad++;
	}
	assert_int_equal(bad, 0);
}
#define CHECK(what, pins) check(what, pins, sizeof(pins) / sizeof(pins[0]))

/* pub mod syscall { pub const SYS_*: usize = ...; } */
static void test_syscall_numbers(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_SYS_EXIT, 1),
		PIN(VD_SYS_READ, 2),
		PIN(VD_SYS_WRITE, 3),
		PIN(VD_SYS_MMAP, 4),
		PIN(VD_SYS_MUNMAP, 5),
		PIN(VD_SYS_IPC_SEND, 10),
		PIN(VD_SYS_IPC_RECEIVE, 11),
		PIN(VD_SYS_IPC_CALL, 12),
		PIN(VD_SYS_IPC_REPLY, 13),
		PIN(VD_SYS_PROCESS_CREATE, 20),
		PIN(VD_SYS_PROCESS_START, 21),
		PIN(VD_SYS_PROCESS_WAIT, 22),
		PIN(VD_SYS_THREAD_CREATE, 25),
		PIN(VD_SYS_THREAD_EXIT, 26),
		PIN(VD_SYS_THREAD_JOIN, 27),
		PIN(VD_SYS_CAPABILITY_CREATE, 30),
		PIN(VD_SYS_CAPABILITY_DERIVE, 31),
		PIN(VD_SYS_CAPABILITY_REVOKE, 32),
	};
	CHECK("syscall", pins);

	/* ... and each is a real call of every image, not a test-only one */
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		assert_non_null(vd_syscall_table[pins[i].want]);
	assert_int_equal(VD_SYS_TEST_ONLY_EXIT, 0);
	assert_int_equal(VD_SYS_TEST_ONLY_IPC_CALL, 0);
	assert_int_equal(VD_SYS_TEST_ONLY_CAPABILITY_REVOKE, 0);
}

/* Veridian's own numbers (docs/syscall-abi.md, "Extensions" and IPC). */
static void test_extension_syscall_numbers(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_SYS_NULL, 0),
		PIN(VD_SYS_PROCESS_TERMINATE, 23),
		PIN(VD_SYS_PROCESS_LIMITS, 24),
		PIN(VD_SYS_THREAD_YIELD, 28),
		PIN(VD_SYS_THREAD_SLEEP, 29),
		PIN(VD_SYS_IPC_ENDPOINT_CREATE, 40),
		PIN(VD_SYS_IPC_ENDPOINT_DESTROY, 41),
		PIN(VD_SYS_IPC_CHANNEL_CREATE, 42),
		PIN(VD_SYS_IPC_CHANNEL_CLOSE, 43),
		PIN(VD_SYS_IPC_REGION_CREATE, 44),
		PIN(VD_SYS_IPC_REGION_MAP, 45),
		PIN(VD_SYS_IPC_REGION_UNMAP, 46),
		PIN(VD_SYS_IPC_REGION_TRANSFER, 47),
		PIN(VD_SYS_IPC_REGION_RELEASE, 48),
		PIN(VD_SYS_IPC_DEBUG, 49),
		PIN(VD_SYS_MAX, 64),
	};
	CHECK("syscall (Veridian)", pins);
}

/* enum Priority { Idle = 0, Low = 10, Normal = 20, High = 30,
 * RealTime = 40 } */
static void test_priorities(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_PRIO_IDLE, 0),	   PIN(VD_PRIO_LOW, 10),
		PIN(VD_PRIO_NORMAL, 20),   PIN(VD_PRIO_HIGH, 30),
		PIN(VD_PRIO_REALTIME, 40),
	};
	CHECK("Priority", pins);
}

/* impl Rights { READ = 1 << 0, WRITE = 1 << 1, EXECUTE = 1 << 2,
 * DELETE = 1 << 3, GRANT = 1 << 4, MAP = 1 << 5 }; struct Rights(u32) */
static void test_rights(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_RIGHT_READ, 1 << 0),
		PIN(VD_RIGHT_WRITE, 1 << 1),
		PIN(VD_RIGHT_EXECUTE, 1 << 2),
		PIN(VD_RIGHT_DELETE, 1 << 3),
		PIN(VD_RIGHT_GRANT, 1 << 4),
		PIN(VD_RIGHT_MAP, 1 << 5),
		PIN(VD_RIGHTS_ALL, 0x3f),
		PIN(sizeof(((struct vd_capability *)0)->rights), 4),
	};
	CHECK("Rights", pins);
}

/* enum ObjectType { Memory, Process, Thread, IpcEndpoint, File, Device } */
static void test_object_types(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_OBJ_MEMORY, 0),	   PIN(VD_OBJ_PROCESS, 1),
		PIN(VD_OBJ_THREAD, 2),	   PIN(VD_OBJ_IPC_ENDPOINT, 3),
		PIN(VD_OBJ_FILE, 4),	   PIN(VD_OBJ_DEVICE, 5),
		PIN(VD_OBJ_TYPE_COUNT, 6),
	};
	CHECK("ObjectType", pins);
}

/* enum TransferMode { Move, Share, CopyOnWrite } */
static void test_transfer_modes(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_IPC_TRANSFER_MOVE, 0),
		PIN(VD_IPC_TRANSFER_SHARE, 1),
		PIN(VD_IPC_TRANSFER_COW, 2),
	};
	CHECK("TransferMode", pins);
}

/* struct PageFlags { present, writable, user_accessible, write_through,
 * cache_disable, accessed, dirty, huge_page, global, no_execute }: one
 * bit each, in that order. */
static void test_page_flags(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_PTE_PRESENT, 1 << 0),
		PIN(VD_PTE_WRITABLE, 1 << 1),
		PIN(VD_PTE_USER, 1 << 2),
		PIN(VD_PTE_WRITE_THROUGH, 1 << 3),
		PIN(VD_PTE_CACHE_DISABLE, 1 << 4),
		PIN(VD_PTE_ACCESSED, 1 << 5),
		PIN(VD_PTE_DIRTY, 1 << 6),
		PIN(VD_PTE_HUGE, 1 << 7),
		PIN(VD_PTE_GLOBAL, 1 << 8),
		PIN(VD_PTE_NO_EXECUTE, 1 << 9),
		PIN(VD_PTE_ALL_FLAGS, 0x3ff),
	};
	CHECK("PageFlags", pins);
}

/* enum MemoryZone { Dma (0-16MB), Normal, High };
 * zone_stats: [ZoneStatistics; 3] */
static void test_memory_zones(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_ZONE_DMA, 0),
		PIN(VD_ZONE_NORMAL, 1),
		PIN(VD_ZONE_HIGH, 2),
		PIN(VD_ZONE_COUNT, 3),
		PIN(VD_ZONE_DMA_LIMIT, 16ull * 1024 * 1024),
	};
	CHECK("MemoryZone", pins);
}

/*
 * enum KernelError { InvalidParameter, NotFound, PermissionDenied,
 * OutOfMemory, Busy, Timeout, ResourceExhausted, InvalidCapability,
 * IpcError(..), MemoryError(..) }.  Result<T> needs a success value:
 * the C ABI gives Ok 0 and each error its declaration index + 1 (a
 * syscall returns -error).  IpcError and MemoryError have no variants in
 * the reference: their codes are Veridian's (docs/syscall-abi.md).
 */
static void test_error_codes(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_OK, 0),
		PIN(VD_ERR_INVALID_PARAMETER, 1),
		PIN(VD_ERR_NOT_FOUND, 2),
		PIN(VD_ERR_PERMISSION_DENIED, 3),
		PIN(VD_ERR_OUT_OF_MEMORY, 4),
		PIN(VD_ERR_BUSY, 5),
		PIN(VD_ERR_TIMEOUT, 6),
		PIN(VD_ERR_RESOURCE_EXHAUSTED, 7),
		PIN(VD_ERR_INVALID_CAPABILITY, 8),
		/* IpcError(...) */
		PIN(VD_ERR_IPC_CLOSED, 20),
		PIN(VD_ERR_IPC_QUEUE_FULL, 21),
		PIN(VD_ERR_IPC_MSG_TOO_LARGE, 22),
		PIN(VD_ERR_IPC_BAD_REPLY_TOKEN, 23),
		PIN(VD_ERR_IPC_PEER_DIED, 24),
		/* MemoryError(...) */
		PIN(VD_ERR_MEM_ALREADY_MAPPED, 40),
		PIN(VD_ERR_MEM_NOT_MAPPED, 41),
		PIN(VD_ERR_MEM_BAD_ADDRESS, 42),
		PIN(VD_ERR_MEM_DOUBLE_FREE, 43),
		PIN(VD_ERR_MEM_FAULT, 44),
	};
	CHECK("KernelError", pins);
}

/* ProcessExitInfo.exit_reason: ExitReason, which the reference does not
 * spell out; Veridian's (docs/syscall-abi.md, PROCESS_WAIT). */
static void test_exit_reasons(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_EXIT_NORMAL, 0),	       PIN(VD_EXIT_KILLED, 1),
		PIN(VD_EXIT_FAULT, 2),	       PIN(VD_EXIT_EXCEPTION, 3),
		PIN(VD_EXIT_OUT_OF_MEMORY, 4),
	};
	CHECK("ExitReason", pins);
}

/*
 * enum BlockReason { Sleep, WaitingForIpc, WaitingForMemory,
 * WaitingForIo, WaitingForChild, WaitingForMutex }: the header keeps the
 * order but puts VD_BLOCK_NONE (not blocked) at 0, so each is its
 * declaration index + 1 (VD_BLOCK_JOIN, for join_thread, is Veridian's).
 * Kernel-internal: no syscall passes it.
 */
static void test_block_reasons(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(VD_BLOCK_NONE, 0),	PIN(VD_BLOCK_SLEEP, 1),
		PIN(VD_BLOCK_IPC, 2),	PIN(VD_BLOCK_MEMORY, 3),
		PIN(VD_BLOCK_IO, 4),	PIN(VD_BLOCK_CHILD, 5),
		PIN(VD_BLOCK_MUTEX, 6), PIN(VD_BLOCK_JOIN, 7),
	};
	CHECK("BlockReason", pins);
}

/* The widths the reference fixes: ProcessId, ThreadId, CapabilityToken,
 * EndpointId, ChannelId u64; Capability.generation u16; SmallMessage
 * data [u8; 64] and len u8; MessageHeader.sequence u64. */
static void test_widths(void **state)
{
	(void)state;
	static const struct pin pins[] = {
		PIN(sizeof(vd_pid_t), 8),
		PIN(sizeof(vd_tid_t), 8),
		PIN(sizeof(vd_cap_token_t), 8),
		PIN(sizeof(vd_endpoint_id_t), 8),
		PIN(sizeof(vd_channel_id_t), 8),
		PIN(sizeof(((struct vd_capability *)0)->generation), 2),
		PIN(sizeof(((struct vd_capability *)0)->object_id), 8),
		PIN(sizeof(((struct vd_capability *)0)->token), 8),
		PIN(VD_IPC_SMALL_MAX, 64),
		PIN(sizeof(((struct vd_ipc_message *)0)->data), 64),
		PIN(sizeof(((struct vd_ipc_message *)0)->len), 1),
		PIN(sizeof(((struct vd_ipc_header *)0)->sequence), 8),
	};
	CHECK("widths", pins);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_numbers),
		cmocka_unit_test(test_extension_syscall_numbers),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_rights),
		cmocka_unit_test(test_object_types),
		cmocka_unit_test(test_transfer_modes),
		cmocka_unit_test(test_page_flags),
		cmocka_unit_test(test_memory_zones),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_exit_reasons),
		cmocka_unit_test(test_block_reasons),
		cmocka_unit_test(test_widths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
