/*
 * cmocka suite for the scheduler policy (core/sched/policy.c): priority
 * order through the bitmap, FIFO/round-robin inside a level, time-slice
 * preemption, priority changes, and the timeout queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <veridian/sched.h>

#define N 16

static struct vd_runqueue rq;
static struct vd_sched_entity se[N];

static int setup(void **state)
{
	(void)state;
	vd_rq_init(&rq, VD_SCHED_SLICE_TICKS);
	for (int i = 0; i < N; i++)
		assert_int_equal(vd_se_init(&se[i], VD_PRIO_NORMAL), VD_OK);
	return 0;
}

static int idx(struct vd_sched_entity *e)
{
	return e ? (int)(e - se) : -1;
}

static void test_empty_queue(void **state)
{
	(void)state;
	assert_null(vd_rq_pick(&rq));
	assert_null(vd_rq_peek(&rq));
	assert_int_equal(vd_rq_top_prio(&rq), -1);
	assert_false(vd_rq_should_preempt(&rq, NULL));
	assert_false(vd_rq_tick(&rq, NULL));
	assert_false(vd_rq_tick(&rq, &se[0]));
	assert_int_equal(vd_timeout_next(&rq), UINT64_MAX);
	assert_null(vd_timeout_pop_expired(&rq, UINT64_MAX));
}

static void test_bad_parameters(void **state)
{
	(void)state;
	assert_int_equal(vd_se_init(&se[0], VD_PRIO_MAX + 1),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_se_init(NULL, 0), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_rq_enqueue(&rq, NULL), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_rq_enqueue(NULL, &se[0]), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_rq_set_prio(&rq, &se[0], 41),
			 VD_ERR_INVALID_PARAMETER);
	assert_int_equal(vd_rq_set_prio(&rq, &se[0], 1000),
			 VD_ERR_INVALID_PARAMETER);
	/* a corrupted priority is refused, not used as an index */
	se[1].prio = 200;
	assert_int_equal(vd_rq_enqueue(&rq, &se[1]), VD_ERR_INVALID_PARAMETER);
	assert_int_equal(rq.nr_ready, 0);
	assert_int_equal(vd_rq_remove(&rq, &se[0]), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_timeout_remove(&rq, &se[0]), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_timeout_add(NULL, &se[0], 5),
			 VD_ERR_INVALID_PARAMETER);
}

static void test_double_enqueue_is_refused(void **state)
{
	(void)state;
	assert_int_equal(vd_rq_enqueue(&rq, &se[0]), VD_OK);
	assert_int_equal(vd_rq_enqueue(&rq, &se[0]), VD_ERR_BUSY);
	assert_int_equal(vd_rq_enqueue_head(&rq, &se[0]), VD_ERR_BUSY);
	assert_int_equal(rq.nr_ready, 1);
	assert_int_equal(idx(vd_rq_pick(&rq)), 0);
	assert_null(vd_rq_pick(&rq));
	assert_int_equal(rq.nr_ready, 0);
	assert_int_equal(rq.ready_bitmap, 0);
}

static void test_highest_priority_first(void **state)
{
	static const unsigned prios[] = {VD_PRIO_LOW,	 VD_PRIO_REALTIME,
					 VD_PRIO_IDLE,	 VD_PRIO_NORMAL,
					 VD_PRIO_HIGH,	 7,
					 VD_PRIO_MAX - 1};
	(void)state;
	for (unsigned i = 0; i < 7; i++) {
		vd_se_init(&se[i], prios[i]);
		assert_int_equal(vd_rq_enqueue(&rq, &se[i]), VD_OK);
	}
	assert_int_equal(rq.nr_ready, 7);
	assert_int_equal(vd_rq_top_prio(&rq), VD_PRIO_REALTIME);
	assert_int_equal(idx(vd_rq_peek(&rq)), 1);
	/* expected order: 40, 39, 30, 20, 10, 7, 0 */
	int want[] = {1, 6, 4, 3, 0, 5, 2};
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(idx(vd_rq_pick(&rq)), want[i]);
	assert_null(vd_rq_pick(&rq));
	assert_int_equal(rq.ready_bitmap, 0);
}

