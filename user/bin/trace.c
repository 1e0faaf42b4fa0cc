/*
 * trace: the kernel's trace buffers and metrics from user space, run by
 * tests/ktest/trace_user.c.
 *
 *   trace          (tracing on) every bad input of SYS_TRACE_READ gets
 *                  its error; then a marked null syscall and an IPC
 *                  round trip with a second thread; then the records of
 *                  every CPU, merged by time, must show the round trip's
 *                  events in order: null entry and exit, call entry, send,
 *                  a switch to the server, receive and reply in the
 *                  server, call exit.  Exit code: failed checks.
 *   trace metrics  (tracing off) work for the metrics ktest: null
 *                  syscalls and calls the IPC fast path cannot take (the
 *                  server receives with a header buffer).
 */
#include <ipc_util.h>

#define MAGIC 0x7472616365ull /* "trace" */
#define NCPU  8		      /* VD_MAX_CPUS (hal.h, not for user space) */
#define RING  (VD_TRACE_RING_RECORDS - 1) /* readable per CPU */
#define STACK 16384
#define NULLS 256
#define CALLS 64

static struct vd_utest t;
static vd_cap_token_t server_ep;
static unsigned server_calls;
static struct vd_trace_record recs[NCPU][RING], merged[NCPU * RING];
static size_t nrec[NCPU];

/* Answers server_calls calls, receiving with a header buffer, which
 * keeps them off the fast path. */
static void server(uintptr_t arg)
{
	struct vd_ipc_header hdr;
	struct vd_ipc_regs r = {0};

	(void)arg;
	for (unsigned i = 0; i < server_calls; i++) {
		if (vd_ipc_receive(server_ep, &r, &hdr, 10 * SECOND) != 0)
			break;
		r.mr[0]++;
		if (vd_ipc_reply(hdr.reply_token, &r, 8) != 0)
			break;
	}
	vd_thread_exit(0);
}

/* An endpoint for the server thread, a channel to it, the thread. */
static long start_server(unsigned calls, vd_cap_token_t *ch)
{
	vd_cap_token_t own, th;
	long stack =
		vd_mmap(vd_self_cap(), 0, STACK, VD_PROT_READ | VD_PROT_WRITE);
	long e;

	server_calls = calls;
	if (vd_is_err(stack))
		return stack;
	if ((e = vd_ipc_endpoint_create(&own)) < 0 ||
	    (e = vd_ipc_endpoint_create(&server_ep)) < 0 ||
	    (e = vd_ipc_channel_create(own, server_ep, ch)) < 0)
		return e;
	return vd_thread_create(vd_self_cap(), server, (void *)stack, STACK, 0,
				&th);
}

static long call(vd_cap_token_t ch, uint64_t v)
{
	struct vd_ipc_regs r = {0};
	long e;

	r.mr[0] = v;
	e = vd_ipc_call(ch, &r, 8, 0, 10 * SECOND);
	if (e == 0 && r.mr[0] != v + 1)
		e = -1000;
	return e;
}

static int do_metrics(void)
{
	vd_cap_token_t ch;
	unsigned bad = 0;

	for (unsigned i = 0; i < NULLS; i++)
		bad += vd_null() != 0;
	if (start_server(CALLS, &ch) < 0)
		return 100;
	for (unsigned i = 0; i < CALLS; i++)
		bad += call(ch, i) != 0;
	return (int)bad;
}

static void bad_inputs(vd_cap_token_t tr)
{
	uint64_t cur = 0;
	vd_cap_token_t weak;

	vd_check(&t,
		 vd_trace_read(0, 0, recs, 1, &cur) ==
			 -VD_ERR_INVALID_CAPABILITY,
		 "no capability: InvalidCapability");
	vd_check(&t,
		 vd_trace_read(vd_console_cap(), 0, recs, 1, &cur) ==
			 -VD_ERR_PERMISSION_DENIED,
		 "the console's capability: PermissionDenied");
	vd_check(&t,
		 vd_capability_derive(tr, VD_RIGHT_GRANT, &weak) == 0 &&
			 vd_trace_read(weak, 0, recs, 1, &cur) ==
				 -VD_ERR_PERMISSION_DENIED,
		 "without READ: PermissionDenied");
	vd_check(&t,
		 vd_trace_read(tr, 4096, recs, 1, &cur) ==
			 -VD_ERR_INVALID_PARAMETER,
		 "cpu out of range: InvalidParameter");
	vd_check(&t,
		 vd_trace_read(tr, 0, recs, VD_TRACE_READ_MAX + 1, &cur) ==
			 -VD_ERR_INVALID_PARAMETER,
		 "max above VD_TRACE_READ_MAX: InvalidParameter");
	vd_check(&t,
		 vd_trace_read(tr, 0, recs, (size_t)1 << 60, &cur) ==
			 -VD_ERR_INVALID_PARAMETER,
		 "huge max: InvalidParameter");
	vd_check(&t,
		 vd_is_err(vd_trace_read(tr, 0, (void *)~(uintptr_t)0xfff, 4,
					 &cur)),
		 "kernel buffer: refused");
	vd_check(&t, vd_is_err(vd_trace_read(tr, 0, recs, 4, NULL)),
		 "no cursor: refused");
	vd_check(&t,
		 vd_is_err(vd_trace_read(tr, 0, recs, 4,
					 (uint64_t *)~(uintptr_t)0xfff)),
		 "kernel cursor: refused");
	vd_check(&t, vd_trace_read(tr, 0, recs, 0, &cur) == 0,
		 "max 0: nothing");
}

