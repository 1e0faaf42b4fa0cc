/*
 * ipc-bench: IPC cost between two processes, in instructions under
 * -icount (tests/ktest/ipc_bench.c runs it and reports the numbers).
 *
 *   ipc-bench call0    N call+reply round trips with empty messages
 *   ipc-bench call64   the same with 64-byte request and reply
 *   ipc-bench call0fp  call0 with client and server both using FP
 *                      registers between their calls (docs/fpu.md: each
 *                      side's first FP instruction after the switch traps
 *                      and loads its state, the switch away saves it)
 *   ipc-bench region   N transfers of a 4 KiB shared region: Share it,
 *                      call the server, which maps it, reads it, unmaps
 *                      and releases it, and replies
 *
 * The client measures with the kernel's counter (SYS_IPC_DEBUG) around
 * the loop and exits with the total; the kernel divides by N.  A negative
 * exit code is an error.
 *
 * The server (a child, "server echo" or "server region") is a bare
 * reply-and-receive loop, like seL4bench's: it never tells requests
 * apart, so the client ends it with vd_process_terminate.
 */
#include <arch/machine.h>
#include <ipc_util.h>

#define WARMUP	    16
#define SERVER_DONE 77 /* the exit code the client terminates it with */

/* Echo every request back as the reply. */
static void serve_echo(vd_cap_token_t ep)
{
	struct vd_ipc_regs r = {0};
	long st = vd_ipc_receive(ep, &r, NULL, VD_TIMEOUT_INFINITE);

	while (!vd_is_err(st))
		st = vd_ipc_reply_recv(r.a0, &r, vd_ipc_len(&r), ep,
				       VD_TIMEOUT_INFINITE);
}

/* FP work between IPC calls: one double add on a value that lives in an
 * FP register across the inline syscalls (they clobber none), so every
 * round trip runs an FP instruction after each switch. */
static inline double fp_touch(double x)
{
	x += 1.0;
	__asm__ volatile(
		""
		: VD_ARCH_FP_REG_CONSTRAINT(x)); /* keep it in an FP register */
	return x;
}

/* serve_echo with an FP instruction per request. */
static void serve_echo_fp(vd_cap_token_t ep)
{
	struct vd_ipc_regs r = {0};
	long st = vd_ipc_receive(ep, &r, NULL, VD_TIMEOUT_INFINITE);
	double x = 0;

	while (!vd_is_err(st)) {
		x = fp_touch(x);
		st = vd_ipc_reply_recv(r.a0, &r, vd_ipc_len(&r), ep,
				       VD_TIMEOUT_INFINITE);
	}
	r.mr[0] = (uint64_t)x; /* x is used */
}

/* Each request names a shared region (MR0): map it, reply with its
 * first word, unmap and release it. */
static void serve_region(vd_cap_token_t ep)
{
	struct vd_ipc_regs r = {0};
	long st = vd_ipc_receive(ep, &r, NULL, VD_TIMEOUT_INFINITE);

	while (!vd_is_err(st)) {
		uint64_t id = r.mr[0];
		long va = vd_ipc_region_map(id, 0);
		if (vd_is_err(va))
			return;
		r.mr[0] = *(volatile uint64_t *)(uintptr_t)va;
		vd_ipc_region_unmap(id, (uintptr_t)va);
		vd_ipc_region_release(id);
		st = vd_ipc_reply_recv(r.a0, &r, 8, ep, VD_TIMEOUT_INFINITE);
	}
}

/* Returns only on an error: the client terminates a working server. */
static int role_server(const char *kind)
{
	vd_cap_token_t ep, to_parent;

	if (vd_is_err(ipc_child_hello(&ep, &to_parent)))
		return 1;
	if (!vd_strcmp(kind, "region"))
		serve_region(ep);
	else if (!vd_strcmp(kind, "echofp"))
		serve_echo_fp(ep);
	else
		serve_echo(ep);
	return 2;
}

