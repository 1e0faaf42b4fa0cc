/*
 * Shared set-up for the IPC host suites (test_ipc*.c): fake RAM with the
 * real frame allocator, heap and (fake) page tables, fixed capability and
 * reply-token keys, and fake processes.
 *
 * Blocking: the suites are single-threaded, so a call that would sleep
 * runs `ipc_world` instead -- a function the test installs that plays the
 * other processes (receives, replies, closes, dies, lets time pass) and
 * returns what the sleep would have returned: VD_OK when the sleeper was
 * woken, VD_ERR_TIMEOUT when its deadline passed.
 */
#ifndef TESTS_HOST_TEST_IPC_FIXTURE_H
#define TESTS_HOST_TEST_IPC_FIXTURE_H

#include <host/fake.h>
#include <host/pt_fake.h>
#include <string.h>
#include <veridian/cap.h>
#include <veridian/ipc.h>
#include <veridian/mm.h>

#include "../../core/ipc/ipc_internal.h"

struct fake_proc {
	struct vd_ipc_actor a;
	struct vd_page_table pt;
};

static vd_err_t (*ipc_world)(struct ipc_waiter *w, uint64_t deadline);
static unsigned ipc_sleeps, ipc_wakes;
static struct ipc_waiter *ipc_last_sleeper;

static inline vd_err_t fixture_sleep(struct ipc_waiter *w, uint64_t deadline)
{
	ipc_sleeps++;
	ipc_last_sleeper = w;
	if (ipc_world == NULL)
		return VD_ERR_TIMEOUT; /* nobody else exists: time runs out */
	vd_err_t (*fn)(struct ipc_waiter *, uint64_t) = ipc_world;
	ipc_world = NULL; /* one scripted turn per sleep */
	return fn(w, deadline);
}

static inline void fixture_wake(struct ipc_waiter *w)
{
	(void)w;
	ipc_wakes++;
}

static const uint8_t fixture_cap_key[16] = "ipc-test-capkey";

static size_t fixture_heap_at_start;

/* Heap bytes in use.  (Frame counts are no leak check here: the slab
 * allocator keeps spare slabs and per-CPU magazines.  Region frames are
 * checked one by one in test_ipc_region.c.) */
static size_t fixture_heap_in_use(void)
{
	struct vd_allocator_stats hs;

	vd_heap_stats(&hs);
	return hs.current_allocated;
}

static int ipc_group_setup(void **state)
{
	struct vd_boot_info bi;
	(void)state;

	host_fake_reset();
	hal_physmap_base = (uintptr_t)host_ram() - HOST_RAM_PHYS_BASE;
	host_make_boot_info(&bi, 1 << 20);
	vd_mm_init(&bi);
	host_pt_reset();
	vd_cap_set_key(fixture_cap_key);
	ipc_test_reset();
	/* The kernel root table is made on first use: count it now. */
	(void)vd_kernel_page_table();
	return 0;
}

static int ipc_test_setup(void **state)
{
	(void)state;
	ipc_test_sleep_hook = fixture_sleep;
	ipc_test_wake_hook = fixture_wake;
	ipc_world = NULL;
	ipc_sleeps = ipc_wakes = 0;
	ipc_last_sleeper = NULL;
	host_set_time_ns(1000000);
	fixture_heap_at_start = fixture_heap_in_use();
	return 0;
}

static void fake_proc_init(struct fake_proc *p, vd_pid_t pid)
{
	memset(p, 0, sizeof(*p));
	p->a.pid = pid;
	if (vd_cap_space_create(64, &p->a.caps) != VD_OK)
		abort();
	if (vd_page_table_create(&p->pt) != VD_OK)
		abort();
	p->a.pt = &p->pt;
}

/* The process dies: IPC first, then its capabilities and tables. */
static void fake_proc_exit(struct fake_proc *p)
{
	vd_ipc_process_exit(&p->a);
	vd_cap_space_destroy(p->a.caps);
	vd_page_table_destroy(&p->pt);
	p->a.caps = NULL;
}

/* Teardown check: no IPC object, capability or heap block outlives a
 * test. */
static int ipc_test_teardown(void **state)
{
	struct vd_ipc_stats st;
	struct vd_cap_stats cs;
	(void)state;

	vd_ipc_get_stats(&st);
	assert_int_equal(st.endpoints, 0);
	assert_int_equal(st.channels, 0);
	assert_int_equal(st.regions, 0);
	assert_int_equal(st.pending_replies, 0);
	assert_int_equal(st.region_frames, 0);
	assert_int_equal(st.queued_messages, 0);
	vd_cap_get_stats(&cs);
	assert_int_equal(cs.spaces, 0);
	assert_int_equal(cs.caps, 0);
	assert_int_equal(fixture_heap_in_use(), fixture_heap_at_start);
	return 0;
}

static inline struct vd_ipc_message small_msg(const char *text)
{
	struct vd_ipc_message m;

	memset(&m, 0, sizeof(m));
	m.kind = VD_IPC_MSG_SMALL;
	m.len = (uint8_t)strlen(text);
	memcpy(m.data, text, m.len);
	return m;
}

static inline struct vd_ipc_message word_msg(uint64_t w)
{
	struct vd_ipc_message m;

	memset(&m, 0, sizeof(m));
	m.kind = VD_IPC_MSG_SMALL;
	m.len = 8;
	m.words[0] = w;
	return m;
}

#endif /* TESTS_HOST_TEST_IPC_FIXTURE_H */
