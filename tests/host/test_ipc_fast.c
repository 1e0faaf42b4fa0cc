/*
 * cmocka suite for the IPC fast path (core/ipc/ipc_fastpath.c, with
 * core/cap/cap_fast.h and core/sched/sched_fast.h), run for real: two
 * fake user threads, client A and server B, make syscalls through the
 * entries the HAL calls (vd_ipc_fast_call, vd_ipc_fast_reply_recv,
 * vd_syscall) with their registers in fake user contexts.
 *
 * The fast path never returns: it ends in hal_syscall_return (to the
 * peer's user mode) or, when the peer still has kernel frames, in
 * hal_context_switch.  The host fake longjmps back from both
 * (host_user_return_jmp, host/fake.h); the test then plays what runs
 * next.  The same messages also go through the general path (the first
 * receive, a plain reply), and the registers each path leaves must be the
 * same.  Blocking on the general path runs `ipc_world`, as in the other
 * IPC suites (test_ipc_fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include <veridian/proc.h>
#include <veridian/syscall.h>
#include <veridian/syscall_nr.h>
#include <veridian/thread.h>

#include "../../core/ipc/ipc_regs.h"
#include "../../core/sched/sched_internal.h"
#include "test_ipc_fixture.h"

/* A user thread of a fake process: its kernel stack holds the thread
 * pointer (vd_thread_of_stack) and, at the top, its user context. */
struct uthread {
	struct fake_proc fp;
	struct vd_process *p;
	struct vd_thread *t;
	struct vd_cpu_context *ctx;
};

static struct uthread A, B;
static vd_endpoint_id_t ea, eb;
static vd_channel_id_t ch;
static struct vd_capability cap_ea, cap_eb, cap_ch;
static struct cpu_sched *cpu0 = &vd_cpu_sched[0];

static void uthread_init(struct uthread *u, vd_pid_t pid, vd_tid_t tid)
{
	void *stack = aligned_alloc(VD_KSTACK_SIZE, VD_KSTACK_SIZE);

	assert_non_null(stack);
	memset(stack, 0, VD_KSTACK_SIZE);
	fake_proc_init(&u->fp, pid);
	u->p = calloc(1, sizeof(*u->p));
	u->t = calloc(1, sizeof(*u->t));
	assert_non_null(u->p);
	assert_non_null(u->t);
	u->p->pid = pid;
	u->p->caps = u->fp.a.caps;
	u->p->pt.root_frame = u->fp.pt.root_frame;
	u->t->tid = tid;
	u->t->proc = u->p;
	u->t->state = VD_THREAD_BLOCKED;
	u->t->affinity = ~(vd_cpuset_t)0;
	assert_int_equal(vd_se_init(&u->t->se, VD_PRIO_NORMAL), VD_OK);
	vd_list_init(&u->t->wait_link);
	vd_list_init(&u->t->table_link);
	vd_list_init(&u->t->proc_link);
	u->t->kstack = stack;
	((uint64_t *)stack)[0] = STACK_CANARY;
	((struct vd_thread **)stack)[1] = u->t;
	u->ctx = (struct vd_cpu_context *)((char *)stack + VD_KSTACK_SIZE -
					   sizeof(struct vd_cpu_context));
	u->t->uctx = u->ctx;
	vd_ipc_thread_init(u->t);
}

static void uthread_free(struct uthread *u)
{
	fake_proc_exit(&u->fp);
	free(u->t->kstack);
	free(u->t);
	free(u->p);
}

/* u runs on CPU 0 (what a switch to it would leave). */
static void make_current(struct uthread *u)
{
	u->t->state = VD_THREAD_RUNNING;
	u->t->on_cpu = true;
	u->t->cpu = 0;
	cpu0->current = u->t;
}

static int fast_setup(void **state)
{
	ipc_test_setup(state);
	vd_ipc_init(); /* the IPC syscalls (BUSY after the first time) */
	memset(cpu0, 0, sizeof(*cpu0));
	vd_rq_init(&cpu0->rq, VD_SCHED_SLICE_TICKS);
	cpu0->online = true;
	vd_spin_init(&vd_sched_lock_word);
	uthread_init(&A, 10, 100);
	uthread_init(&B, 20, 200);
	assert_int_equal(vd_ipc_create_endpoint(&A.fp.a, &ea, &cap_ea), VD_OK);
	assert_int_equal(vd_ipc_create_endpoint(&B.fp.a, &eb, &cap_eb), VD_OK);
	assert_int_equal(ipc_create_own_channel(&A.fp.a, ea, eb, &ch, &cap_ch),
			 VD_OK);
	make_current(&A);
	return 0;
}

