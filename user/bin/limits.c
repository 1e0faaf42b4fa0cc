/*
 * limits: per-process resource limits (SYS_PROCESS_LIMITS, limits.h).
 *
 *   driver  creates a sibling ("idle", never started) and a "hog" whose
 *           endpoint limit it lowers to HOG_EPS and thread limit to 2
 *           before starting it; the hog reports back while it still holds
 *           its endpoints, and the driver checks that it can still make
 *           endpoints itself.  Then a "greedy" child with the inherited
 *           defaults tries to take the whole endpoint table and all the
 *           memory.  At the end the driver's usage is back to its own.
 *   hog     cannot raise its own limits or its sibling's; a grandchild
 *           it starts inherits the lowered limit and shares its budget;
 *           its own endpoints stop at the limit with ResourceExhausted,
 *           its second thread too.  Reports, then waits to be killed.
 *   grand   checks its inherited limit, makes endpoints until refused;
 *           exit code: how many (1000 + error if not ResourceExhausted).
 *   greedy  makes endpoints and revokes its capability to each until
 *           refused, then maps 64 MiB lazily until refused; exit code 0
 *           if both stopped at its own limits with the table and memory
 *           still far from exhausted.
 */
#include <ipc_util.h>

#define HOG_EPS 5
#define REPORT	0x74726f706572ull /* "report" */
#define MAX_TRY (VD_IPC_MAX_ENDPOINTS + 8)
#define CHUNK	((size_t)64 << 20)
#define STACK	16384

static struct vd_utest t;

static long my_limits(vd_cap_token_t proc, struct vd_limits_info *li)
{
	return vd_process_limits(proc, NULL, li);
}

/* Lower one kind of proc's limits to v (others unchanged). */
static long lower(vd_cap_token_t proc, enum vd_limit_kind k, uint64_t v)
{
	struct vd_limits_info li;
	long r = my_limits(proc, &li);

	if (vd_is_err(r))
		return r;
	li.limit[k] = v;
	return vd_process_limits(proc, &li, NULL);
}

/* Wait (up to 5 s) until proc's usage of kind k is `want`: the charges
 * of a reaped process or joined thread go when its last thread is off
 * its CPU, a moment after the wait returned. */
static void settle(vd_cap_token_t proc, enum vd_limit_kind k, uint64_t want)
{
	struct vd_limits_info li;

	for (int i = 0; i < 5000; i++) {
		if (my_limits(proc, &li) == 0 && li.usage[k] == want)
			return;
		vd_thread_sleep(1000000);
	}
}

/* Make endpoints until refused: how many, and the refusal in *err. */
static unsigned make_endpoints(vd_cap_token_t *eps, unsigned max, long *err)
{
	unsigned n = 0;

	*err = 0;
	while (n < max) {
		long r = vd_ipc_endpoint_create(&eps[n]);
		if (vd_is_err(r)) {
			*err = r;
			break;
		}
		n++;
	}
	return n;
}

static void destroy_endpoints(const vd_cap_token_t *eps, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		vd_ipc_endpoint_destroy(eps[i]);
}

static void short_thread(uintptr_t arg)
{
	(void)arg;
	vd_thread_exit(5);
}

static int role_grand(void)
{
	static vd_cap_token_t eps[MAX_TRY];
	struct vd_limits_info li;
	unsigned n;
	long err;

	if (vd_is_err(my_limits(vd_self_cap(), &li)) ||
	    li.limit[VD_LIMIT_ENDPOINTS] != HOG_EPS)
		return 2000;
	n = make_endpoints(eps, MAX_TRY, &err);
	destroy_endpoints(eps, n);
	return err == -VD_ERR_RESOURCE_EXHAUSTED ? (int)n : 1000 - (int)err;
}

