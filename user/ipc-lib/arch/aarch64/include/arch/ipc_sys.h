/*
 * vd_ipc_sys for AArch64: one SVC with the whole IPC register block
 * (included by ipc.h; the kernel side: hal/aarch64/include/arch/ipc_regs.h).
 *
 *   block field   in              out
 *   (nr)          x8              x0   status
 *   a0            x0   target     x8   reply token of a received call
 *   a1            x1   info       x1   info
 *   a2            x2   cap        x2   capability received
 *   a3            x3   timeout    x3   sender pid
 *   mr[0..7]      x4..x7 x9..x12       (in and out)
 *
 * The number and the reply token share x8, the target and the status x0,
 * so a0 goes in through x0 and comes back out of x8.  The kernel returns
 * every register as it left them or as IPC set them, NZCV included
 * (vectors.S restores the whole context or relies on the C ABI for
 * x19..x28), so "memory" is the only clobber: the receive header (a1 of
 * RECEIVE) is written through a pointer.
 */
static inline __attribute__((always_inline)) long
vd_ipc_sys(long nr, struct vd_ipc_regs *r)
{
	register uint64_t x8 __asm__("x8") = (uint64_t)nr;
	register uint64_t x0 __asm__("x0") = r->a0;
	register uint64_t x1 __asm__("x1") = r->a1;
	register uint64_t x2 __asm__("x2") = r->a2;
	register uint64_t x3 __asm__("x3") = r->a3;
	register uint64_t m0 __asm__("x4") = r->mr[0];
	register uint64_t m1 __asm__("x5") = r->mr[1];
	register uint64_t m2 __asm__("x6") = r->mr[2];
	register uint64_t m3 __asm__("x7") = r->mr[3];
	register uint64_t m4 __asm__("x9") = r->mr[4];
	register uint64_t m5 __asm__("x10") = r->mr[5];
	register uint64_t m6 __asm__("x11") = r->mr[6];
	register uint64_t m7 __asm__("x12") = r->mr[7];

	__asm__ volatile("svc #0"
			 : "+r"(x8), "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3),
			   "+r"(m0), "+r"(m1), "+r"(m2), "+r"(m3), "+r"(m4),
			   "+r"(m5), "+r"(m6), "+r"(m7)
			 :
			 : "memory");
	const uint64_t mr[VD_IPC_SMALL_WORDS] = {m0, m1, m2, m3,
						 m4, m5, m6, m7};

	vd_ipc_regs_out(r, x8, x1, x2, x3, mr);
	return (long)x0;
}