static int fast_teardown(void **state)
{
	cpu0->current = NULL;
	uthread_free(&A);
	uthread_free(&B);
	return ipc_test_teardown(state);
}

/* ------------------------------------------------------------------ */
/* Syscalls                                                            */
/* ------------------------------------------------------------------ */

enum entry { ENTRY_CALL, ENTRY_REPLY, ENTRY_GENERAL };

/*
 * Enter the kernel from u's user context as the HAL does (interrupts
 * masked, then the fast path's entry for CALL and REPLY, else the
 * dispatcher).  Returns 0 if the syscall returned to its caller (the
 * general path, u runs on), HOST_USER_RETURN if the kernel went to some
 * thread's user mode instead (host_user_return_ctx), HOST_SWITCHED if it
 * switched kernel stacks.
 */
static int enter(struct uthread *u, enum entry e)
{
	jmp_buf jb; /* enter() nests: a general path's sleep runs the world */
	jmp_buf *outer = host_user_return_jmp;
	volatile int how;

	host_user_return_ctx = NULL;
	host_user_return_jmp = &jb;
	how = setjmp(jb);
	if (how == 0) {
		(void)hal_irq_save();
		if (e == ENTRY_CALL)
			vd_ipc_fast_call(u->ctx);
		else if (e == ENTRY_REPLY)
			vd_ipc_fast_reply_recv(u->ctx);
		else
			vd_syscall(u->ctx);
	}
	host_user_return_jmp = outer;
	return how;
}

/* The registers of SYS_IPC_CALL with one word: channel cap, info,
 * timeout, MR0. */
static void set_call(struct uthread *u, vd_cap_token_t chcap, uint64_t word)
{
	memset(u->ctx, 0, sizeof(*u->ctx));
	VD_CTX_SYSNR(u->ctx) = VD_SYS_IPC_CALL;
	IPC_R_TOKEN(u->ctx) = chcap;
	IPC_R_INFO(u->ctx) = 8;
	IPC_R_CAP(u->ctx) = 0;
	IPC_R_TIMEOUT(u->ctx) = VD_TIMEOUT_INFINITE;
	ipc_regs_put(u->ctx, &word, 1);
}

/* SYS_IPC_REPLY with one word; with an endpoint cap (not 0): reply and
 * receive there. */
static void set_reply(struct uthread *u, vd_reply_token_t token, uint64_t word,
		      vd_cap_token_t epcap)
{
	memset(u->ctx, 0, sizeof(*u->ctx));
	VD_CTX_SYSNR(u->ctx) = VD_SYS_IPC_REPLY;
	IPC_R_TOKEN(u->ctx) = token;
	IPC_R_INFO(u->ctx) = 8;
	IPC_R_CAP(u->ctx) = epcap;
	IPC_R_TIMEOUT(u->ctx) = VD_TIMEOUT_INFINITE;
	ipc_regs_put(u->ctx, &word, 1);
}

/* SYS_IPC_RECEIVE into the registers (no header buffer). */
static void set_receive(struct uthread *u, vd_cap_token_t epcap)
{
	memset(u->ctx, 0, sizeof(*u->ctx));
	VD_CTX_SYSNR(u->ctx) = VD_SYS_IPC_RECEIVE;
	*vd_ctx_arg_slot(u->ctx, 0) = epcap;
	*vd_ctx_arg_slot(u->ctx, 1) = 0;
	*vd_ctx_arg_slot(u->ctx, 3) = VD_TIMEOUT_INFINITE;
}

static uint64_t mr0(struct uthread *u)
{
	uint64_t w;

	ipc_regs_get(&w, u->ctx, 1);
	return w;
}

/* What a receiver finds in its registers, by path. */
struct delivery {
	uint64_t ret, info, sender, rtoken, word;
};

static struct delivery received(struct uthread *u)
{
	struct delivery d = {
		.ret = VD_CTX_RET(u->ctx),
		.info = IPC_R_INFO(u->ctx),
		.sender = IPC_R_SENDER(u->ctx),
		.rtoken = IPC_R_RTOKEN(u->ctx),
		.word = mr0(u),
	};
	return d;
}

static uint64_t seq_of(uint64_t info)
{
	return info >> VD_IPC_INFO_SEQ_SHIFT;
}

