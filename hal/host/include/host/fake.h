/*
 * The fake machine behind the host test build (hal/host/).
 *
 * Core code under test calls the ordinary hal_* functions; tests steer and
 * observe the fake through these host_* functions: a block of "physical"
 * RAM at HOST_RAM_PHYS_BASE reachable through the physmap, a console that
 * records output, a settable clock, a settable cpu id, and a power-off
 * that returns control to the test instead of ending the process.
 */
#ifndef HOST_FAKE_H
#define HOST_FAKE_H

#include <setjmp.h>
#include <veridian/hal.h>

#define HOST_RAM_PHYS_BASE ((paddr_t)0x40000000)
#define HOST_RAM_SIZE	   ((uint64_t)64 << 20)

/* Reset all fake state (RAM is zeroed and stays mapped). */
void host_fake_reset(void);
/* The fake RAM in the physmap. */
void *host_ram(void);
/* Boot info describing the fake RAM: one usable region covering it, with
 * the first `reserved_bytes` marked as the kernel image. */
void host_make_boot_info(struct vd_boot_info *bi, uint64_t reserved_bytes);

/* Console capture. */
const char *host_console_output(void);
void host_console_clear(void);
/* Characters hal_console_getc will return, in order. */
void host_console_feed(const char *s);

/* Time and cycles. */
void host_set_time_ns(uint64_t ns);
void host_advance_time_ns(uint64_t ns);
uint64_t host_timer_deadline(void);

/* User space as VD_USER_BASE and hal_user_top() see it: by default
 * [0x10000, 2^47), the host's lower half, where a test's own buffers play
 * user memory; 0 restores a default.  The syscall fuzzer narrows it to a
 * window of its own, so that every other address is one the kernel must
 * refuse before touching it. */
void host_set_user_window(vaddr_t base, vaddr_t top);

/* CPU identity and count. */
void host_set_cpu(unsigned cpu);
void host_set_cpu_count(unsigned n);

/* hal_poweroff: if host_poweroff_jmp is armed, longjmp(…, status + 1)
 * to it; otherwise the test process aborts. */
extern jmp_buf *host_poweroff_jmp;
extern int host_poweroff_status;

/*
 * The never-returning exits of a syscall (hal/host/sched_fake.c): if a
 * test armed host_user_return_jmp, hal_syscall_return records the user
 * context it would return to (host_user_return_ctx), clears *done as the
 * arches do once off the old stack, and longjmps there with
 * HOST_USER_RETURN; hal_context_switch longjmps with HOST_SWITCHED (the
 * test then plays the thread switched to).  Unarmed, both abort.  The
 * IPC fast-path suite (tests/host/test_ipc_fast.c) runs on these.
 */
enum { HOST_USER_RETURN = 1, HOST_SWITCHED = 2 };
extern jmp_buf *host_user_return_jmp;
extern struct vd_cpu_context *host_user_return_ctx;

#endif /* HOST_FAKE_H */
