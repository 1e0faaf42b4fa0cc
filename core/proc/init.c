/*
 * Starting user space (normal image): init is the first user process,
 * loaded from the boot file system.  The boot thread then waits for it,
 * reports how it ended, and idles.
 */
#include <veridian/kernel.h>
#include <veridian/printf.h>
#include <veridian/proc.h>
#include <veridian/sched.h>

void vd_start_userspace(void)
{
	static const char *const argv[] = {"init", NULL};
	struct vd_process_exit_info info;
	vd_pid_t pid;
	vd_err_t err;

	err = vd_spawn_from_bootfs("init", argv, &pid);
	if (err) {
		kprintf("user space: cannot start init: %s\n",
			vd_strerror(err));
		return;
	}
	kprintf("user space: init is pid %llu\n", (unsigned long long)pid);
	err = vd_process_wait(0, pid, VD_TIMEOUT_INFINITE, &info);
	if (!err)
		kprintf("user space: init ended (%s, code %d)\n",
			vd_exit_reason_name(info.exit_reason),
			(int)info.exit_code);
}
