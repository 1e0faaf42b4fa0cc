/*
 * ipc-region: zero-copy shared regions between two processes, checked by
 * reading the data on both sides.
 *
 *   Share        both map the same frames: a write by one is read by the
 *                other, both ways
 *   CopyOnWrite  both start with the same contents; each one's writes
 *                (which fault and copy a page) stay its own
 *   Move         the sender loses access; the receiver sees the data
 *   Large        a message naming a slice of a region; the receiver gets
 *                access and reads the slice
 *   Revoke       revoking the creator's capability unmaps the region
 *                from a holder, whose next access faults (it dies alone)
 *
 * The driver sends requests to a "peer" process (same program) over a
 * channel; the peer maps, reads and writes regions on request.
 */
#include <ipc_util.h>

enum { OP_MAP = 1, OP_CHECK, OP_WRITE, OP_READ, OP_RELEASE, OP_QUIT };
#define PAGES 4
#define SIZE  (PAGES * 4096)

static struct vd_utest t;

/* ---- the peer ---- */

static struct {
	uint64_t region;
	uint8_t *base;
} maps[8];

static uint8_t *peer_base(uint64_t region, bool map)
{
	for (unsigned i = 0; i < 8; i++)
		if (maps[i].region == region && maps[i].base)
			return maps[i].base;
	if (!map)
		return NULL;
	long va = vd_ipc_region_map(region, 0);
	if (vd_is_err(va))
		return NULL;
	for (unsigned i = 0; i < 8; i++)
		if (!maps[i].base) {
			maps[i].region = region;
			maps[i].base = (uint8_t *)(uintptr_t)va;
			break;
		}
	return (uint8_t *)(uintptr_t)va;
}

/* Handle one request in r; the answer goes back in r->mr[0..1]. */
static bool peer_handle(struct vd_ipc_regs *r)
{
	if (r->a1 & VD_IPC_INFO_LARGE) {
		/* MR0 region, MR1 offset, MR2 length: sum the slice */
		uint8_t *b = peer_base(r->mr[0], true);
		uint64_t sum = 0;
		for (uint64_t i = 0; b && i < r->mr[2]; i++)
			sum += b[r->mr[1] + i];
		r->mr[0] = b ? 0 : 1;
		r->mr[1] = sum;
		return true;
	}
	uint64_t op = r->mr[0], region = r->mr[1], off = r->mr[2],
		 val = r->mr[3], n = r->mr[4];
	uint8_t *b = peer_base(region, op == OP_MAP);
	r->mr[0] = 0;
	switch (op) {
	case OP_MAP:
		r->mr[0] = b ? 0 : 1;
		r->mr[1] = (uintptr_t)b;
		break;
	case OP_CHECK:
		for (uint64_t i = 0; b && i < n; i++)
			if (b[off + i] != (uint8_t)val) {
				r->mr[0] = i + 1;
				break;
			}
		if (!b)
			r->mr[0] = ~0ull;
		break;
	case OP_WRITE:
		for (uint64_t i = 0; b && i < n; i++)
			b[off + i] = (uint8_t)val; /* may fault: COW */
		r->mr[0] = b ? 0 : 1;
		break;
	case OP_READ:
		r->mr[1] = b ? b[off] : 0xffff;
		break;
	case OP_RELEASE:
		r->mr[0] = (uint64_t)vd_ipc_region_release(region);
		for (unsigned i = 0; i < 8; i++)
			if (maps[i].region == region)
				maps[i].base = NULL;
		break;
	case OP_QUIT:
		return false;
	}
	return true;
}

static int role_peer(void)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t ep, to_parent;
	long st;

	if (vd_is_err(ipc_child_hello(&ep, &to_parent)))
		return 1;
	st = vd_ipc_receive(ep, &r, NULL, VD_TIMEOUT_INFINITE);
	while (!vd_is_err(st)) {
		vd_reply_token_t token = r.a0;
		bool more = peer_handle(&r);
		if (!more)
			return (int)-vd_ipc_reply(token, &r, 16);
		st = vd_ipc_reply_recv(token, &r, 16, ep, VD_TIMEOUT_INFINITE);
	}
	return 2;
}

