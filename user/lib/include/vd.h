/*
 * libveridian: the user-space side of the syscall ABI.
 *
 * Every wrapper returns what the kernel returned: a value >= 0 on success
 * or -vd_err_t (a small negative number) on failure; vd_is_err() tells
 * them apart.  Capability tokens are returned through pointers, never as
 * the return value, because a 64-bit token may look negative.
 *
 * The kernel ABI structures (start info, process create arguments, exit
 * information) come from the kernel headers, included with VD_USER.
 */
#ifndef VD_USER_H
#define VD_USER_H

#define VD_USER 1
#include <stdarg.h>
#include <veridian/cap.h>
#include <veridian/limits.h>
#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/thread.h>
#include <veridian/trace_abi.h>
#include <veridian/types.h>

/* vd_syscall0 .. vd_syscall6: the trap, per architecture
 * (user/lib/arch/<arch>/include/arch/syscall.h). */
#include <arch/syscall.h>

#define VD_TIMEOUT_INFINITE UINT64_MAX

static inline bool vd_is_err(long r)
{
	return r < 0 && r > -4096;
}

static inline vd_err_t vd_err_of(long r)
{
	return vd_is_err(r) ? (vd_err_t)-r : VD_OK;
}

/* ---- program start-up (start.c) ---- */

/* What the kernel passed to this process. */
extern const struct vd_start_info *vd_start;
/* The console capability (caps[0] by convention), or 0. */
vd_cap_token_t vd_console_cap(void);
/* The debug capability (VD_DEVICE_DEBUG) the process was started with,
 * or 0: SYS_IPC_DEBUG needs it (user/ipc-lib/ipc.h).  Inline: a call
 * here would make the benchmarks' loops around vd_ipc_cycles keep
 * fewer values in registers. */
static inline vd_cap_token_t vd_debug_cap(void)
{
	return vd_start ? vd_start->debug_cap : 0;
}
/* This process's own capability (all rights). */
vd_cap_token_t vd_self_cap(void);
/* The trace capability (caps[1] of the kernel's children, init and the
 * ktest programs: docs/tracing.md), or 0.  Other programs get it only
 * if their parent passes it on, where the parent chooses. */
vd_cap_token_t vd_trace_cap(void);

int main(int argc, char **argv, char **envp);

/* ---- raw syscalls (syscalls.c, vd_syscalls.h) ---- */

/* One function per number of include/veridian/syscalls.def, generated
 * by scripts/gen-syscalls. */
#include "vd_syscalls.h"

/* ---- conveniences (spawn.c) ---- */

/*
 * Create and start the boot file system program `path` with argv (NULL-
 * terminated, may be NULL) and the console capability; *cap_out gets the
 * process capability.  Returns the pid or -error.
 */
long vd_spawn(const char *path, const char *const *argv,
	      vd_cap_token_t *cap_out);
/* The same with an environment (NULL-terminated "KEY=VALUE" strings). */
long vd_spawn_env(const char *path, const char *const *argv,
		  const char *const *envp, vd_cap_token_t *cap_out);
/* The same with the capabilities caps[0..ncaps) instead of the console
 * (envp may be NULL). */
long vd_spawn_caps(const char *path, const char *const *argv,
		   const char *const *envp, const vd_cap_token_t *caps,
		   unsigned ncaps, vd_cap_token_t *cap_out);
/* Spawn and wait: fills *info, returns 0 or -error. */
long vd_run(const char *path, const char *const *argv,
	    struct vd_process_exit_info *info);

/* ---- output (stdio.c) ---- */

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int puts(const char *s);
/* the kernel's formatter, shared (core/lib/printf.c) */
int vd_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vd_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* ---- strings (the kernel's core/lib/string.c, shared) ---- */
#include <veridian/string.h>

/* ---- a tiny TAP-style test harness for the test programs ---- */

struct vd_utest {
	const char *prog;
	unsigned n, failed;
};
/* Record one check: prints "ok N - what" / "not ok N - what". */
bool vd_check(struct vd_utest *t, bool cond, const char *what, ...)
	__attribute__((format(printf, 3, 4)));
/* Print "<prog>: N passed, N failed" and return the failure count. */
int vd_utest_done(struct vd_utest *t);

#endif /* VD_USER_H */
