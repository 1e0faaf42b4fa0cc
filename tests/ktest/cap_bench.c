/*
 * Capability system benchmarks, in instructions per operation (exact
 * under QEMU -icount).  vd_cap_validate is on the path of every syscall
 * that touches an object; the target is tens of instructions.  Each figure
 * includes the loop and the call.
 */
#include <veridian/cap.h>
#include <veridian/hal.h>
#include <veridian/ktest.h>

#define N 10000u

VD_KBENCH(cap_validate)
{
	struct vd_cap_space *s;
	struct vd_capability c, out;
	vd_cap_token_t bad;
	unsigned fails = 0;
	uint64_t t0;

	if (vd_cap_space_create(VD_CAP_DEFAULT_SLOTS, &s) != VD_OK)
		return;
	if (vd_cap_create(s, VD_OBJ_IPC_ENDPOINT, 1, VD_RIGHTS_ALL, &c) !=
	    VD_OK) {
		vd_cap_space_destroy(s);
		return;
	}

	t0 = hal_cycles();
	for (unsigned i = 0; i < N; i++)
		fails += vd_cap_validate(s, c.token, VD_RIGHT_READ, NULL) != 0;
	vd_kbench_report("cap_validate (hit)", hal_cycles() - t0, N);

	t0 = hal_cycles();
	for (unsigned i = 0; i < N; i++)
		fails += vd_cap_validate_type(s, c.token, VD_OBJ_IPC_ENDPOINT,
					      VD_RIGHT_WRITE, &out) != 0;
	vd_kbench_report("cap_validate_type (hit, fill out)", hal_cycles() - t0,
			 N);

	bad = c.token ^ (1ull << 40);
	t0 = hal_cycles();
	for (unsigned i = 0; i < N; i++)
		fails += vd_cap_validate(s, bad, 0, NULL) == 0;
	vd_kbench_report("cap_validate (forged token)", hal_cycles() - t0, N);

	if (fails)
		kprintf("bench: cap_validate: %u unexpected results\n", fails);
	vd_cap_space_destroy(s);
}

VD_KBENCH(cap_mint_and_revoke)
{
	struct vd_cap_space *s;
	struct vd_capability root, c;
	uint64_t t0;
	const unsigned n = 1000;

	if (vd_cap_space_create(VD_CAP_DEFAULT_SLOTS, &s) != VD_OK)
		return;
	if (vd_cap_create(s, VD_OBJ_MEMORY, 1, VD_RIGHTS_ALL, &root) != VD_OK) {
		vd_cap_space_destroy(s);
		return;
	}

	t0 = hal_cycles();
	for (unsigned i = 0; i < n; i++) {
		vd_cap_create(s, VD_OBJ_MEMORY, i, VD_RIGHT_READ, &c);
		vd_cap_revoke(s, c.token);
	}
	vd_kbench_report("cap_create + cap_revoke", hal_cycles() - t0, n);

	t0 = hal_cycles();
	for (unsigned i = 0; i < n; i++) {
		vd_cap_derive(s, root.token, VD_RIGHT_READ, &c);
		vd_cap_revoke(s, c.token);
	}
	vd_kbench_report("cap_derive + cap_revoke", hal_cycles() - t0, n);

	/* Revoking a 100-node tree, per node. */
	t0 = hal_cycles();
	for (unsigned i = 0; i < 100; i++)
		vd_cap_derive(s, root.token, VD_RIGHT_READ, NULL);
	vd_cap_revoke_derived(s, root.token);
	vd_kbench_report("cap_derive x100 + revoke_derived, per cap",
			 hal_cycles() - t0, 100);
	vd_cap_space_destroy(s);
}
