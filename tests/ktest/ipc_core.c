/*
 * IPC inside the kernel on every board: the kernel API with real
 * sleeping and waking (kernel threads as client and server), timeouts on
 * the real clock, a blocked sender released by a receiver on another
 * thread, shared regions on the HAL's real page tables (Share, CopyOnWrite
 * through the fault hook, Move), and an in-kernel call+reply benchmark.
 */
#include <veridian/cap.h>
#include <veridian/hal.h>
#include <veridian/ipc.h>
#include <veridian/ktest.h>
#include <veridian/mm.h>
#include <veridian/string.h>
#include <veridian/thread.h>

#define MS	1000000ull
#define OP_QUIT 0xdeadull

/* Kernel-side actors: pids far above any process's. */
struct kactor {
	struct vd_ipc_actor a;
	struct vd_page_table pt;
};

static vd_err_t kactor_init(struct kactor *k, vd_pid_t pid)
{
	vd_memset(k, 0, sizeof(*k));
	k->a.pid = pid;
	if (vd_cap_space_create(32, &k->a.caps) != VD_OK)
		return VD_ERR_OUT_OF_MEMORY;
	if (vd_page_table_create(&k->pt) != VD_OK)
		return VD_ERR_OUT_OF_MEMORY;
	k->a.pt = &k->pt;
	return VD_OK;
}

static void kactor_exit(struct kactor *k)
{
	vd_ipc_process_exit(&k->a);
	vd_cap_space_destroy(k->a.caps);
	vd_page_table_destroy(&k->pt);
}

static struct vd_ipc_message word_msg(uint64_t w)
{
	struct vd_ipc_message m;

	vd_memset(&m, 0, sizeof(m));
	m.kind = VD_IPC_MSG_SMALL;
	m.len = 8;
	m.words[0] = w;
	return m;
}

/* ---- a server thread: answers calls with word + 1 until OP_QUIT ---- */

struct server {
	struct kactor *self;
	vd_endpoint_id_t ep;
	unsigned served;
	vd_err_t last;
};

static void server_main(void *arg)
{
	struct server *s = arg;
	struct vd_ipc_message m;
	struct vd_ipc_header h;

	for (;;) {
		s->last = vd_ipc_receive_message(&s->self->a, s->ep,
						 VD_TIMEOUT_INFINITE, &m, &h);
		if (s->last != VD_OK)
			return;
		bool quit = m.words[0] == OP_QUIT;
		m.words[0]++;
		s->last = vd_ipc_reply(&s->self->a, h.reply_token, &m);
		s->served++;
		if (quit)
			return;
	}
}

struct pair {
	struct kactor client, server;
	vd_endpoint_id_t ec, es;
	vd_channel_id_t ch;
	struct server srv;
	struct vd_thread *thread;
};

static vd_err_t pair_start(struct pair *p, bool with_server)
{
	vd_err_t err;

	vd_ipc_init();
	if ((err = kactor_init(&p->client, 0xfff00001)) != VD_OK ||
	    (err = kactor_init(&p->server, 0xfff00002)) != VD_OK ||
	    (err = vd_ipc_create_endpoint(&p->client.a, &p->ec, NULL)) ||
	    (err = vd_ipc_create_endpoint(&p->server.a, &p->es, NULL)) ||
	    (err = vd_ipc_create_channel(p->ec, p->es, &p->ch)))
		return err;
	p->srv.self = &p->server;
	p->srv.ep = p->es;
	p->thread = NULL;
	if (with_server)
		err = vd_kthread_create("ipc-server", server_main, &p->srv,
					VD_PRIO_NORMAL, true, &p->thread);
	return err;
}

static vd_err_t pair_stop(struct pair *p)
{
	struct vd_ipc_message m = word_msg(OP_QUIT), r;
	vd_err_t err = VD_OK;
	int code;

	if (p->thread) {
		err = vd_ipc_call(&p->client.a, p->ch, &m, 0, 1000 * MS, &r);
		vd_thread_join(p->thread->tid, 1000 * MS, &code);
	}
	kactor_exit(&p->client);
	kactor_exit(&p->server);
	return err;
}