static int role_hog(void)
{
	static const char *const grand_argv[] = {"limits", "grand", NULL};
	static vd_cap_token_t eps[MAX_TRY];
	const vd_cap_token_t *caps =
		(const vd_cap_token_t *)(uintptr_t)vd_start->caps;
	vd_cap_token_t ep = 0, to_parent = 0, sibling = caps[2], gcap, tcap = 0;
	struct vd_process_exit_info info;
	struct vd_ipc_regs r = {0};
	struct vd_limits_info li, sib;
	unsigned n;
	long err, tid;

	t.prog = "limits hog";
	vd_check(&t,
		 !vd_is_err(vd_ipc_endpoint_create(&ep)) &&
			 !vd_is_err(vd_ipc_channel_create(ep, ipc_parent_cap(),
							  &to_parent)),
		 "hog: an endpoint and a channel to the driver");
	vd_check(&t,
		 my_limits(vd_self_cap(), &li) == 0 &&
			 li.limit[VD_LIMIT_ENDPOINTS] == HOG_EPS &&
			 li.usage[VD_LIMIT_ENDPOINTS] == 1 &&
			 li.usage[VD_LIMIT_CHANNELS] == 1 &&
			 li.usage[VD_LIMIT_PROCESSES] == 1 &&
			 li.usage[VD_LIMIT_THREADS] == 1,
		 "hog: reads its lowered limit and its usage");
	vd_check(&t,
		 lower(vd_self_cap(), VD_LIMIT_ENDPOINTS, HOG_EPS + 1) ==
			 -VD_ERR_PERMISSION_DENIED,
		 "hog: cannot raise its own limit");
	vd_check(&t,
		 my_limits(sibling, &sib) == 0 &&
			 lower(sibling, VD_LIMIT_ENDPOINTS,
			       sib.limit[VD_LIMIT_ENDPOINTS] + 1) ==
				 -VD_ERR_PERMISSION_DENIED &&
			 lower(sibling, VD_LIMIT_MEMORY, UINT64_MAX) ==
				 -VD_ERR_PERMISSION_DENIED,
		 "hog: cannot raise its sibling's limits");
	vd_check(&t,
		 my_limits(vd_self_cap(), &li) == 0 &&
			 li.limit[VD_LIMIT_ENDPOINTS] == HOG_EPS,
		 "hog: its limit is unchanged");

	/* a grandchild inherits the lowered limit and shares the budget:
	 * the hog holds one endpoint, so it gets HOG_EPS - 1 */
	struct vd_process_create_args ga = {
		.path = (uintptr_t) "limits",
		.argv = (uintptr_t)grand_argv,
		.caps = (uintptr_t)caps,
		.ncaps = 1,
	};
	vd_check(&t,
		 vd_process_create(&ga, &gcap) > 0 &&
			 vd_process_start(gcap) == 0 &&
			 vd_process_wait(gcap, &info, 30 * SECOND) == 0 &&
			 info.exit_code == HOG_EPS - 1,
		 "hog: its grandchild inherited the limit and got %d of it "
		 "(exit %d)",
		 HOG_EPS - 1, info.exit_code);

	/* its own endpoints stop at the limit */
	n = make_endpoints(eps, MAX_TRY, &err);
	vd_check(&t, n == HOG_EPS - 1 && err == -VD_ERR_RESOURCE_EXHAUSTED,
		 "hog: endpoint %d of %d is refused with ResourceExhausted "
		 "(%u made, %s)",
		 HOG_EPS + 1, HOG_EPS, n + 1, vd_strerror(vd_err_of(err)));

	/* threads: the limit of 2 is its main thread and one more (once
	 * the grandchild's has gone: a reaped thread's struct, and its
	 * charge, go when it is off its CPU) */
	settle(vd_self_cap(), VD_LIMIT_THREADS, 1);
	long s1 =
		vd_mmap(vd_self_cap(), 0, STACK, VD_PROT_READ | VD_PROT_WRITE);
	vd_cap_token_t third = 0; /* a token out is required; none comes */
	tid = vd_thread_create(vd_self_cap(), short_thread, (void *)s1, STACK,
			       0, &tcap);
	vd_check(&t,
		 !vd_is_err(s1) && tid > 0 &&
			 vd_thread_create(vd_self_cap(), short_thread,
					  (void *)s1, STACK, 0,
					  &third) == -VD_ERR_RESOURCE_EXHAUSTED,
		 "hog: a third thread is refused");
	int32_t code = 0;
	vd_check(&t, vd_thread_join(tcap, 10 * SECOND, &code) == 0 && code == 5,
		 "hog: joins its thread");

	/* report while still holding everything, then wait to be killed */
	r.mr[0] = REPORT;
	r.mr[1] = n + 1; /* with the first one */
	r.mr[2] = (uint64_t)-err;
	r.mr[3] = t.failed;
	vd_ipc_send(to_parent, &r, 32, 0, 10 * SECOND);
	for (;;)
		vd_ipc_receive(ep, &r, NULL, VD_TIMEOUT_INFINITE);
}

