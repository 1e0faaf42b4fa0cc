/*
 * Two fake processes joined by a channel, for the IPC message suites
 * (test_ipc.c, test_ipc_call.c): client A (pid 10) owns endpoint ea,
 * server B (pid 20) owns eb, channel ch joins them; C (pid 30) owns
 * nothing.  pair_teardown lets every process die and checks that nothing
 * is left (test_ipc_fixture.h).
 */
#ifndef TESTS_HOST_TEST_IPC_PAIR_H
#define TESTS_HOST_TEST_IPC_PAIR_H

#include "test_ipc_fixture.h"

static struct fake_proc A, B, C;
static vd_endpoint_id_t ea, eb;
static vd_channel_id_t ch;
static struct vd_capability cap_a, cap_b;

static int pair_setup(void **state)
{
	ipc_test_setup(state);
	fake_proc_init(&A, 10);
	fake_proc_init(&B, 20);
	fake_proc_init(&C, 30);
	assert_int_equal(vd_ipc_create_endpoint(&A.a, &ea, &cap_a), VD_OK);
	assert_int_equal(vd_ipc_create_endpoint(&B.a, &eb, &cap_b), VD_OK);
	assert_int_equal(vd_ipc_create_channel(ea, eb, &ch), VD_OK);
	return 0;
}

static int pair_teardown(void **state)
{
	fake_proc_exit(&A);
	fake_proc_exit(&B);
	fake_proc_exit(&C);
	return ipc_test_teardown(state);
}

static inline vd_err_t recv_now(struct fake_proc *p, vd_endpoint_id_t ep,
				struct vd_ipc_message *m,
				struct vd_ipc_header *h)
{
	return vd_ipc_receive_message(&p->a, ep, 0, m, h);
}

#endif /* TESTS_HOST_TEST_IPC_PAIR_H */