static void test_bitmap_tracks_levels(void **state)
{
	(void)state;
	vd_se_init(&se[0], 5);
	vd_se_init(&se[1], 5);
	vd_se_init(&se[2], 33);
	vd_rq_enqueue(&rq, &se[0]);
	vd_rq_enqueue(&rq, &se[1]);
	vd_rq_enqueue(&rq, &se[2]);
	assert_int_equal(rq.ready_bitmap, (1ull << 5) | (1ull << 33));
	vd_rq_remove(&rq, &se[0]);
	assert_int_equal(rq.ready_bitmap, (1ull << 5) | (1ull << 33));
	vd_rq_remove(&rq, &se[1]);
	assert_int_equal(rq.ready_bitmap, 1ull << 33);
	vd_rq_remove(&rq, &se[2]);
	assert_int_equal(rq.ready_bitmap, 0);
	assert_int_equal(rq.nr_ready, 0);
}

static void test_fifo_within_level(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++)
		vd_rq_enqueue(&rq, &se[i]);
	for (int i = 0; i < 5; i++)
		assert_int_equal(idx(vd_rq_pick(&rq)), i);
}

static void test_enqueue_head_keeps_turn(void **state)
{
	(void)state;
	vd_rq_enqueue(&rq, &se[0]);
	vd_rq_enqueue(&rq, &se[1]);
	vd_rq_enqueue_head(&rq, &se[2]);
	assert_int_equal(idx(vd_rq_pick(&rq)), 2);
	assert_int_equal(idx(vd_rq_pick(&rq)), 0);
	assert_int_equal(idx(vd_rq_pick(&rq)), 1);
}

static void test_remove_from_middle(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++)
		vd_rq_enqueue(&rq, &se[i]);
	assert_int_equal(vd_rq_remove(&rq, &se[2]), VD_OK);
	assert_int_equal(vd_rq_remove(&rq, &se[2]), VD_ERR_NOT_FOUND);
	assert_int_equal(idx(vd_rq_pick(&rq)), 0);
	assert_int_equal(idx(vd_rq_pick(&rq)), 1);
	assert_int_equal(idx(vd_rq_pick(&rq)), 3);
	assert_null(vd_rq_pick(&rq));
}

/*
 * Simulate a CPU: `cur` runs, each tick is charged to it, and when the
 * policy says so it goes back to the tail and the next one runs.  Three
 * equal-priority entities must share the CPU in strict rotation, each
 * for exactly one slice.
 */