static uint64_t info_without_seq(uint64_t info)
{
	return info & ((1ull << VD_IPC_INFO_SEQ_SHIFT) - 1);
}

/* ------------------------------------------------------------------ */
/* The first round trip: general path into the fast path               */
/* ------------------------------------------------------------------ */

static struct delivery general_recv; /* B's first receive (general) */
static int bootstrap_how;

/* A sleeps in its (general) call, its request queued on eb.  B receives
 * it through the general path, then replies-and-receives through the
 * fast path, which finds A waiting with kernel frames: a real switch. */
static vd_err_t world_bootstrap(struct ipc_waiter *w, uint64_t deadline)
{
	(void)deadline;
	assert_ptr_equal(w->thread, A.t);
	A.t->state = VD_THREAD_BLOCKED;
	A.t->on_cpu = false;
	make_current(&B);

	set_receive(&B, cap_eb.token);
	assert_int_equal(enter(&B, ENTRY_GENERAL), 0);
	general_recv = received(&B);
	assert_int_equal(general_recv.ret, 0);

	set_reply(&B, general_recv.rtoken, general_recv.word * 2, cap_eb.token);
	bootstrap_how = enter(&B, ENTRY_REPLY);
	if (bootstrap_how != HOST_SWITCHED)
		return VD_ERR_TIMEOUT; /* checked by the test */
	/* A resumes in its wait, where the switch returns: it finishes the
	 * switch and (here, the sleep hook's protocol) drops the lock. */
	assert_ptr_equal(cpu0->current, A.t);
	sched_finish_switch();
	assert_false(B.t->on_cpu);
	vd_spin_unlock(&vd_sched_lock_word);
	return VD_OK;
}

