/*
 * _start: the first user instruction of every program.  The kernel left
 * sp 16-byte aligned and the address of struct vd_start_info in x0, the
 * first argument register; __vd_start (start.c) never returns.  Frame
 * pointer and link register are cleared so backtraces end here.
 */
	.text
	.globl _start
	.type _start, %function
_start:
	mov	x29, xzr
	mov	x30, xzr
	bl	__vd_start
	brk	#0
	.size _start, . - _start
