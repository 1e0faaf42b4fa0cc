/*
 * Veridian: intrusive circular doubly-linked list.
 *
 * A list head is a struct vd_list whose next/prev point to itself when the
 * list is empty.  Elements embed a struct vd_list and are recovered with
 * VD_LIST_ENTRY (container_of).  No allocation, O(1) insert/remove.
 */
#ifndef VERIDIAN_LIST_H
#define VERIDIAN_LIST_H

#include <veridian/types.h>

struct vd_list {
	struct vd_list *next, *prev;
};

#define VD_LIST_INIT(name)                                                     \
	{                                                                      \
		&(name), &(name)                                               \
	}
#define VD_LIST_ENTRY(ptr, type, member) VD_CONTAINER_OF(ptr, type, member)

static inline void vd_list_init(struct vd_list *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool vd_list_empty(const struct vd_list *l)
{
	return l->next == l;
}

static inline void vd_list__insert(struct vd_list *n, struct vd_list *prev,
				   struct vd_list *next)
{
	n->next = next;
	n->prev = prev;
	prev->next = n;
	next->prev = n;
}

/* Insert n right after head (stack order). */
static inline void vd_list_add(struct vd_list *head, struct vd_list *n)
{
	vd_list__insert(n, head, head->next);
}

/* Insert n before head, i.e. at the tail (queue order). */
static inline void vd_list_add_tail(struct vd_list *head, struct vd_list *n)
{
	vd_list__insert(n, head->prev, head);
}

/* Unlink n and leave it self-linked, so a second remove is harmless.
 * Both neighbours are read first: written as n->prev->next = n->next,
 * the store could alias n's fields and the compiler reads them again. */
static inline void vd_list_remove(struct vd_list *n)
{
	struct vd_list *next = n->next, *prev = n->prev;

	prev->next = next;
	next->prev = prev;
	vd_list_init(n);
}

static inline struct vd_list *vd_list_pop(struct vd_list *head)
{
	struct vd_list *n;

	if (vd_list_empty(head))
		return NULL;
	n = head->next;
	vd_list_remove(n);
	return n;
}

static inline size_t vd_list_length(const struct vd_list *head)
{
	size_t n = 0;

	for (const struct vd_list *it = head->next; it != head; it = it->next)
		n++;
	return n;
}

#define vd_list_for_each(it, head)                                             \
	for ((it) = (head)->next; (it) != (head); (it) = (it)->next)

#define vd_list_for_each_safe(it, tmp, head)                                   \
	for ((it) = (head)->next, (tmp) = (it)->next; (it) != (head);          \
	     (it) = (tmp), (tmp) = (it)->next)

#endif /* VERIDIAN_LIST_H */