static void bootstrap(void)
{
	set_call(&A, cap_ch.token, 21);
	ipc_world = world_bootstrap;
	assert_int_equal(enter(&A, ENTRY_CALL), 0);
	assert_int_equal(bootstrap_how, HOST_SWITCHED);
	/* A's call is over: the fast reply went into its registers */
	assert_int_equal(VD_CTX_RET(A.ctx), 0);
	assert_int_equal(IPC_R_INFO(A.ctx),
			 8 | (uint64_t)VD_IPC_TYPE_REPLY
					 << VD_IPC_INFO_TYPE_SHIFT);
	assert_int_equal(mr0(&A), 42);
	/* what the general receive delivered */
	assert_int_equal(general_recv.info & 0xff, 8);
	assert_int_equal(general_recv.info >> VD_IPC_INFO_TYPE_SHIFT & 0xff,
			 VD_IPC_TYPE_CALL);
	assert_int_equal(general_recv.sender, 10);
	assert_int_equal(general_recv.word, 21);
	assert_int_not_equal(general_recv.rtoken, 0);
	/* B waits in its fast receive, without kernel frames */
	assert_int_equal(B.t->state, VD_THREAD_BLOCKED);
	assert_non_null(B.t->resume);
	assert_ptr_equal(cpu0->current, A.t);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/*
 * The steady state of the bench: B waits in reply-and-receive, A calls;
 * each message goes straight into the peer's registers and the CPU to
 * the peer's user mode.  The registers are those the general path leaves
 * (the bootstrap's general receive; the sequence number counts on).
 */
static void test_fast_round_trips(void **state)
{
	uint64_t before, direct_before, after, direct_after;
	(void)state;

	bootstrap();
	before = vd_sched_fast_handoffs(&direct_before);
	for (uint64_t i = 1; i <= 20; i++) {
		set_call(&A, cap_ch.token, 1000 + i);
		assert_int_equal(enter(&A, ENTRY_CALL), HOST_USER_RETURN);
		assert_ptr_equal(host_user_return_ctx, B.ctx);
		assert_ptr_equal(cpu0->current, B.t);
		assert_int_equal(A.t->state, VD_THREAD_BLOCKED);
		assert_false(A.t->on_cpu);
		struct delivery d = received(&B);
		assert_int_equal(d.ret, general_recv.ret);
		assert_int_equal(info_without_seq(d.info),
				 info_without_seq(general_recv.info));
		assert_int_equal(seq_of(d.info), seq_of(general_recv.info) + i);
		assert_int_equal(d.sender, general_recv.sender);
		assert_int_equal(d.word, 1000 + i);
		assert_int_not_equal(d.rtoken, 0);
		assert_int_not_equal(d.rtoken, general_recv.rtoken);

		set_reply(&B, d.rtoken, 2 * (1000 + i), cap_eb.token);
		assert_int_equal(enter(&B, ENTRY_REPLY), HOST_USER_RETURN);
		assert_ptr_equal(host_user_return_ctx, A.ctx);
		assert_ptr_equal(cpu0->current, A.t);
		assert_false(B.t->on_cpu);
		assert_int_equal(VD_CTX_RET(A.ctx), 0);
		assert_int_equal(IPC_R_INFO(A.ctx),
				 8 | (uint64_t)VD_IPC_TYPE_REPLY
						 << VD_IPC_INFO_TYPE_SHIFT);
		assert_int_equal(mr0(&A), 2 * (1000 + i));
		/* the token died with the reply */
		assert_int_equal(ipc_reply_lookup(d.rtoken, 20), -1);
	}
	after = vd_sched_fast_handoffs(&direct_after);
	assert_int_equal(after - before, 40);
	assert_int_equal(direct_after - direct_before, 40);
	assert_int_equal(ipc_sleeps, 1); /* the bootstrap's call only */

	/* A last call, answered by a plain reply: the general path's reply
	 * into a fast waiter.  A's wait ends outside the fast path, so the
	 * scheduler would run its resume function: the registers are the
	 * fast reply's. */
	set_call(&A, cap_ch.token, 7);
	assert_int_equal(enter(&A, ENTRY_CALL), HOST_USER_RETURN);
	struct delivery d = received(&B);
	set_reply(&B, d.rtoken, 14, 0);
	assert_int_equal(enter(&B, ENTRY_REPLY), 0); /* B runs on */
	assert_int_equal(VD_CTX_RET(B.ctx), 0);
	assert_non_null(A.t->resume);
	vd_sched_lock_state_t st = vd_sched_lock();
	(void)st; /* fast_resume drops it */
	void (*resume)(struct vd_thread *) = A.t->resume;
	A.t->resume = NULL;
	A.t->wake_result = VD_OK;
	static jmp_buf jb;
	host_user_return_jmp = &jb;
	if (setjmp(jb) == 0) {
		resume(A.t);
		fail_msg("fast_resume returned");
	}
	host_user_return_jmp = NULL;
	assert_ptr_equal(host_user_return_ctx, A.ctx);
	assert_int_equal(VD_CTX_RET(A.ctx), 0);
	assert_int_equal(IPC_R_INFO(A.ctx),
			 8 | (uint64_t)VD_IPC_TYPE_REPLY
					 << VD_IPC_INFO_TYPE_SHIFT);
	assert_int_equal(mr0(&A), 14);
	make_current(&A);
}

/* What the fast path does not take goes to the general path, which
 * gives the precise error; nothing is changed on the way. */
static void test_fast_falls_back_with_the_general_error(void **state)
{
	(void)state;

	bootstrap();
	/* a forged channel capability */
	set_call(&A, cap_ch.token ^ 0x100, 1);
	assert_int_equal(enter(&A, ENTRY_CALL), 0);
	assert_int_equal(VD_CTX_RET(A.ctx),
			 (uint64_t) - (int64_t)VD_ERR_INVALID_CAPABILITY);
	/* the endpoint capability where the channel's belongs: a fast
	 * check of the type alone would take it; the channel table does
	 * not */
	set_call(&A, cap_ea.token, 1);
	assert_int_equal(enter(&A, ENTRY_CALL), 0);
	assert_int_not_equal(VD_CTX_RET(A.ctx), 0);
	/* a forged reply token, from B's side (its fast receive stays
	 * parked: the reply fails first, and then nothing happened) */
	A.t->state = VD_THREAD_BLOCKED;
	A.t->on_cpu = false;
	make_current(&B);
	set_reply(&B, 0x12345, 1, cap_eb.token);
	assert_int_equal(enter(&B, ENTRY_REPLY), 0);
	assert_int_equal(VD_CTX_RET(B.ctx),
			 (uint64_t) - (int64_t)VD_ERR_IPC_BAD_REPLY_TOKEN);
	make_current(&A);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fast_round_trips,
						fast_setup, fast_teardown),
		cmocka_unit_test_setup_teardown(
			test_fast_falls_back_with_the_general_error, fast_setup,
			fast_teardown),
	};
	return cmocka_run_group_tests(tests, ipc_group_setup, NULL);
}