static void test_round_robin_rotation(void **state)
{
	int runs[3] = {0};
	int order[12];
	int n = 0;
	(void)state;

	for (int i = 0; i < 3; i++)
		vd_rq_enqueue(&rq, &se[i]);
	struct vd_sched_entity *cur = vd_rq_pick(&rq);
	for (int tick = 0; tick < 12 * VD_SCHED_SLICE_TICKS; tick++) {
		runs[idx(cur)]++;
		if (vd_rq_tick(&rq, cur)) {
			order[n++] = idx(cur);
			vd_rq_enqueue(&rq, cur);
			cur = vd_rq_pick(&rq);
		}
	}
	assert_int_equal(n, 12);
	for (int i = 0; i < 12; i++)
		assert_int_equal(order[i], i % 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(runs[i], 4 * VD_SCHED_SLICE_TICKS);
}

static void test_alone_in_level_keeps_cpu(void **state)
{
	(void)state;
	vd_se_init(&se[1], VD_PRIO_LOW);
	vd_rq_enqueue(&rq, &se[1]); /* lower priority: never preempts */
	se[0].slice_left = VD_SCHED_SLICE_TICKS;
	for (int tick = 0; tick < 10 * VD_SCHED_SLICE_TICKS; tick++)
		assert_false(vd_rq_tick(&rq, &se[0]));
	assert_true(se[0].slice_left > 0);
}

static void test_higher_priority_preempts_at_once(void **state)
{
	(void)state;
	se[0].slice_left = 100;
	assert_false(vd_rq_should_preempt(&rq, &se[0]));
	vd_se_init(&se[1], VD_PRIO_HIGH);
	vd_rq_enqueue(&rq, &se[1]);
	assert_true(vd_rq_should_preempt(&rq, &se[0]));
	assert_true(vd_rq_tick(&rq, &se[0]));
	/* the idle thread (NULL) yields to anything */
	assert_true(vd_rq_should_preempt(&rq, NULL));
	assert_true(vd_rq_tick(&rq, NULL));
	/* an equal priority does not preempt before the slice ends */
	vd_rq_remove(&rq, &se[1]);
	vd_rq_enqueue(&rq, &se[2]);
	assert_false(vd_rq_should_preempt(&rq, &se[0]));
}

static void test_set_priority_moves_queued_entity(void **state)
{
	(void)state;
	vd_rq_enqueue(&rq, &se[0]);
	vd_rq_enqueue(&rq, &se[1]);
	assert_int_equal(vd_rq_set_prio(&rq, &se[1], VD_PRIO_HIGH), VD_OK);
	assert_int_equal(se[1].prio, VD_PRIO_HIGH);
	assert_int_equal(rq.ready_bitmap,
			 (1ull << VD_PRIO_NORMAL) | (1ull << VD_PRIO_HIGH));
	assert_int_equal(idx(vd_rq_pick(&rq)), 1);
	/* lowering the last one of a level clears its bit */
	assert_int_equal(vd_rq_set_prio(&rq, &se[0], VD_PRIO_IDLE), VD_OK);
	assert_int_equal(rq.ready_bitmap, 1ull << VD_PRIO_IDLE);
	assert_int_equal(idx(vd_rq_pick(&rq)), 0);
	/* a not-queued entity only changes its number */
	assert_int_equal(vd_rq_set_prio(&rq, &se[3], VD_PRIO_LOW), VD_OK);
	assert_false(se[3].on_rq);
	assert_int_equal(rq.nr_ready, 0);
}

static void test_many_entities_all_levels(void **state)
{
	static struct vd_sched_entity many[VD_PRIO_LEVELS * 4];
	(void)state;
	for (unsigned i = 0; i < VD_ARRAY_SIZE(many); i++) {
		vd_se_init(&many[i], i % VD_PRIO_LEVELS);
		assert_int_equal(vd_rq_enqueue(&rq, &many[i]), VD_OK);
	}
	int last = VD_PRIO_MAX + 1;
	unsigned count = 0;
	struct vd_sched_entity *e;
	while ((e = vd_rq_pick(&rq)) != NULL) {
		assert_true((int)e->prio <= last);
		last = e->prio;
		count++;
	}
	assert_int_equal(count, VD_ARRAY_SIZE(many));
}

static void test_timeouts_sorted(void **state)
{
	(void)state;
	assert_int_equal(vd_timeout_add(&rq, &se[0], 300), VD_OK);
	assert_int_equal(vd_timeout_add(&rq, &se[1], 100), VD_OK);
	assert_int_equal(vd_timeout_add(&rq, &se[2], 200), VD_OK);
	assert_int_equal(vd_timeout_add(&rq, &se[3], 200), VD_OK);
	assert_int_equal(vd_timeout_add(&rq, &se[4], UINT64_MAX - 1), VD_OK);
	assert_int_equal(vd_timeout_add(&rq, &se[2], 5), VD_ERR_BUSY);
	assert_int_equal(rq.nr_timeouts, 5);
	assert_int_equal(vd_timeout_next(&rq), 100);

	assert_null(vd_timeout_pop_expired(&rq, 99));
	assert_int_equal(idx(vd_timeout_pop_expired(&rq, 100)), 1);
	assert_null(vd_timeout_pop_expired(&rq, 100));
	/* equal deadlines expire in insertion order */
	assert_int_equal(idx(vd_timeout_pop_expired(&rq, 250)), 2);
	assert_int_equal(idx(vd_timeout_pop_expired(&rq, 250)), 3);
	assert_null(vd_timeout_pop_expired(&rq, 250));
	assert_int_equal(vd_timeout_next(&rq), 300);
	assert_int_equal(idx(vd_timeout_pop_expired(&rq, 1000)), 0);
	assert_int_equal(vd_timeout_next(&rq), UINT64_MAX - 1);
	assert_false(se[0].on_timeout);
	assert_int_equal(rq.nr_timeouts, 1);
}

static void test_timeout_cancel(void **state)
{
	(void)state;
	vd_timeout_add(&rq, &se[0], 10);
	vd_timeout_add(&rq, &se[1], 20);
	vd_timeout_add(&rq, &se[2], 30);
	/* a wake-up before the deadline cancels the timeout */
	assert_int_equal(vd_timeout_remove(&rq, &se[0]), VD_OK);
	assert_int_equal(vd_timeout_remove(&rq, &se[0]), VD_ERR_NOT_FOUND);
	assert_int_equal(vd_timeout_next(&rq), 20);
	assert_int_equal(vd_timeout_remove(&rq, &se[2]), VD_OK);
	assert_int_equal(idx(vd_timeout_pop_expired(&rq, 1000)), 1);
	assert_null(vd_timeout_pop_expired(&rq, UINT64_MAX));
	assert_int_equal(rq.nr_timeouts, 0);
	/* and an entity can be re-armed after */
	assert_int_equal(vd_timeout_add(&rq, &se[0], 7), VD_OK);
	assert_int_equal(idx(vd_timeout_pop_expired(&rq, 7)), 0);
}

static void test_timeout_and_ready_are_independent(void **state)
{
	(void)state;
	/* a thread sleeping with a timeout is on the timeout queue only;
	 * when it expires the caller makes it ready */
	vd_timeout_add(&rq, &se[0], 50);
	assert_int_equal(rq.nr_ready, 0);
	struct vd_sched_entity *e = vd_timeout_pop_expired(&rq, 60);
	assert_ptr_equal(e, &se[0]);
	assert_int_equal(vd_rq_enqueue(&rq, e), VD_OK);
	assert_ptr_equal(vd_rq_pick(&rq), &se[0]);
}

static void test_deadline_after_saturates(void **state)
{
	(void)state;
	assert_int_equal(vd_deadline_after(100, 50), 150);
	assert_int_equal(vd_deadline_after(100, 0), 100);
	assert_int_equal(vd_deadline_after(100, VD_TIMEOUT_INFINITE),
			 VD_TIMEOUT_INFINITE);
	assert_int_equal(vd_deadline_after(UINT64_MAX - 10, 100),
			 VD_TIMEOUT_INFINITE);
}

static void test_block_reason_names(void **state)
{
	(void)state;
	assert_string_equal(vd_block_reason_name(VD_BLOCK_SLEEP), "sleep");
	assert_string_equal(vd_block_reason_name(VD_BLOCK_CHILD), "child");
	assert_string_equal(vd_block_reason_name((enum vd_block_reason)99),
			    "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_empty_queue),
		T(test_bad_parameters),
		T(test_double_enqueue_is_refused),
		T(test_highest_priority_first),
		T(test_bitmap_tracks_levels),
		T(test_fifo_within_level),
		T(test_enqueue_head_keeps_turn),
		T(test_remove_from_middle),
		T(test_round_robin_rotation),
		T(test_alone_in_level_keeps_cpu),
		T(test_higher_priority_preempts_at_once),
		T(test_set_priority_moves_queued_entity),
		T(test_many_entities_all_levels),
		T(test_timeouts_sorted),
		T(test_timeout_cancel),
		T(test_timeout_and_ready_are_independent),
		T(test_deadline_after_saturates),
		T(test_block_reason_names),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
