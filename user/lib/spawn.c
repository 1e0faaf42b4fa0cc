/* Starting boot file system programs. */
#include <vd.h>

long vd_spawn(const char *path, const char *const *argv,
	      vd_cap_token_t *cap_out)
{
	return vd_spawn_env(path, argv, NULL, cap_out);
}

long vd_spawn_env(const char *path, const char *const *argv,
		  const char *const *envp, vd_cap_token_t *cap_out)
{
	vd_cap_token_t console = vd_console_cap();

	return vd_spawn_caps(path, argv, envp, &console, console ? 1 : 0,
			     cap_out);
}

long vd_spawn_caps(const char *path, const char *const *argv,
		   const char *const *envp, const vd_cap_token_t *caps,
		   unsigned ncaps, vd_cap_token_t *cap_out)
{
	struct vd_process_create_args a = {
		.path = (uintptr_t)path,
		.argv = (uintptr_t)argv,
		.envp = (uintptr_t)envp,
		.caps = (uintptr_t)caps,
		.ncaps = ncaps,
	};
	long pid = vd_process_create(&a, cap_out);

	if (vd_is_err(pid))
		return pid;
	long r = vd_process_start(*cap_out);
	return vd_is_err(r) ? r : pid;
}

long vd_run(const char *path, const char *const *argv,
	    struct vd_process_exit_info *info)
{
	vd_cap_token_t cap;
	long r = vd_spawn(path, argv, &cap);

	if (vd_is_err(r))
		return r;
	return vd_process_wait(cap, info, VD_TIMEOUT_INFINITE);
}
