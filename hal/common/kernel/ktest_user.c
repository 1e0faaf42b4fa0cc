/*
 * HAL ktest support: the fault catcher and the throw-away user address
 * space of hal/ktest.h.
 *
 * Faults and user-mode traps reach these helpers through core's test
 * hooks (vd_page_fault_test_hook, vd_syscall_test_hook); a hook that
 * wants out hal_longjmps back to where the helper started, abandoning the
 * trap frame.  hal_longjmp restores the interrupt state hal_setjmp saw,
 * so the helpers come back with interrupts as they left them.
 */
#include <hal/ktest.h>
#include <veridian/panic.h>
#include <veridian/string.h>
#include <veridian/syscall.h>

struct hal_kt_fault hal_kt_fault;
static struct hal_jmpbuf fault_jmp;

static bool catch_hook(struct vd_cpu_context *ctx, vaddr_t addr,
		       unsigned access, bool from_user)
{
	hal_kt_fault = (struct hal_kt_fault){true, addr, access, from_user,
					     VD_CTX_PC(ctx)};
	hal_longjmp(&fault_jmp, 1);
}

bool hal_kt_catch_fault(void (*fn)(uintptr_t), uintptr_t arg)
{
	vd_memset(&hal_kt_fault, 0, sizeof(hal_kt_fault));
	vd_page_fault_test_hook = catch_hook;
	if (hal_setjmp(&fault_jmp) == 0)
		fn(arg);
	vd_page_fault_test_hook = NULL;
	return hal_kt_fault.hit;
}

/* noinline: the fault must happen inside these, where hal_kt_catch_fault
 * called them, not get folded into a caller. */
__attribute__((noinline)) void hal_kt_read(uintptr_t va)
{
	(void)*(volatile uint64_t *)va;
}

__attribute__((noinline)) void hal_kt_write(uintptr_t va)
{
	*(volatile uint64_t *)va = 0x5a5a5a5a5a5a5a5aull;
}

__attribute__((noinline)) void hal_kt_rewrite(uintptr_t va)
{
	volatile uint8_t *b = (volatile uint8_t *)va;
	*b = *b;
}

__attribute__((noinline)) void hal_kt_call(uintptr_t va)
{
	((void (*)(void))va)();
}

/* ---- user mode ------------------------------------------------------ */

/* The kernel stack user-mode traps land on; its top holds the context
 * (hal_return_to_user wants it there). */
static uint8_t user_kstack[16384] __attribute__((aligned(16)));
static struct hal_jmpbuf user_jmp;

static void free_frame(paddr_t *f)
{
	if (*f)
		vd_pt_frame_free(*f);
	*f = 0;
}

void hal_kt_user_fini(struct hal_kt_user *u)
{
	if (u->root)
		hal_pt_destroy(u->root);
	u->root = 0;
	free_frame(&u->code);
	free_frame(&u->ro);
	free_frame(&u->stack);
}

bool hal_kt_user_init(struct hal_kt_user *u, const struct hal_kt_code *code)
{
	const uint32_t user = VD_PTE_PRESENT | VD_PTE_USER;
	vd_memset(u, 0, sizeof(*u));
	u->code = vd_pt_frame_alloc();
	u->ro = vd_pt_frame_alloc();
	u->stack = vd_pt_frame_alloc();
	if (!u->code || !u->ro || !u->stack || hal_pt_create(&u->root) != VD_OK)
		goto fail;
	void *text = vd_phys_to_virt(u->code);
	vd_memcpy(text, code->bytes, code->len);
	hal_icache_sync(text, code->len);
	if (hal_pt_map(u->root, HAL_KT_CODE_VA, u->code, user) != VD_OK ||
	    hal_pt_map(u->root, HAL_KT_RO_VA, u->ro,
		       user | VD_PTE_NO_EXECUTE) != VD_OK ||
	    hal_pt_map(u->root, HAL_KT_STACK_VA, u->stack,
		       user | VD_PTE_WRITABLE | VD_PTE_NO_EXECUTE) != VD_OK)
		goto fail;
	return true;
fail:
	hal_kt_user_fini(u);
	return false;
}

int hal_kt_user_run(struct hal_kt_user *u, uint64_t arg0, uint64_t arg1,
		    void (*before_entry)(void))
{
	uint8_t *top = user_kstack + sizeof(user_kstack);
	struct vd_cpu_context *ctx = (struct vd_cpu_context *)top - 1;
	hal_irqstate_t irq = hal_irq_save();

	hal_set_kernel_stack(top);
	hal_user_context_init(ctx, HAL_KT_CODE_VA, HAL_KT_STACK_TOP, arg0,
			      arg1);
	hal_pt_activate(u->root);
	int r = hal_setjmp(&user_jmp);
	if (r == 0) {
		if (before_entry)
			before_entry();
		hal_return_to_user(ctx);
	}
	vd_syscall_test_hook = NULL;
	vd_page_fault_test_hook = NULL;
	hal_pt_activate(hal_pt_kernel_root());
	hal_irq_restore(irq);
	return r;
}

void hal_kt_user_exit(int val)
{
	hal_longjmp(&user_jmp, val ? val : 1);
}

bool hal_kt_on_user_kstack(uintptr_t addr)
{
	return addr >= (uintptr_t)user_kstack &&
	       addr < (uintptr_t)user_kstack + sizeof(user_kstack);
}

bool hal_kt_fault_exit_hook(struct vd_cpu_context *ctx, vaddr_t addr,
			    unsigned access, bool from_user)
{
	hal_kt_fault = (struct hal_kt_fault){true, addr, access, from_user,
					     VD_CTX_PC(ctx)};
	hal_kt_user_exit(1);
}

void hal_kt_emit_bytes(struct hal_kt_code *c, const void *bytes, size_t n)
{
	if (c->len + n > sizeof(c->bytes))
		vd_panic("HAL ktest program longer than HAL_KT_CODE_MAX");
	vd_memcpy(c->bytes + c->len, bytes, n);
	c->len += n;
}