/* ---- the driver ---- */

static vd_cap_token_t ch;

static uint64_t ask(uint64_t op, uint64_t region, uint64_t off, uint64_t val,
		    uint64_t n, uint64_t *second)
{
	struct vd_ipc_regs r = {0};

	r.mr[0] = op;
	r.mr[1] = region;
	r.mr[2] = off;
	r.mr[3] = val;
	r.mr[4] = n;
	if (vd_is_err(vd_ipc_call(ch, &r, 40, 0, 10 * SECOND)))
		return ~1ull;
	if (second)
		*second = r.mr[1];
	return r.mr[0];
}

static uint8_t *new_region(uint64_t *id, uint8_t fill)
{
	long r = vd_ipc_region_create(SIZE, VD_RIGHT_READ | VD_RIGHT_WRITE);
	long va = vd_is_err(r) ? r : vd_ipc_region_map((uint64_t)r, 0);

	if (vd_is_err(va))
		return NULL;
	*id = (uint64_t)r;
	vd_memset((void *)(uintptr_t)va, fill, SIZE);
	return (uint8_t *)(uintptr_t)va;
}

static void test_share(void)
{
	uint64_t id, peer_va, got;
	uint8_t *b = new_region(&id, 0x11);

	vd_check(&t, b != NULL, "share: region created and mapped");
	if (!b)
		return;
	vd_check(&t, vd_ipc_region_transfer(id, ch, VD_IPC_TRANSFER_SHARE) == 0,
		 "share: transfer");
	vd_check(&t, ask(OP_MAP, id, 0, 0, 0, &peer_va) == 0 && peer_va,
		 "share: the peer maps it");
	vd_check(&t, ask(OP_CHECK, id, 0, 0x11, SIZE, NULL) == 0,
		 "share: the peer reads what we wrote");
	vd_check(&t, ask(OP_WRITE, id, 4096 + 5, 0x22, 3, NULL) == 0,
		 "share: the peer writes");
	vd_check(&t,
		 b[4096 + 5] == 0x22 && b[4096 + 7] == 0x22 &&
			 b[4096 + 8] == 0x11,
		 "share: we read the peer's write (same frames)");
	b[3 * 4096] = 0x33;
	vd_check(&t, ask(OP_READ, id, 3 * 4096, 0, 0, &got) == 0 && got == 0x33,
		 "share: the peer reads our later write");
	vd_check(&t, ask(OP_RELEASE, id, 0, 0, 0, NULL) == 0,
		 "share: the peer lets go");
	vd_check(&t, b[4096 + 5] == 0x22, "share: our mapping stays");
	vd_check(&t, vd_ipc_region_release(id) == 0, "share: release");
}

static void test_cow(void)
{
	uint64_t id, got, peer_va;
	struct vd_ipc_stats s0, s1;
	uint8_t *b = new_region(&id, 0x41);

	vd_check(&t, b != NULL, "cow: region created and mapped");
	if (!b)
		return;
	vd_ipc_stats(&s0);
	vd_check(&t, vd_ipc_region_transfer(id, ch, VD_IPC_TRANSFER_COW) == 0,
		 "cow: transfer");
	vd_check(&t, ask(OP_MAP, id, 0, 0, 0, &peer_va) == 0,
		 "cow: the peer maps it");
	vd_check(&t, ask(OP_CHECK, id, 0, 0x41, SIZE, NULL) == 0,
		 "cow: the peer sees our contents");
	/* The peer writes page 1: it gets a copy; we keep ours. */
	vd_check(&t, ask(OP_WRITE, id, 4096, 0x42, 16, NULL) == 0,
		 "cow: the peer writes (faults, copies)");
	vd_check(&t, b[4096] == 0x41, "cow: we do not see the peer's write");
	vd_check(&t, ask(OP_READ, id, 4096, 0, 0, &got) == 0 && got == 0x42,
		 "cow: the peer sees its own write");
	/* We write page 1 (now ours alone) and page 2 (still shared). */
	b[4096 + 100] = 0x43;
	b[2 * 4096] = 0x44;
	vd_check(&t, b[4096 + 100] == 0x43 && b[2 * 4096] == 0x44,
		 "cow: we write after the transfer (faults)");
	vd_check(&t, ask(OP_READ, id, 2 * 4096, 0, 0, &got) == 0 && got == 0x41,
		 "cow: the peer does not see our write");
	vd_check(&t, ask(OP_CHECK, id, 4096 + 16, 0x41, 4096 - 16, NULL) == 0,
		 "cow: the rest of the peer's copied page is intact");
	vd_ipc_stats(&s1);
	vd_check(&t, s1.cow_copies - s0.cow_copies == 2,
		 "cow: two pages copied (%llu)",
		 (unsigned long long)(s1.cow_copies - s0.cow_copies));
	vd_check(&t, ask(OP_RELEASE, id, 0, 0, 0, NULL) == 0,
		 "cow: the peer lets go");
	vd_check(&t, vd_ipc_region_release(id) == 0, "cow: release");
}

