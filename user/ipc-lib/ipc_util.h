/*
 * Helpers shared by the IPC test and benchmark programs (user/bin/ipc-*):
 * starting a peer process and introducing the two to each other.
 *
 * Introduction protocol ("hello"), which exercises capability transfer:
 *
 *   parent                                   child
 *   endpoint P                               (started with caps
 *   spawn child, caps = [console, P] ----->   [console, P])
 *                                            endpoint C
 *                                            channel C -> P
 *            <--- SEND "hello" + capability (WRITE|GRANT on C) ---
 *   receive on P: header capability = the
 *   parent's own token for C
 *   channel P -> C (optional)
 */
#ifndef VD_USER_IPC_UTIL_H
#define VD_USER_IPC_UTIL_H

#include "ipc.h"

#define IPC_HELLO 0x6f6c6c6568ull /* "hello" */
#define SECOND	  1000000000ull

/* Start `path` with argv and caps [console, extra] (extra may be 0). */
static inline long ipc_spawn(const char *path, const char *const *argv,
			     vd_cap_token_t extra, vd_cap_token_t *pcap)
{
	vd_cap_token_t caps[2] = {vd_console_cap(), extra};

	return vd_spawn_caps(path, argv, NULL, caps, extra ? 2 : 1, pcap);
}

/* The capability the parent handed over as caps[1]. */
/* main() of a test program that is its own "peer" child: argv[1]
 * "peer" runs peer, anything else the driver. */
static inline int ipc_peer_or_driver(int argc, char **argv, int (*peer)(void),
				     int (*driver)(void))
{
	return argc > 1 && !vd_strcmp(argv[1], "peer") ? peer() : driver();
}

static inline vd_cap_token_t ipc_parent_cap(void)
{
	if (!vd_start || vd_start->ncaps < 2)
		return 0;
	return ((const vd_cap_token_t *)(uintptr_t)vd_start->caps)[1];
}

/*
 * Child side: make my endpoint (*ep), a channel to the parent's endpoint
 * (*to_parent), and send hello with a WRITE|GRANT capability for my
 * endpoint.  Returns 0 or -error.
 */
static inline long ipc_child_hello(vd_cap_token_t *ep,
				   vd_cap_token_t *to_parent)
{
	struct vd_ipc_regs r = {0};
	vd_cap_token_t weak;
	long e;

	if (vd_is_err(e = vd_ipc_endpoint_create(ep)) ||
	    vd_is_err(e = vd_ipc_channel_create(*ep, ipc_parent_cap(),
						to_parent)) ||
	    vd_is_err(e = vd_capability_derive(
			      *ep, VD_RIGHT_WRITE | VD_RIGHT_GRANT, &weak)))
		return e;
	r.mr[0] = IPC_HELLO;
	return vd_ipc_send(*to_parent, &r, 8, weak, SECOND);
}

/*
 * Parent side: wait for a child's hello on my endpoint; *peer_ep gets my
 * token for the child's endpoint and *pid_out the child's pid.
 */
static inline long ipc_await_hello(vd_cap_token_t my_ep,
				   vd_cap_token_t *peer_ep, uint64_t *pid_out)
{
	struct vd_ipc_regs r = {0};
	long e = vd_ipc_receive(my_ep, &r, NULL, 10 * SECOND);

	if (vd_is_err(e))
		return e;
	if (r.mr[0] != IPC_HELLO || !vd_ipc_has_cap(&r))
		return -VD_ERR_INVALID_PARAMETER;
	*peer_ep = r.a2;
	if (pid_out)
		*pid_out = r.a3;
	return 0;
}

/* Wait for a child; returns its exit code, or INT32_MIN on error. */
static inline int ipc_wait(vd_cap_token_t pcap,
			   struct vd_process_exit_info *info)
{
	struct vd_process_exit_info tmp;

	if (!info)
		info = &tmp;
	if (vd_is_err(vd_process_wait(pcap, info, 30 * SECOND)))
		return (int)0x80000000;
	return info->exit_code;
}

/* Did the kernel's IPC objects return to where they were (no endpoint,
 * channel, pending reply or queued message leaked)? */
static inline bool ipc_no_objects_leaked(const struct vd_ipc_stats *before,
					 const struct vd_ipc_stats *after)
{
	return after->endpoints == before->endpoints &&
	       after->channels == before->channels &&
	       after->pending_replies == before->pending_replies &&
	       after->queued_messages == before->queued_messages;
}

/* Check that the kernel has as many regions and region frames as in
 * `before`: "<what> (N regions, N frames)". */
static inline bool ipc_check_regions_back(struct vd_utest *t,
					  const struct vd_ipc_stats *before,
					  const char *what)
{
	struct vd_ipc_stats after;

	vd_ipc_stats(&after);
	return vd_check(t,
			after.regions == before->regions &&
				after.region_frames == before->region_frames,
			"%s (%llu regions, %llu frames)", what,
			(unsigned long long)after.regions,
			(unsigned long long)after.region_frames);
}

#endif /* VD_USER_IPC_UTIL_H */
