/*
 * vd_ipc_sys for RISC-V 64: one ECALL with the whole IPC register block
 * (included by ipc.h; the kernel side: hal/riscv64/include/arch/ipc_regs.h).
 *
 *   block field   in              out
 *   (nr)          a7              a0   status
 *   a0            a0   target     a7   reply token of a received call
 *   a1            a1   info       a1   info
 *   a2            a2   cap        a2   capability received
 *   a3            a3   timeout    a3   sender pid
 *   mr[0..7]      a4 a5 a6 t0 t1 t2 t3 t4  (in and out)
 *
 * The number and the reply token share a7, the target and the status a0,
 * so a0 goes in through a0 and comes back out of a7.  The kernel returns
 * every register as it left them or as IPC set them
 * (hal/riscv64/vectors.S restores the whole context or relies on the C ABI
 * for s1..s11), so "memory" is the only clobber: the receive header (a1 of
 * RECEIVE) is written through a pointer.
 */
static inline __attribute__((always_inline)) long
vd_ipc_sys(long nr, struct vd_ipc_regs *r)
{
	register uint64_t r7 __asm__("a7") = (uint64_t)nr;
	register uint64_t r0 __asm__("a0") = r->a0;
	register uint64_t r1 __asm__("a1") = r->a1;
	register uint64_t r2 __asm__("a2") = r->a2;
	register uint64_t r3 __asm__("a3") = r->a3;
	register uint64_t m0 __asm__("a4") = r->mr[0];
	register uint64_t m1 __asm__("a5") = r->mr[1];
	register uint64_t m2 __asm__("a6") = r->mr[2];
	register uint64_t m3 __asm__("t0") = r->mr[3];
	register uint64_t m4 __asm__("t1") = r->mr[4];
	register uint64_t m5 __asm__("t2") = r->mr[5];
	register uint64_t m6 __asm__("t3") = r->mr[6];
	register uint64_t m7 __asm__("t4") = r->mr[7];

	__asm__ volatile("ecall"
			 : "+r"(r7), "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3),
			   "+r"(m0), "+r"(m1), "+r"(m2), "+r"(m3), "+r"(m4),
			   "+r"(m5), "+r"(m6), "+r"(m7)
			 :
			 : "memory");
	const uint64_t mr[VD_IPC_SMALL_WORDS] = {m0, m1, m2, m3,
						 m4, m5, m6, m7};

	vd_ipc_regs_out(r, r7, r1, r2, r3, mr);
	return (long)r0;
}
