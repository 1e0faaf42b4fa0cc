/*
 * IPC id tables: EndpointId, ChannelId and SharedRegionId values.
 *
 * Each table is a fixed array of object pointers with a per-slot
 * generation and a free list threaded through next_free[].  An id packs
 * kind, generation and slot (see ipc_internal.h), so lookup is O(1) and a
 * stale id -- one whose object was destroyed, even if the slot now holds
 * a new object -- misses because the generation moved on.  Ids are names,
 * not authority: the syscall layer gets to them through capabilities.
 */
#include "ipc_internal.h"

#define ID_SLOT_BITS IPC_ID_SLOT_BITS

void *ipc_endpoint_objs[VD_IPC_MAX_ENDPOINTS];
static uint32_t endpoint_gens[VD_IPC_MAX_ENDPOINTS];
static uint32_t endpoint_free[VD_IPC_MAX_ENDPOINTS];
void *ipc_channel_objs[VD_IPC_MAX_CHANNELS];
static uint32_t channel_gens[VD_IPC_MAX_CHANNELS];
static uint32_t channel_free[VD_IPC_MAX_CHANNELS];
static void *region_objs[VD_IPC_MAX_REGIONS];
static uint32_t region_gens[VD_IPC_MAX_REGIONS];
static uint32_t region_free[VD_IPC_MAX_REGIONS];

_Static_assert(VD_IPC_MAX_ENDPOINTS <= (1u << ID_SLOT_BITS), "slot bits");
_Static_assert(VD_IPC_MAX_CHANNELS <= (1u << ID_SLOT_BITS), "slot bits");
_Static_assert(VD_IPC_MAX_REGIONS <= (1u << ID_SLOT_BITS), "slot bits");

struct ipc_table ipc_endpoints = {
	IPC_KIND_ENDPOINT, VD_IPC_MAX_ENDPOINTS, 0, 0, ipc_endpoint_objs,
	endpoint_gens,	   endpoint_free,
};
struct ipc_table ipc_channels = {
	IPC_KIND_CHANNEL, VD_IPC_MAX_CHANNELS, 0, 0, ipc_channel_objs,
	channel_gens,	  channel_free,
};
struct ipc_table ipc_regions = {
	IPC_KIND_REGION, VD_IPC_MAX_REGIONS, 0,		  0,
	region_objs,	 region_gens,	     region_free,
};

void ipc_table_init(struct ipc_table *t)
{
	t->used = 0;
	t->free_head = 0;
	for (uint32_t i = 0; i < t->size; i++) {
		t->obj[i] = NULL;
		t->next_free[i] = i + 1;
		/* Keep generations across re-initialisation (host tests):
		 * ids of a previous run must not come back to life. */
		t->gen[i]++;
	}
}

uint64_t ipc_table_insert(struct ipc_table *t, void *obj)
{
	uint32_t slot = t->free_head;

	if (slot >= t->size)
		return 0;
	t->free_head = t->next_free[slot];
	t->obj[slot] = obj;
	t->used++;
	return ipc_table_id(t, slot);
}

void ipc_table_remove(struct ipc_table *t, uint64_t id)
{
	uint32_t slot = (uint32_t)(id & ((1u << ID_SLOT_BITS) - 1));

	if (ipc_table_lookup(t, id) == NULL)
		return;
	t->obj[slot] = NULL;
	t->gen[slot]++;
	t->next_free[slot] = t->free_head;
	t->free_head = slot;
	t->used--;
}