/* Every CPU's ring, from the start, then merged by time. */
static size_t read_all(vd_cap_token_t tr)
{
	size_t total = 0, at[NCPU] = {0};

	for (unsigned c = 0; c < NCPU; c++) {
		uint64_t cur = 0;
		long n = vd_trace_read(tr, c, recs[c], RING, &cur);

		vd_check(&t, n >= 0, "read cpu %u: %ld", c, n);
		nrec[c] = n > 0 ? (size_t)n : 0;
		total += nrec[c];
	}
	for (size_t i = 0; i < total; i++) {
		unsigned best = NCPU;
		for (unsigned c = 0; c < NCPU; c++)
			if (at[c] < nrec[c] &&
			    (best == NCPU ||
			     recs[c][at[c]].ts_ns < recs[best][at[best]].ts_ns))
				best = c;
		merged[i] = recs[best][at[best]++];
	}
	return total;
}

/* The next record from *i on matching (event, tid, a); tid/a 0: any. */
static bool find(size_t n, size_t *i, unsigned ev, uint32_t tid, uint64_t a)
{
	for (; *i < n; (*i)++) {
		const struct vd_trace_record *r = &merged[*i];
		if (r->event == ev && (!tid || r->tid == tid) &&
		    (!a || r->a == a)) {
			return true;
		}
	}
	return false;
}

static int do_trace(void)
{
	vd_cap_token_t tr = vd_trace_cap(), ch;
	uint64_t pid = vd_start->pid;
	size_t n, i = 0;
	uint32_t me, srv;

	vd_check(&t, tr != 0, "holds the trace capability");
	bad_inputs(tr);
	if (!vd_check(&t, start_server(1, &ch) >= 0, "server thread"))
		return vd_utest_done(&t);
	/* let the server block in its receive, so that the call wakes it
	 * (a switch to it comes between send and receive) */
	vd_thread_sleep(SECOND / 50);
	vd_memset(recs, 0, sizeof(recs)); /* fault the buffer in first */
	vd_memset(merged, 0, sizeof(merged));
	vd_check(&t, vd_syscall6(VD_SYS_NULL, MAGIC, 0, 0, 0, 0, 0) == 0,
		 "marked null syscall");
	vd_check(&t, call(ch, 41) == 0, "round trip");
	n = read_all(tr);
	printf("trace: %zu records\n", n);

	/* the marked syscall: whose thread we are */
	bool ok = false;
	while (find(n, &i, VD_TRACE_SYSCALL_ENTRY, 0, VD_SYS_NULL))
		if (merged[i].b == MAGIC) {
			ok = true;
			break;
		} else
			i++;
	if (!vd_check(&t, ok, "syscall-entry of the marked null syscall"))
		return vd_utest_done(&t);
	me = merged[i].tid;
	vd_check(&t,
		 find(n, &i, VD_TRACE_SYSCALL_EXIT, me, VD_SYS_NULL) &&
			 merged[i].b == 0,
		 "then its syscall-exit, result 0");
	vd_check(&t, find(n, &i, VD_TRACE_SYSCALL_ENTRY, me, VD_SYS_IPC_CALL),
		 "then syscall-entry of the call");
	vd_check(&t, find(n, &i, VD_TRACE_IPC_SEND, me, 0) && merged[i].b == 1,
		 "then ipc-send (a call)");
	size_t send_at = i;
	ok = find(n, &i, VD_TRACE_IPC_RECEIVE, 0, 0) && merged[i].b == pid &&
	     merged[i].tid != me;
	vd_check(&t, ok, "then ipc-receive in the server, from us");
	srv = ok ? merged[i].tid : 0;
	size_t j = send_at;
	vd_check(&t, srv && find(n, &j, VD_TRACE_CONTEXT_SWITCH, 0, 0) && j < i,
		 "a context switch between send and receive");
	while (srv && j < i && merged[j].b != srv) {
		j++;
		find(n, &j, VD_TRACE_CONTEXT_SWITCH, 0, 0);
	}
	vd_check(&t, srv && j < i, "... to the server thread");
	vd_check(&t,
		 srv && find(n, &i, VD_TRACE_IPC_REPLY, srv, 0) &&
			 merged[i].b == pid,
		 "then ipc-reply in the server, to us");
	vd_check(&t,
		 find(n, &i, VD_TRACE_SYSCALL_EXIT, me, VD_SYS_IPC_CALL) &&
			 merged[i].b == 0,
		 "then syscall-exit of the call, result 0");
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	t.prog = "trace";
	if (argc > 1 && !vd_strcmp(argv[1], "metrics"))
		return do_metrics();
	return do_trace();
}
