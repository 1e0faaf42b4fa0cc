/*
 * IPC id tables (ipc_table.c): the 64-bit ids of endpoints, channels and
 * regions (kind, generation, slot), the tables that map them to objects,
 * and the fast path's lookup.
 *
 * Part of the IPC internals; include ipc_internal.h, which includes this
 * header.
 */
#ifndef CORE_IPC_TABLE_H
#define CORE_IPC_TABLE_H

#include <veridian/ipc.h>
#include <veridian/types.h>

/*
 * An id is 64 bits:
 *
 *   63      56 55                        16 15            0
 *  +----------+----------------------------+---------------+
 *  |   kind   |   generation of the slot   |  slot index   |
 *  +----------+----------------------------+---------------+
 *
 * kind is never 0, so no id is 0.  A slot's generation changes each time
 * it is freed, so a stale id never names the slot's next object.
 */
enum ipc_kind {
	IPC_KIND_ENDPOINT = 1,
	IPC_KIND_CHANNEL = 2,
	IPC_KIND_REGION = 3,
};

struct ipc_table {
	uint8_t kind;
	uint32_t size;
	uint32_t used;
	uint32_t free_head; /* index of the first free slot, or size */
	void **obj;
	uint32_t *gen;
	uint32_t *next_free;
};

#define IPC_ID_SLOT_BITS  16
#define IPC_ID_GEN_BITS	  40
#define IPC_ID_KIND_SHIFT (IPC_ID_SLOT_BITS + IPC_ID_GEN_BITS)
#define IPC_ID_KIND(id)	  ((unsigned)((id) >> IPC_ID_KIND_SHIFT))

void ipc_table_init(struct ipc_table *t);
/* Place obj in a free slot; 0 if the table is full. */
uint64_t ipc_table_insert(struct ipc_table *t, void *obj);

static inline uint64_t ipc_table_id(const struct ipc_table *t, uint32_t slot)
{
	return ((uint64_t)t->kind << IPC_ID_KIND_SHIFT) |
	       (((uint64_t)t->gen[slot] & ((1ull << IPC_ID_GEN_BITS) - 1))
		<< IPC_ID_SLOT_BITS) |
	       slot;
}

/* The object `id` names, or NULL (wrong kind, stale, out of range). */
static inline void *ipc_table_lookup(const struct ipc_table *t, uint64_t id)
{
	uint32_t slot = (uint32_t)(id & ((1u << IPC_ID_SLOT_BITS) - 1));

	if (VD_UNLIKELY(slot >= t->size || t->obj[slot] == NULL ||
			ipc_table_id(t, slot) != id))
		return NULL;
	return t->obj[slot];
}
/* Free the slot of a live id (its generation moves on). */
void ipc_table_remove(struct ipc_table *t, uint64_t id);

extern struct ipc_table ipc_endpoints, ipc_channels, ipc_regions;
/* The object arrays of the endpoint and channel tables (ipc_table.c). */
extern void *ipc_endpoint_objs[VD_IPC_MAX_ENDPOINTS];
extern void *ipc_channel_objs[VD_IPC_MAX_CHANNELS];

/*
 * ipc_table_lookup for the IPC fast path, on the endpoint or channel
 * table (objs, of a power-of-two size): these objects start with their
 * own id, so the stored id is compared instead of rebuilding the slot's,
 * and the slot is masked instead of bounds-checked -- a masked slot of a
 * foreign id holds no object or one whose id differs.
 */
static inline __attribute__((always_inline)) void *
ipc_objs_lookup_self(void *const *objs, uint32_t size, uint64_t id)
{
	const uint64_t *obj = objs[id & (size - 1)];

	if (VD_UNLIKELY(obj == NULL || *obj != id))
		return NULL;
	return (void *)obj;
}
_Static_assert((VD_IPC_MAX_ENDPOINTS & (VD_IPC_MAX_ENDPOINTS - 1)) == 0 &&
		       (VD_IPC_MAX_CHANNELS & (VD_IPC_MAX_CHANNELS - 1)) == 0,
	       "ipc_objs_lookup_self masks slots");

#endif /* CORE_IPC_TABLE_H */
