/*
 * The dispatch table: the handler of every number of the syscall list
 * (include/veridian/syscalls.def), NULL (NotFound) for the others.
 *
 * Compiled once per kernel image (cmake/kernel.cmake), not with the rest
 * of core/: the production image (VD_PRODUCTION) leaves out the
 * test-only calls (`test: yes` in the list, VD_SYS_TEST_ONLY_<name> in
 * syscall_nr.h).  Their numbers answer NotFound there, as numbers the
 * list does not name, so the handlers and what only they use are not
 * linked in (scripts/check-prod-image checks the image).  The test and
 * bench images and the host build carry every call.
 */
#include "syscall_internal.h"

/* syscall_nr.h is generated from the same list: a stale one does not
 * build (scripts/gen-syscalls rewrites it). */
#define VD_SYSCALL_LIMIT(n)                                                    \
	_Static_assert(VD_SYS_MAX == (n), "syscall_nr.h is stale: run "        \
					  "scripts/gen-syscalls");
#define VD_SYSCALL(nr, name, handler, nargs)                                   \
	_Static_assert(VD_SYS_##name == (nr) && (nargs) <= 6 &&                \
			       (VD_SYS_TEST_ONLY_##name == 0 ||                \
				VD_SYS_TEST_ONLY_##name == 1),                 \
		       "syscall_nr.h is stale: run scripts/gen-syscalls");
#include <veridian/syscalls.def>

#ifdef VD_PRODUCTION
#define HANDLER(test_only, handler) ((test_only) ? NULL : (handler))
#else
#define HANDLER(test_only, handler) (handler)
#endif

const vd_syscall_handler_t vd_syscall_table[VD_SYS_MAX] = {
#define VD_SYSCALL(nr, name, handler, nargs)                                   \
	[nr] = HANDLER(VD_SYS_TEST_ONLY_##name, handler),
#include <veridian/syscalls.def>
};
