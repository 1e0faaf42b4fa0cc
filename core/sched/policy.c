/*
 * Scheduler policy: run queues, the priority bitmap, round-robin slices and
 * the timeout queue.  Pure data-structure code: no locks (the caller holds
 * the scheduler lock), no HAL, so tests/host/test_sched.c drives it
 * directly.
 *
 * Priority bitmap, one 64-bit word per run queue:
 *
 *     bit:   63 ........ 41 40 ... 30 ... 20 ... 10 ... 0
 *            (always zero)   RT    High  Normal  Low  Idle
 *
 * Bit p is set exactly when queue[p] is non-empty, so the best ready
 * priority is 63 - clz(bitmap), whatever the number of threads.  It is
 * cached in top_prio (clz is a single instruction on x86_64 and AArch64
 * but a software sequence on RISC-V without Zbb) and recomputed only when
 * the top level empties.
 */
#include <veridian/sched.h>

#include "policy_inline.h"

void vd_rq_init(struct vd_runqueue *rq, uint16_t slice_ticks)
{
	rq->ready_bitmap = 0;
	rq->top_prio = -1;
	rq->nr_ready = 0;
	for (unsigned p = 0; p < VD_PRIO_LEVELS; p++)
		vd_list_init(&rq->queue[p]);
	vd_list_init(&rq->timeouts);
	rq->nr_timeouts = 0;
	rq->earliest = UINT64_MAX;
	rq->slice_ticks = slice_ticks ? slice_ticks : 1;
}

vd_err_t vd_se_init(struct vd_sched_entity *se, unsigned prio)
{
	if (!se || prio > VD_PRIO_MAX)
		return VD_ERR_INVALID_PARAMETER;
	vd_list_init(&se->rq_link);
	vd_list_init(&se->timeout_link);
	se->deadline_ns = VD_TIMEOUT_INFINITE;
	se->prio = (uint8_t)prio;
	se->on_rq = false;
	se->on_timeout = false;
	se->slice_left = 0; /* filled on first enqueue */
	return VD_OK;
}

vd_err_t vd_rq_enqueue(struct vd_runqueue *rq, struct vd_sched_entity *se)
{
	if (!rq || !se || se->prio > VD_PRIO_MAX)
		return VD_ERR_INVALID_PARAMETER;
	if (se->on_rq)
		return VD_ERR_BUSY;
	rq_insert(rq, se, false);
	return VD_OK;
}

vd_err_t vd_rq_enqueue_head(struct vd_runqueue *rq, struct vd_sched_entity *se)
{
	if (!rq || !se || se->prio > VD_PRIO_MAX)
		return VD_ERR_INVALID_PARAMETER;
	if (se->on_rq)
		return VD_ERR_BUSY;
	rq_insert(rq, se, true);
	return VD_OK;
}

vd_err_t vd_rq_remove(struct vd_runqueue *rq, struct vd_sched_entity *se)
{
	if (!rq || !se)
		return VD_ERR_INVALID_PARAMETER;
	if (!se->on_rq)
		return VD_ERR_NOT_FOUND;
	rq_unlink(rq, se);
	return VD_OK;
}

int vd_rq_top_prio(const struct vd_runqueue *rq)
{
	return rq_top_prio(rq);
}

struct vd_sched_entity *vd_rq_peek(const struct vd_runqueue *rq)
{
	return rq_peek(rq);
}

struct vd_sched_entity *vd_rq_pick(struct vd_runqueue *rq)
{
	return rq_pick(rq);
}

vd_err_t vd_rq_set_prio(struct vd_runqueue *rq, struct vd_sched_entity *se,
			unsigned prio)
{
	if (!rq || !se || prio > VD_PRIO_MAX)
		return VD_ERR_INVALID_PARAMETER;
	if (se->on_rq) {
		rq_unlink(rq, se);
		se->prio = (uint8_t)prio;
		rq_insert(rq, se, false);
	} else {
		se->prio = (uint8_t)prio;
	}
	return VD_OK;
}

