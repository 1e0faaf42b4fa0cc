/*
 * IPC shared regions (ipc_region.c, ipc_cow.c): pages, views (Share and
 * CopyOnWrite), mappings, the holders that give a process access to a
 * region, and the region itself.
 *
 * Part of the IPC internals; include ipc_internal.h, which includes this
 * header.
 */
#ifndef CORE_IPC_REGION_H
#define CORE_IPC_REGION_H

#include <veridian/ipc.h>
#include <veridian/limits.h>
#include <veridian/list.h>
#include <veridian/proc.h>

/* One physical page, shared by the views that reference it. */
struct ipc_page {
	paddr_t pa;
	uint32_t refs; /* views pointing at it */
};

/* A page array.  Holders that Share see one view; CopyOnWrite makes a
 * second view over the same pages. */
struct ipc_view {
	uint32_t refs; /* holders using it */
	uint32_t npages;
	/* a CopyOnWrite view: its possible copies, charged (MEMORY) to the
	 * sender of the transfer; NULL for a region's first view */
	struct vd_limits *limits;
	/* a CopyOnWrite receiver's view: its copied pages are private */
	bool cow;
	struct ipc_page *pages[];
};

struct ipc_mapping {
	struct vd_list link; /* in holder->mappings */
	vaddr_t va;
	struct vd_uvm_region claim; /* its range in the process's map */
};

/* One process's access to a region. */
struct ipc_holder {
	struct vd_list link;	 /* in region->holders */
	struct vd_list all_link; /* in ipc_holders: every holder */
	struct ipc_region *region;
	struct vd_ipc_actor who;
	struct ipc_view *view;
	struct vd_list mappings;
	struct ipc_mapping first; /* the first mapping needs no allocation */
	bool first_used;
	/* Made for a large message not yet delivered (ipc_message.c): the
	 * access goes again if every message that would give it is dropped
	 * undelivered; in_flight counts those messages. */
	bool provisional;
	uint32_t in_flight;
	/* The capability its access comes through (a VD_OBJ_MEMORY
	 * capability to the region, in who.caps): the creator's original,
	 * or one derived from the giver's.  Revoking it (or anything it
	 * was derived from) takes the access away.  0 for an actor without
	 * a capability space (kernel threads), whose access is for good. */
	vd_cap_token_t cap;
	/* No capability of its own yet (cap 0, in a process): the access
	 * came from `via`, a holder of the same region, and lives as long
	 * as via's does (ipc_region_cap.c: minted only when asked for) */
	struct ipc_holder *via;
	bool dead; /* marked by a sweep, dropped right after */
	/* mapped without write access whatever the region allows: a holder
	 * made by mmap through a Memory capability without WRITE */
	bool read_only;
	/* made by mmap through a passed Memory capability, whose copy it
	 * holds without GRANT: it may map the region but not pass it on
	 * (a transfer or a large message from it is PermissionDenied), or
	 * a read-only holder could hand out a writable one */
	bool no_grant;
};

/* Every holder of every region: per-process lookups (free addresses, COW
 * faults, process exit) walk this instead of the region table. */
extern struct vd_list ipc_holders;

struct ipc_region {
	vd_region_id_t id;
	size_t size;
	uint32_t npages;
	uint32_t perms; /* VD_RIGHT_READ | VD_RIGHT_WRITE */
	struct vd_list holders;
	/* its creator's, charged REGIONS 1 and MEMORY npages pages until the
	 * region is freed, wherever it went meanwhile */
	struct vd_limits *limits;
};

struct ipc_holder *ipc_region_holder(struct ipc_region *r, vd_pid_t pid);
/* Share r with `to` (large messages, transfers): `to`'s holder, new
 * (*created, if not NULL, says so) or the one it has; NULL if out of
 * memory. */
struct ipc_holder *ipc_region_share_locked(struct ipc_region *r,
					   struct ipc_holder *from,
					   const struct vd_ipc_actor *to,
					   bool *created);
/* Drop h's access and delete its capability; those h gave the region to
 * keep it (ipc_region_cap.c). */
void ipc_holder_release_locked(struct ipc_holder *h);
/* Drop h (unmap, free; ipc_region.c); true if its region went with it. */
bool ipc_holder_drop_locked(struct ipc_holder *h);

/* A new holder of r for `who` on view v (its refs not taken: the
 * caller's); NULL if out of memory.  r's size in bytes. */
struct ipc_holder *ipc_holder_new_locked(struct ipc_region *r,
					 const struct vd_ipc_actor *who,
					 struct ipc_view *v);
size_t ipc_region_bytes(const struct ipc_region *r);

/* p's holder of region `id` (its id, or a capability to it in p's
 * space).  Errors: VD_ERR_NOT_FOUND (no such region), PERMISSION_DENIED
 * (p has no access, or only a large message's not yet delivered). */
vd_err_t ipc_find_holder_locked(const struct vd_ipc_actor *p, vd_region_id_t id,
				struct ipc_holder **out);

/* ---- capabilities of holders (ipc_region_cap.c) ---- */

/* The capability hook: drop every holder of region `id` whose access is
 * gone with a revoked capability (registered by ipc_init_locked). */
void ipc_region_caps_revoked(uint64_t id);
/* A new holder h got its access from `from` (NULL: h made the region). */
vd_err_t ipc_holder_cap_new_locked(struct ipc_holder *h,
				   const struct ipc_holder *from);
/* h is about to be dropped: those who got the region from it keep it. */
void ipc_holder_cap_drop_locked(struct ipc_holder *h);
/* Move h to `to`: *cap_out gets to's capability (0: still lazy). */
vd_err_t ipc_holder_cap_move_locked(struct ipc_holder *h,
				    const struct vd_ipc_actor *to,
				    vd_cap_token_t *cap_out);
void ipc_region_process_exit_locked(vd_pid_t pid);
/* Page-table flags for page i of view v in region r. */
uint32_t ipc_view_pte_flags(const struct ipc_region *r,
			    const struct ipc_view *v, uint32_t i);
/* Rewrite page i in every mapping of every holder of view v. */
vd_err_t ipc_view_remap_page(struct ipc_region *r, struct ipc_view *v,
			     uint32_t i);
extern uint64_t ipc_region_frames, ipc_cow_copies;
/* The zero frame behind every process's region-window anchor. */
extern paddr_t ipc_anchor_frame;

#endif /* CORE_IPC_REGION_H */
