/*
 * The run-queue operations of the scheduler's hot path (enqueue the
 * yielding thread, pick the next one), inline so that core/sched/sched.c
 * pays no call or argument checking for them.  core/sched/policy.c wraps
 * the same code in the checked public functions of sched.h, which is what
 * the host tests exercise.  Callers guarantee: se->prio <= VD_PRIO_MAX,
 * and se queued (unlink) or not (insert).
 */
#ifndef CORE_SCHED_POLICY_INLINE_H
#define CORE_SCHED_POLICY_INLINE_H

#include <veridian/sched.h>

static inline __attribute__((always_inline)) void
rq_insert(struct vd_runqueue *rq, struct vd_sched_entity *se, bool at_head)
{
	struct vd_list *q = &rq->queue[se->prio];

	if (at_head)
		vd_list_add(q, &se->rq_link);
	else
		vd_list_add_tail(q, &se->rq_link);
	rq->ready_bitmap |= 1ull << se->prio;
	if ((int)se->prio > rq->top_prio)
		rq->top_prio = se->prio;
	rq->nr_ready++;
	se->on_rq = true;
	if (se->slice_left == 0)
		se->slice_left = rq->slice_ticks;
}

static inline __attribute__((always_inline)) void
rq_unlink(struct vd_runqueue *rq, struct vd_sched_entity *se)
{
	vd_list_remove(&se->rq_link);
	if (vd_list_empty(&rq->queue[se->prio])) {
		rq->ready_bitmap &= ~(1ull << se->prio);
		if ((int)se->prio == rq->top_prio)
			rq->top_prio =
				rq->ready_bitmap
					? 63 - __builtin_clzll(rq->ready_bitmap)
					: -1;
	}
	rq->nr_ready--;
	se->on_rq = false;
}

/* The cached 63 - clz(bitmap): clz is one instruction on x86_64 and
 * AArch64 but a few dozen on RISC-V without Zbb, and the top changes
 * only when its level empties. */
/* A yield at one level: `out` (queued) leaves, `in` (not queued, same
 * priority, slice set) joins at the tail.  The level stays non-empty, so
 * the bitmap, top priority and count are unchanged. */
static inline __attribute__((always_inline)) void
rq_swap_same_level(struct vd_runqueue *rq, struct vd_sched_entity *out,
		   struct vd_sched_entity *in)
{
	vd_list_remove(&out->rq_link);
	out->on_rq = false;
	vd_list_add_tail(&rq->queue[in->prio], &in->rq_link);
	in->on_rq = true;
}

static inline __attribute__((always_inline)) int
rq_top_prio(const struct vd_runqueue *rq)
{
	return rq->top_prio;
}

static inline __attribute__((always_inline)) struct vd_sched_entity *
rq_peek(const struct vd_runqueue *rq)
{
	int p = rq_top_prio(rq);

	if (p < 0)
		return NULL;
	return VD_LIST_ENTRY(rq->queue[p].next, struct vd_sched_entity,
			     rq_link);
}

static inline __attribute__((always_inline)) struct vd_sched_entity *
rq_pick(struct vd_runqueue *rq)
{
	struct vd_sched_entity *se = rq_peek(rq);

	if (se)
		rq_unlink(rq, se);
	return se;
}

#endif /* CORE_SCHED_POLICY_INLINE_H */
