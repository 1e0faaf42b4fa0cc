/* Program start-up: keep the start info, run main, exit with its value. */
#include <vd.h>

const struct vd_start_info *vd_start;

vd_cap_token_t vd_console_cap(void)
{
	if (!vd_start || vd_start->ncaps == 0)
		return 0;
	return ((const vd_cap_token_t *)(uintptr_t)vd_start->caps)[0];
}

vd_cap_token_t vd_trace_cap(void)
{
	if (!vd_start || vd_start->ncaps < 2)
		return 0;
	return ((const vd_cap_token_t *)(uintptr_t)vd_start->caps)[1];
}

vd_cap_token_t vd_self_cap(void)
{
	return vd_start ? vd_start->self_cap : 0;
}

VD_NORETURN void __vd_start(const struct vd_start_info *si);

void __vd_start(const struct vd_start_info *si)
{
	vd_start = si;
	vd_exit(main((int)si->argc, (char **)(uintptr_t)si->argv,
		     (char **)(uintptr_t)si->envp));
}