VD_KTEST(ipc_kernel_call_reply_threads)
{
	static struct pair p;
	struct vd_ipc_message m, r;
	struct vd_ipc_stats s0, s1;

	vd_ipc_get_stats(&s0);
	KT_ASSERT_OK(pair_start(&p, true));
	for (uint64_t i = 0; i < 100; i++) {
		m = word_msg(i * 3);
		KT_ASSERT_OK(
			vd_ipc_call(&p.client.a, p.ch, &m, 0, 1000 * MS, &r));
		KT_ASSERT_EQ(r.words[0], i * 3 + 1);
	}
	KT_ASSERT_EQ(p.srv.served, 100);
	KT_ASSERT_OK(pair_stop(&p));
	vd_ipc_get_stats(&s1);
	KT_ASSERT_EQ(s1.endpoints, s0.endpoints);
	KT_ASSERT_EQ(s1.channels, s0.channels);
	KT_ASSERT_EQ(s1.pending_replies, s0.pending_replies);
}

VD_KTEST(ipc_kernel_timeouts_on_the_clock)
{
	static struct pair p;
	struct vd_ipc_message m, r;

	KT_ASSERT_OK(pair_start(&p, false));
	uint64_t t0 = hal_timer_now_ns();
	KT_ASSERT_EQ(
		vd_ipc_receive_message(&p.server.a, p.es, 30 * MS, &m, NULL),
		VD_ERR_TIMEOUT);
	uint64_t t1 = hal_timer_now_ns();
	KT_ASSERT(t1 - t0 >= 30 * MS);
	/* Nobody serves: the call gives up, its request is withdrawn. */
	m = word_msg(1);
	KT_ASSERT_EQ(vd_ipc_call(&p.client.a, p.ch, &m, 0, 20 * MS, &r),
		     VD_ERR_TIMEOUT);
	KT_ASSERT(hal_timer_now_ns() - t1 >= 20 * MS);
	KT_ASSERT_EQ(vd_ipc_receive_message(&p.server.a, p.es, 0, &m, NULL),
		     VD_ERR_TIMEOUT);
	KT_ASSERT_OK(pair_stop(&p));
}

/* Drains one message after a delay, then stops. */
static void slow_drain(void *arg)
{
	struct pair *p = arg;
	struct vd_ipc_message m;

	vd_sleep_ns(20 * MS);
	p->srv.last = vd_ipc_receive_message(&p->server.a, p->es, 0, &m, NULL);
}

VD_KTEST(ipc_kernel_blocked_sender_released)
{
	static struct pair p;
	struct vd_ipc_message m, got;
	struct vd_thread *t;
	int code;

	KT_ASSERT_OK(pair_start(&p, false));
	for (uint64_t i = 0; i < VD_IPC_QUEUE_DEPTH; i++) {
		m = word_msg(i);
		KT_ASSERT_OK(vd_ipc_send_message(&p.client.a, p.ch, &m, 0, 0));
	}
	KT_ASSERT_OK(vd_kthread_create("ipc-drain", slow_drain, &p,
				       VD_PRIO_NORMAL, true, &t));
	m = word_msg(VD_IPC_QUEUE_DEPTH);
	/* Blocks until the drain thread takes one. */
	KT_ASSERT_OK(vd_ipc_send_message(&p.client.a, p.ch, &m, 0, 1000 * MS));
	KT_ASSERT_OK(vd_thread_join(t->tid, 1000 * MS, &code));
	KT_ASSERT_OK(p.srv.last);
	for (uint64_t i = 1; i <= VD_IPC_QUEUE_DEPTH; i++) {
		KT_ASSERT_OK(vd_ipc_receive_message(&p.server.a, p.es, 0, &got,
						    NULL));
		KT_ASSERT_EQ(got.words[0], i);
	}
	KT_ASSERT_OK(pair_stop(&p));
}

/* ---- shared regions on the real page tables ---- */

#define RW (VD_RIGHT_READ | VD_RIGHT_WRITE)

static paddr_t frame_at(struct kactor *k, vaddr_t va, uint32_t *flags)
{
	struct vd_frame f;

	if (vd_query_page(&k->pt, va, &f, flags) != VD_OK)
		return 0;
	return vd_frame_addr(f);
}