static int role_greedy(void)
{
	struct vd_limits_info li, li2;
	struct vd_ipc_stats st = {0};
	uintptr_t maps[64];
	unsigned n, nmaps = 0;
	long err, r = 0;
	int bad = 0;

	/*
	 * The whole table, as the fuzzer did it: make an endpoint, revoke
	 * the only capability to it, again and again.  Refused at its own
	 * limit with room left in the table -- or, where revoking the last
	 * capability destroys the endpoint, never refused and nothing
	 * accumulates.  (Keeping the capabilities would stop at the 256
	 * slots of its capability space first.)
	 */
	my_limits(vd_self_cap(), &li);
	for (n = 0, err = 0; n < MAX_TRY; n++) {
		vd_cap_token_t cap;
		err = vd_ipc_endpoint_create(&cap);
		if (vd_is_err(err))
			break;
		err = 0;
		vd_capability_revoke(cap);
	}
	/* the driver passed the debug capability: IPC statistics */
	if (vd_ipc_stats(&st) != 0)
		bad |= 1;
	my_limits(vd_self_cap(), &li2);
	printf("limits greedy: %u endpoints made and revoked, then %s "
	       "(limit %llu, usage %llu, %llu in the table of %d)\n",
	       n, err ? vd_strerror(vd_err_of(err)) : "no refusal",
	       (unsigned long long)li.limit[VD_LIMIT_ENDPOINTS],
	       (unsigned long long)li2.usage[VD_LIMIT_ENDPOINTS],
	       (unsigned long long)st.endpoints, VD_IPC_MAX_ENDPOINTS);
	if (st.endpoints >= VD_IPC_MAX_ENDPOINTS ||
	    (err ? err != -VD_ERR_RESOURCE_EXHAUSTED ||
			     n != li.limit[VD_LIMIT_ENDPOINTS] ||
			     li2.usage[VD_LIMIT_ENDPOINTS] != n
		 : n != MAX_TRY || li2.usage[VD_LIMIT_ENDPOINTS] != 0))
		bad |= 1;
	/* whatever is left goes with the process (its endpoints die with
	 * it); the driver checks that the usage comes back */

	/* all the memory, lazily: refused up front at its own limit */
	while (nmaps < 64) {
		r = vd_mmap(vd_self_cap(), 0, CHUNK,
			    VD_PROT_READ | VD_PROT_WRITE);
		if (vd_is_err(r))
			break;
		maps[nmaps++] = (uintptr_t)r;
	}
	my_limits(vd_self_cap(), &li2);
	printf("limits greedy: %u x 64 MiB mapped, then %s (%llu of %llu "
	       "bytes)\n",
	       nmaps, vd_strerror(vd_err_of(r)),
	       (unsigned long long)li2.usage[VD_LIMIT_MEMORY],
	       (unsigned long long)li2.limit[VD_LIMIT_MEMORY]);
	if (r != -VD_ERR_OUT_OF_MEMORY || nmaps == 64 ||
	    nmaps * CHUNK > li2.limit[VD_LIMIT_MEMORY])
		bad |= 2;
	for (unsigned i = 0; i < nmaps; i++)
		vd_munmap(vd_self_cap(), maps[i], CHUNK);
	my_limits(vd_self_cap(), &li2);
	if (li2.usage[VD_LIMIT_MEMORY] != li.usage[VD_LIMIT_MEMORY])
		bad |= 4;
	return bad;
}

