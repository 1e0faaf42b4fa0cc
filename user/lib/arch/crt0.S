/*
 * _start: the first user instruction of every program.  The kernel left
 * sp 16-byte aligned and the address of struct vd_start_info in the
 * first argument register; __vd_start (start.c) never returns.  Frame
 * pointer / link register are cleared so backtraces end here.
 */
	.text
	.globl _start
	.type _start, %function
_start:
#if defined(__x86_64__)
	xorl	%ebp, %ebp
	call	__vd_start
	ud2
#elif defined(__aarch64__)
	mov	x29, xzr
	mov	x30, xzr
	bl	__vd_start
	brk	#0
#elif defined(__riscv)
	mv	s0, zero
	mv	ra, zero
	call	__vd_start
	unimp
#else
#error "unsupported architecture"
#endif
	.size _start, . - _start