bool vd_rq_should_preempt(const struct vd_runqueue *rq,
			  const struct vd_sched_entity *cur)
{
	int top = vd_rq_top_prio(rq);

	if (top < 0)
		return false;
	return cur == NULL || top > (int)cur->prio;
}

bool vd_rq_tick(struct vd_runqueue *rq, struct vd_sched_entity *cur)
{
	int top = vd_rq_top_prio(rq);

	if (cur == NULL) /* idle: anything ready should run */
		return top >= 0;
	if (cur->slice_left > 0)
		cur->slice_left--;
	if (top > (int)cur->prio)
		return true;
	if (cur->slice_left == 0) {
		cur->slice_left = rq->slice_ticks;
		return top == (int)cur->prio;
	}
	return false;
}

/* After a change to the timeout queue: publish its first deadline. */
static void update_earliest(struct vd_runqueue *rq)
{
	uint64_t first = UINT64_MAX;

	if (!vd_list_empty(&rq->timeouts))
		first = VD_LIST_ENTRY(rq->timeouts.next, struct vd_sched_entity,
				      timeout_link)
				->deadline_ns;
	__atomic_store_n(&rq->earliest, first, __ATOMIC_RELAXED);
}

vd_err_t vd_timeout_add(struct vd_runqueue *rq, struct vd_sched_entity *se,
			uint64_t deadline_ns)
{
	struct vd_list *it;

	if (!rq || !se)
		return VD_ERR_INVALID_PARAMETER;
	if (se->on_timeout)
		return VD_ERR_BUSY;
	se->deadline_ns = deadline_ns;
	/*
	 * Sorted insert, scanning from the tail: equal deadlines stay in
	 * insertion order, and the common case (a new timeout later than
	 * the ones pending) stops at the first step.
	 */
	for (it = rq->timeouts.prev; it != &rq->timeouts; it = it->prev) {
		struct vd_sched_entity *o =
			VD_LIST_ENTRY(it, struct vd_sched_entity, timeout_link);
		if (o->deadline_ns <= deadline_ns)
			break;
	}
	vd_list__insert(&se->timeout_link, it, it->next);
	se->on_timeout = true;
	rq->nr_timeouts++;
	update_earliest(rq);
	return VD_OK;
}

vd_err_t vd_timeout_remove(struct vd_runqueue *rq, struct vd_sched_entity *se)
{
	if (!rq || !se)
		return VD_ERR_INVALID_PARAMETER;
	if (!se->on_timeout)
		return VD_ERR_NOT_FOUND;
	vd_list_remove(&se->timeout_link);
	se->on_timeout = false;
	rq->nr_timeouts--;
	update_earliest(rq);
	return VD_OK;
}

struct vd_sched_entity *vd_timeout_pop_expired(struct vd_runqueue *rq,
					       uint64_t now_ns)
{
	struct vd_sched_entity *se;

	if (vd_list_empty(&rq->timeouts))
		return NULL;
	se = VD_LIST_ENTRY(rq->timeouts.next, struct vd_sched_entity,
			   timeout_link);
	if (se->deadline_ns > now_ns)
		return NULL;
	vd_timeout_remove(rq, se);
	return se;
}

uint64_t vd_timeout_next(const struct vd_runqueue *rq)
{
	return __atomic_load_n(&rq->earliest, __ATOMIC_RELAXED);
}

const char *vd_block_reason_name(enum vd_block_reason r)
{
	static const char *const names[] = {
		[VD_BLOCK_NONE] = "none",   [VD_BLOCK_SLEEP] = "sleep",
		[VD_BLOCK_IPC] = "ipc",	    [VD_BLOCK_MEMORY] = "memory",
		[VD_BLOCK_IO] = "io",	    [VD_BLOCK_CHILD] = "child",
		[VD_BLOCK_MUTEX] = "mutex", [VD_BLOCK_JOIN] = "join",
	};

	if ((unsigned)r < VD_ARRAY_SIZE(names) && names[r])
		return names[r];
	return "?";
}