static void test_move(void)
{
	uint64_t id, peer_va;
	uint8_t *b = new_region(&id, 0x51);

	vd_check(&t, b != NULL, "move: region created and mapped");
	if (!b)
		return;
	b[SIZE - 1] = 0x52;
	vd_check(&t, vd_ipc_region_transfer(id, ch, VD_IPC_TRANSFER_MOVE) == 0,
		 "move: transfer");
	vd_check(&t, vd_ipc_region_map(id, 0) == -VD_ERR_PERMISSION_DENIED,
		 "move: we cannot map it any more");
	vd_check(&t,
		 vd_ipc_region_transfer(id, ch, VD_IPC_TRANSFER_SHARE) ==
			 -VD_ERR_PERMISSION_DENIED,
		 "move: nor pass it on");
	vd_check(&t, ask(OP_MAP, id, 0, 0, 0, &peer_va) == 0,
		 "move: the peer maps it");
	vd_check(&t, ask(OP_CHECK, id, 0, 0x51, SIZE - 1, NULL) == 0,
		 "move: the peer reads the data");
	vd_check(&t, ask(OP_CHECK, id, SIZE - 1, 0x52, 1, NULL) == 0,
		 "move: to the last byte");
	vd_check(&t, ask(OP_RELEASE, id, 0, 0, 0, NULL) == 0,
		 "move: the peer releases it (frames freed)");
	(void)b; /* our old mapping is gone: touching it would fault */
}

static void test_large(void)
{
	struct vd_ipc_regs r = {0};
	uint64_t id, want = 0;
	uint8_t *b = new_region(&id, 0);

	vd_check(&t, b != NULL, "large: region created");
	if (!b)
		return;
	for (unsigned i = 0; i < 1000; i++) {
		b[5000 + i] = (uint8_t)(i * 7);
		want += (uint8_t)(i * 7);
	}
	r.mr[0] = id;
	r.mr[1] = 5000;
	r.mr[2] = 1000;
	r.a0 = ch;
	r.a1 = VD_IPC_INFO_LARGE;
	r.a2 = 0;
	r.a3 = 10 * SECOND;
	vd_check(&t, vd_ipc_sys(VD_SYS_IPC_CALL, &r) == 0 && r.mr[0] == 0,
		 "large: the peer got access and mapped the region");
	vd_check(&t, r.mr[1] == want, "large: the slice arrived (sum %llu)",
		 (unsigned long long)r.mr[1]);
	r.mr[0] = id;
	r.mr[1] = SIZE - 10;
	r.mr[2] = 11;
	r.a0 = ch;
	r.a1 = VD_IPC_INFO_LARGE;
	vd_check(&t,
		 vd_ipc_sys(VD_SYS_IPC_CALL, &r) == -VD_ERR_INVALID_PARAMETER,
		 "large: a slice past the end is refused");
	vd_check(&t, ask(OP_RELEASE, id, 0, 0, 0, NULL) == 0,
		 "large: the peer lets go");
	vd_check(&t, vd_ipc_region_release(id) == 0, "large: release");
}

/*
 * Revoke: a region's creator revokes its capability; a second peer that
 * got the region by Share and mapped it loses the mapping, so its next
 * read faults and it dies alone (the first peer carries on), and the
 * region and its frames are freed.
 */