VD_KTEST(ipc_kernel_regions_real_page_tables)
{
	static struct kactor a, b;
	vd_region_id_t r;
	vaddr_t va, vb;
	uint32_t fa, fb;
	paddr_t pa, pb;

	vd_ipc_init();
	KT_ASSERT_OK(kactor_init(&a, 0xfff00011));
	KT_ASSERT_OK(kactor_init(&b, 0xfff00012));
	KT_ASSERT_OK(
		vd_ipc_create_shared_region(&a.a, 2 * VD_PAGE_SIZE, RW, &r));
	KT_ASSERT_OK(vd_ipc_map_shared_region(&a.a, r, 0, &va));
	pa = frame_at(&a, va, &fa);
	KT_ASSERT(pa != 0);
	KT_ASSERT(fa & VD_PTE_WRITABLE);
	KT_ASSERT(fa & VD_PTE_USER);
	*(uint64_t *)vd_phys_to_virt(pa) = 0x5a5a;

	/* Share: the same frame in both tables. */
	KT_ASSERT_OK(vd_ipc_transfer_shared_region(&a.a, &b.a, r,
						   VD_IPC_TRANSFER_SHARE));
	KT_ASSERT_OK(vd_ipc_map_shared_region(&b.a, r, 0, &vb));
	KT_ASSERT_EQ(frame_at(&b, vb, &fb), pa);
	KT_ASSERT_OK(vd_ipc_release_shared_region(&b.a, r));
	KT_ASSERT_EQ(frame_at(&b, vb, &fb), 0);

	/* CopyOnWrite: read-only in both until the fault hook splits. */
	KT_ASSERT_OK(vd_ipc_transfer_shared_region(&a.a, &b.a, r,
						   VD_IPC_TRANSFER_COW));
	KT_ASSERT_OK(vd_ipc_map_shared_region(&b.a, r, 0, &vb));
	KT_ASSERT_EQ(frame_at(&b, vb, &fb), pa);
	KT_ASSERT(!(fb & VD_PTE_WRITABLE));
	KT_ASSERT_EQ(frame_at(&a, va, &fa), pa);
	KT_ASSERT(!(fa & VD_PTE_WRITABLE));
	KT_ASSERT(vd_ipc_handle_page_fault(&b.a, vb + 8, VD_FAULT_WRITE));
	pb = frame_at(&b, vb, &fb);
	KT_ASSERT(pb != 0 && pb != pa);
	KT_ASSERT(fb & VD_PTE_WRITABLE);
	KT_ASSERT_EQ(*(uint64_t *)vd_phys_to_virt(pb), 0x5a5a);
	/* A is alone on the old frame: upgraded in place. */
	KT_ASSERT(vd_ipc_handle_page_fault(&a.a, va, VD_FAULT_WRITE));
	KT_ASSERT_EQ(frame_at(&a, va, &fa), pa);
	KT_ASSERT(fa & VD_PTE_WRITABLE);
	KT_ASSERT(!vd_ipc_handle_page_fault(&a.a, va, VD_FAULT_READ));

	/* Move: A's mapping goes away, B keeps its view. */
	KT_ASSERT_OK(vd_ipc_release_shared_region(&b.a, r));
	KT_ASSERT_OK(vd_ipc_transfer_shared_region(&a.a, &b.a, r,
						   VD_IPC_TRANSFER_MOVE));
	KT_ASSERT_EQ(frame_at(&a, va, &fa), 0);
	KT_ASSERT_OK(vd_ipc_map_shared_region(&b.a, r, 0, &vb));
	KT_ASSERT_EQ(frame_at(&b, vb, &fb), pa);

	struct vd_ipc_stats st;
	kactor_exit(&a);
	kactor_exit(&b);
	vd_ipc_get_stats(&st);
	KT_ASSERT_EQ(st.region_frames, 0);
	KT_ASSERT_EQ(st.regions, 0);
}

/* ---- in-kernel call+reply between two kernel threads ---- */

VD_KBENCH(ipc_kernel_call_reply)
{
	static struct pair p;
	struct vd_ipc_message m = word_msg(0), r;
	const unsigned n = 1000;

	if (pair_start(&p, true) != VD_OK)
		return;
	for (unsigned i = 0; i < 10; i++)
		vd_ipc_call(&p.client.a, p.ch, &m, 0, VD_TIMEOUT_INFINITE, &r);
	uint64_t t0 = hal_cycles();
	for (unsigned i = 0; i < n; i++)
		vd_ipc_call(&p.client.a, p.ch, &m, 0, VD_TIMEOUT_INFINITE, &r);
	uint64_t t1 = hal_cycles();
	pair_stop(&p);
	vd_kbench_report("ipc call+reply 8 B, kernel threads (slow path)",
			 t1 - t0, n);
}
