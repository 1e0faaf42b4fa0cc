/*
 * _start: the first user instruction of every program.  The kernel left
 * sp 16-byte aligned and the address of struct vd_start_info in a0, the
 * first argument register; __vd_start (start.c) never returns.  Frame
 * pointer and return address are cleared so backtraces end here.
 */
	.text
	.globl _start
	.type _start, %function
_start:
	mv	s0, zero
	mv	ra, zero
	call	__vd_start
	unimp
	.size _start, . - _start