static void test_revoke(vd_cap_token_t ep)
{
	static const char *const argv[] = {"ipc-region", "peer", NULL};
	struct vd_process_exit_info info = {0};
	vd_cap_token_t peer2, pcap2 = 0, ch2 = 0, main_ch = ch, tok = 0;
	uint64_t got = 0;
	long id = vd_ipc_region_create_cap(SIZE, VD_RIGHT_READ | VD_RIGHT_WRITE,
					   &tok);
	long va = vd_is_err(id) ? id : vd_ipc_region_map((uint64_t)tok, 0);

	vd_check(&t, !vd_is_err(va) && tok != 0,
		 "revoke: region created with a capability, mapped by it");
	if (vd_is_err(va))
		return;
	vd_memset((void *)(uintptr_t)va, 0x61, SIZE);
	vd_check(&t,
		 vd_ipc_region_create_cap(SIZE, VD_RIGHT_READ,
					  (vd_cap_token_t *)8) ==
			 -VD_ERR_MEM_BAD_ADDRESS,
		 "revoke: a bad capability out pointer is refused");
	vd_check(&t,
		 ipc_spawn("ipc-region", argv, ep, &pcap2) > 0 &&
			 ipc_await_hello(ep, &peer2, NULL) == 0 &&
			 vd_ipc_channel_create(ep, peer2, &ch2) >= 0,
		 "revoke: a second peer");
	vd_check(&t,
		 vd_ipc_region_transfer((uint64_t)tok, ch2,
					VD_IPC_TRANSFER_SHARE) == 0,
		 "revoke: share it (named by the capability)");
	ch = ch2;
	vd_check(&t,
		 ask(OP_MAP, (uint64_t)id, 0, 0, 0, NULL) == 0 &&
			 ask(OP_READ, (uint64_t)id, 5, 0, 0, &got) == 0 &&
			 got == 0x61,
		 "revoke: the peer maps and reads it");
	vd_check(&t, vd_capability_revoke(tok) == 0, "revoke: revoke it");
	vd_check(&t,
		 vd_ipc_region_map((uint64_t)id, 0) == -VD_ERR_NOT_FOUND &&
			 vd_ipc_region_map((uint64_t)tok, 0) ==
				 -VD_ERR_NOT_FOUND,
		 "revoke: the region is gone, by id and by capability");
	/* the peer reads through its old mapping: a fault kills it */
	vd_check(&t, ask(OP_READ, (uint64_t)id, 5, 0, 0, &got) == ~1ull,
		 "revoke: the peer's read does not answer");
	ch = main_ch;
	vd_check(&t,
		 vd_process_wait(pcap2, &info, 30 * SECOND) == 0 &&
			 info.exit_reason == VD_EXIT_FAULT,
		 "revoke: the peer died of a fault (reason %u)",
		 (unsigned)info.exit_reason);
	vd_ipc_channel_close(ch2);
	vd_check(&t, ask(OP_READ, 0, 0, 0, 0, &got) == 0,
		 "revoke: the first peer carries on");
}

static int drive(void)
{
	static const char *const argv[] = {"ipc-region", "peer", NULL};
	struct vd_ipc_stats before;
	vd_cap_token_t ep, peer, pcap;

	t.prog = "ipc-region";
	vd_ipc_stats(&before);
	vd_ipc_endpoint_create(&ep);
	vd_check(&t, ipc_spawn("ipc-region", argv, ep, &pcap) > 0, "spawn");
	vd_check(&t, ipc_await_hello(ep, &peer, NULL) == 0, "hello");
	vd_check(&t, vd_ipc_channel_create(ep, peer, &ch) >= 0, "channel");
	test_share();
	test_cow();
	test_move();
	test_large();
	test_revoke(ep);
	ask(OP_QUIT, 0, 0, 0, 0, NULL);
	vd_check(&t, ipc_wait(pcap, NULL) == 0, "the peer exited cleanly");
	vd_ipc_endpoint_destroy(ep);
	ipc_check_regions_back(&t, &before, "every region and frame freed");
	return vd_utest_done(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	return ipc_peer_or_driver(argc, argv, role_peer, drive);
}