static long run_calls(vd_cap_token_t ch, unsigned len, unsigned n)
{
	struct vd_ipc_regs r = {0};

	for (unsigned i = 0; i < WARMUP; i++)
		if (vd_ipc_call(ch, &r, len, 0, VD_TIMEOUT_INFINITE))
			return -1;
	uint64_t t0 = vd_ipc_cycles();
	for (unsigned i = 0; i < n; i++)
		if (vd_ipc_call(ch, &r, len, 0, VD_TIMEOUT_INFINITE))
			return -1;
	return (long)(vd_ipc_cycles() - t0);
}

/* run_calls(ch, 0, n) with an FP instruction per call; an error if x
 * did not count every call (its register lost or foreign). */
static long run_calls_fp(vd_cap_token_t ch, unsigned n)
{
	struct vd_ipc_regs r = {0};
	double x = 0;

	for (unsigned i = 0; i < WARMUP; i++) {
		x = fp_touch(x);
		if (vd_ipc_call(ch, &r, 0, 0, VD_TIMEOUT_INFINITE))
			return -1;
	}
	uint64_t t0 = vd_ipc_cycles();
	for (unsigned i = 0; i < n; i++) {
		x = fp_touch(x);
		if (vd_ipc_call(ch, &r, 0, 0, VD_TIMEOUT_INFINITE))
			return -1;
	}
	uint64_t t1 = vd_ipc_cycles();
	return x == (double)(WARMUP + n) ? (long)(t1 - t0) : -1;
}

static long run_region(vd_cap_token_t ch, unsigned n)
{
	struct vd_ipc_regs r = {0};
	long id = vd_ipc_region_create(4096, VD_RIGHT_READ | VD_RIGHT_WRITE);
	long va = vd_is_err(id) ? id : vd_ipc_region_map((uint64_t)id, 0);
	uint64_t t0 = 0;

	if (vd_is_err(va))
		return -1;
	*(uint64_t *)(uintptr_t)va = 0x1234;
	for (unsigned i = 0; i < WARMUP + n; i++) {
		if (i == WARMUP)
			t0 = vd_ipc_cycles();
		if (vd_ipc_region_transfer((uint64_t)id, ch,
					   VD_IPC_TRANSFER_SHARE))
			return -1;
		r.mr[0] = (uint64_t)id;
		if (vd_ipc_call(ch, &r, 8, 0, VD_TIMEOUT_INFINITE) ||
		    r.mr[0] != 0x1234)
			return -1;
	}
	long total = (long)(vd_ipc_cycles() - t0);
	vd_ipc_region_release((uint64_t)id);
	return total;
}

int main(int argc, char **argv, char **envp)
{
	const char *mode = argc > 1 ? argv[1] : "call0";
	const char *const server_argv[] = {"ipc-bench", "server",
					   !vd_strcmp(mode, "region") ? "region"
					   : !vd_strcmp(mode, "call0fp")
						   ? "echofp"
						   : "echo",
					   NULL};
	vd_cap_token_t ep, server_ep, pcap, ch;
	unsigned n = 1000;
	long total;

	(void)envp;
	if (!vd_strcmp(mode, "server"))
		return role_server(argc > 2 ? argv[2] : "echo");
	if (vd_is_err(vd_ipc_endpoint_create(&ep)) ||
	    ipc_spawn("ipc-bench", server_argv, ep, &pcap) <= 0 ||
	    ipc_await_hello(ep, &server_ep, NULL) ||
	    vd_is_err(vd_ipc_channel_create(ep, server_ep, &ch)))
		return -2;
	if (!vd_strcmp(mode, "call0"))
		total = run_calls(ch, 0, n);
	else if (!vd_strcmp(mode, "call0fp"))
		total = run_calls_fp(ch, n);
	else if (!vd_strcmp(mode, "call64"))
		total = run_calls(ch, 64, n);
	else if (!vd_strcmp(mode, "region"))
		total = run_region(ch, n / 5);
	else
		total = -3;
	if (vd_process_terminate(pcap, SERVER_DONE) != 0 ||
	    ipc_wait(pcap, NULL) != SERVER_DONE)
		return -4;
	vd_ipc_endpoint_destroy(ep);
	if (total < 0)
		return -5;
	return total > 0x7fffffff ? 0x7fffffff : (int)total;
}