static long create(const char *role, const vd_cap_token_t *caps, unsigned ncaps,
		   vd_cap_token_t *pcap)
{
	const char *argv[] = {"limits", role, NULL};
	struct vd_process_create_args a = {
		.path = (uintptr_t) "limits",
		.argv = (uintptr_t)argv,
		.caps = (uintptr_t)caps,
		.ncaps = ncaps,
	};

	return vd_process_create(&a, pcap);
}

static int drive(void)
{
	struct vd_limits_info li, base, hog, after;
	struct vd_process_exit_info info;
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep = 0, extra = 0, idle = 0, hcap = 0, gcap = 0,
		       weak = 0;

	t.prog = "limits";
	vd_check(&t,
		 my_limits(vd_self_cap(), &base) == 0 &&
			 base.limit[VD_LIMIT_ENDPOINTS] <
				 VD_IPC_MAX_ENDPOINTS &&
			 base.limit[VD_LIMIT_CHANNELS] < VD_IPC_MAX_CHANNELS &&
			 base.limit[VD_LIMIT_REGIONS] < VD_IPC_MAX_REGIONS &&
			 base.usage[VD_LIMIT_PROCESSES] == 1 &&
			 base.usage[VD_LIMIT_THREADS] == 1 &&
			 base.usage[VD_LIMIT_ENDPOINTS] == 0,
		 "driver: limits below the tables (%llu endpoints), usage "
		 "of one process",
		 (unsigned long long)base.limit[VD_LIMIT_ENDPOINTS]);
	vd_check(&t,
		 vd_process_limits(vd_self_cap(), NULL, NULL) ==
				 -VD_ERR_INVALID_PARAMETER &&
			 vd_process_limits(vd_console_cap(), NULL, &li) ==
				 -VD_ERR_INVALID_CAPABILITY &&
			 vd_process_limits(vd_self_cap(), NULL, (void *)0x10) ==
				 -VD_ERR_MEM_BAD_ADDRESS &&
			 vd_process_limits(vd_self_cap(), (void *)0x10, NULL) ==
				 -VD_ERR_MEM_BAD_ADDRESS &&
			 vd_process_limits(0x1234567, NULL, &li) ==
				 -VD_ERR_INVALID_CAPABILITY &&
			 my_limits(vd_self_cap(), &li) == 0 &&
			 li.limit[VD_LIMIT_ENDPOINTS] ==
				 base.limit[VD_LIMIT_ENDPOINTS],
		 "driver: bad arguments are refused");
	vd_check(&t, !vd_is_err(vd_ipc_endpoint_create(&ep)),
		 "driver: endpoint");

	/* the sibling: never started, killed at the end */
	vd_cap_token_t console = vd_console_cap();
	vd_check(&t, create("idle", &console, 1, &idle) > 0, "driver: idle");
	/* a read-only capability to a child cannot lower its limits */
	vd_check(&t,
		 vd_capability_derive(idle, VD_RIGHT_READ, &weak) == 0 &&
			 my_limits(weak, &li) == 0 &&
			 lower(weak, VD_LIMIT_THREADS, 1) ==
				 -VD_ERR_PERMISSION_DENIED,
		 "driver: READ reads, lowering needs WRITE");

	vd_cap_token_t caps[3] = {console, ep, idle};
	vd_check(&t,
		 create("hog", caps, 3, &hcap) > 0 &&
			 lower(hcap, VD_LIMIT_ENDPOINTS, HOG_EPS) == 0 &&
			 lower(hcap, VD_LIMIT_THREADS, 2) == 0,
		 "driver: lower the hog's limits before it runs");
	vd_check(&t,
		 lower(hcap, VD_LIMIT_ENDPOINTS, HOG_EPS + 1) ==
			 -VD_ERR_PERMISSION_DENIED,
		 "driver: and cannot raise them again");
	vd_process_start(hcap);
	long got = vd_ipc_receive(ep, &r, NULL, 30 * SECOND);
	vd_check(&t,
		 got == 0 && r.mr[0] == REPORT && r.mr[1] == HOG_EPS &&
			 r.mr[2] == VD_ERR_RESOURCE_EXHAUSTED && r.mr[3] == 0,
		 "driver: the hog was refused endpoint %d (made %llu, %s, %llu "
		 "failed checks)",
		 HOG_EPS + 1, (unsigned long long)r.mr[1],
		 vd_strerror((vd_err_t)r.mr[2]), (unsigned long long)r.mr[3]);
	vd_check(&t,
		 !vd_is_err(vd_ipc_endpoint_create(&extra)) &&
			 vd_ipc_endpoint_destroy(extra) == 0,
		 "driver: can still make endpoints while the hog holds its");
	vd_check(&t,
		 my_limits(hcap, &hog) == 0 &&
			 hog.usage[VD_LIMIT_ENDPOINTS] == HOG_EPS &&
			 hog.usage[VD_LIMIT_PROCESSES] == 1 &&
			 my_limits(vd_self_cap(), &li) == 0 &&
			 li.usage[VD_LIMIT_ENDPOINTS] == HOG_EPS + 1 &&
			 li.usage[VD_LIMIT_PROCESSES] == 3,
		 "driver: the hog's usage counts in the driver's");
	vd_process_terminate(hcap, 0);
	vd_check(&t, vd_process_wait(hcap, &info, 30 * SECOND) == 0,
		 "driver: the hog is gone");
	vd_process_terminate(idle, 0);
	vd_process_wait(idle, &info, 30 * SECOND);

	/* the greedy child gets the whole budget: the driver holds nothing */
	vd_ipc_endpoint_destroy(ep);
	vd_check(&t,
		 create("greedy",
			(const vd_cap_token_t[]){console, vd_debug_cap()},
			vd_debug_cap() ? 2 : 1, &gcap) > 0 &&
			 vd_process_start(gcap) == 0 &&
			 vd_process_wait(gcap, &info, 60 * SECOND) == 0 &&
			 info.exit_code == 0,
		 "driver: a child trying to take the endpoint table and all "
		 "memory stops at its own limits (exit %d)",
		 info.exit_code);

	settle(vd_self_cap(), VD_LIMIT_PROCESSES, 1);
	settle(vd_self_cap(), VD_LIMIT_THREADS, 1);
	vd_check(&t,
		 my_limits(vd_self_cap(), &after) == 0 &&
			 after.usage[VD_LIMIT_ENDPOINTS] == 0 &&
			 after.usage[VD_LIMIT_CHANNELS] == 0 &&
			 after.usage[VD_LIMIT_REGIONS] == 0 &&
			 after.usage[VD_LIMIT_PROCESSES] == 1 &&
			 after.usage[VD_LIMIT_THREADS] == 1 &&
			 after.usage[VD_LIMIT_CAP_SLOTS] ==
				 base.usage[VD_LIMIT_CAP_SLOTS] &&
			 after.usage[VD_LIMIT_MEMORY] ==
				 base.usage[VD_LIMIT_MEMORY],
		 "driver: usage back to its own once the objects died");
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	const char *role = argc > 1 ? argv[1] : "";

	if (!vd_strcmp(role, "hog"))
		return role_hog();
	if (!vd_strcmp(role, "grand"))
		return role_grand();
	if (!vd_strcmp(role, "greedy"))
		return role_greedy();
	if (!vd_strcmp(role, "idle"))
		return 0;
	return drive();
}
