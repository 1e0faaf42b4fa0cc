/*
 * _start: the first user instruction of every program.  The kernel left
 * rsp 16-byte aligned and the address of struct vd_start_info in rdi,
 * the first argument register; __vd_start (start.c) never returns.  The
 * frame pointer is cleared so backtraces end here.
 */
	.text
	.globl _start
	.type _start, %function
_start:
	xorl	%ebp, %ebp
	call	__vd_start
	ud2
	.size _start, . - _start
