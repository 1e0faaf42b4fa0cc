/*
 * Fake HAL for host tests: see hal/host/include/host/fake.h.  Everything
 * here is single-threaded and deterministic; interrupts are a flag.
 */
#include <assert.h>
#include <host/fake.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uintptr_t hal_physmap_base;

static uint8_t *ram;
static char console_buf[1 << 16];
static size_t console_len;
static const char *console_in;
static uint64_t now_ns, deadline_ns = UINT64_MAX, cycles;
static unsigned cur_cpu, cpu_count = 1;
static bool irq_on;

jmp_buf *host_poweroff_jmp;
int host_poweroff_status = -1;

static void ensure_ram(void)
{
	if (ram)
		return;
	if (posix_memalign((void **)&ram, 2u << 20, HOST_RAM_SIZE) != 0)
		abort();
	memset(ram, 0, HOST_RAM_SIZE);
	hal_physmap_base = (uintptr_t)ram - HOST_RAM_PHYS_BASE;
}

__attribute__((constructor)) static void host_fake_ctor(void)
{
	ensure_ram();
}

__attribute__((destructor)) static void host_fake_dtor(void)
{
	free(ram);
	ram = NULL;
}

void host_fake_reset(void)
{
	ensure_ram();
	memset(ram, 0, HOST_RAM_SIZE);
	console_len = 0;
	console_buf[0] = '\0';
	console_in = NULL;
	now_ns = 0;
	cycles = 0;
	deadline_ns = UINT64_MAX;
	cur_cpu = 0;
	cpu_count = 1;
	irq_on = false;
	host_poweroff_jmp = NULL;
	host_user_return_jmp = NULL;
	host_poweroff_status = -1;
}

void *host_ram(void)
{
	ensure_ram();
	return ram;
}

void host_make_boot_info(struct vd_boot_info *bi, uint64_t reserved_bytes)
{
	memset(bi, 0, sizeof(*bi));
	bi->arch = "host";
	bi->board = "host";
	bi->firmware = "none";
	bi->cmdline = "";
	bi->cpu_count = cpu_count;
	bi->mem_count = 1;
	bi->mem[0] = (struct vd_mem_region){HOST_RAM_PHYS_BASE, HOST_RAM_SIZE,
					    VD_MEM_USABLE};
	if (reserved_bytes) {
		bi->reserved_count = 1;
		bi->reserved[0] = (struct vd_mem_region){
			HOST_RAM_PHYS_BASE, reserved_bytes, VD_MEM_KERNEL};
	}
}

const char *host_console_output(void)
{
	return console_buf;
}

void host_console_clear(void)
{
	console_len = 0;
	console_buf[0] = '\0';
}

void host_console_feed(const char *s)
{
	console_in = s;
}

void host_set_time_ns(uint64_t ns)
{
	now_ns = ns;
}

void host_advance_time_ns(uint64_t ns)
{
	now_ns += ns;
}

uint64_t host_timer_deadline(void)
{
	return deadline_ns;
}

void host_set_cpu(unsigned cpu)
{
	cur_cpu = cpu;
}

void host_set_cpu_count(unsigned n)
{
	cpu_count = n;
}

/* ---- hal.h ---- */

unsigned hal_cpu_id(void)
{
	return cur_cpu;
}

unsigned hal_cpu_count(void)
{
	return cpu_count;
}

uint64_t hal_cycles(void)
{
	return cycles++;
}

/* Host tests want reproducible runs: no hardware randomness. */
bool hal_entropy(uint64_t *out)
{
	(void)out;
	return false;
}

void hal_cpu_idle(void)
{
	now_ns += 1000;
}

hal_irqstate_t hal_irq_save(void)
{
	hal_irqstate_t st = irq_on;
	irq_on = false;
	return st;
}

void hal_irq_restore(hal_irqstate_t st)
{
	irq_on = st != 0;
}

void hal_irq_local_enable(void)
{
	irq_on = true;
}

bool hal_irq_local_enabled(void)
{
	return irq_on;
}

vd_err_t hal_cpu_start(unsigned cpu)
{
	return cpu < cpu_count ? VD_OK : VD_ERR_INVALID_PARAMETER;
}

void hal_ipi_send(unsigned cpu)
{
	(void)cpu;
}

uintptr_t hal_frame_pointer(void)
{
	return (uintptr_t)__builtin_frame_address(0);
}

bool hal_unwind_frame(uintptr_t *fp, uintptr_t *pc)
{
	(void)fp;
	(void)pc;
	return false; /* host backtraces come from ASan, not from us */
}

void hal_console_putc(char c)
{
	if (console_len + 1 < sizeof(console_buf)) {
		console_buf[console_len++] = c;
		console_buf[console_len] = '\0';
	}
}

int hal_console_getc(void)
{
	if (!console_in || !*console_in)
		return -1;
	return (unsigned char)*console_in++;
}

void hal_poweroff(int status)
{
	host_poweroff_status = status;
	if (host_poweroff_jmp)
		longjmp(*host_poweroff_jmp, status + 1);
	fprintf(stderr, "hal_poweroff(%d) with no test expecting it\n%s\n",
		status, console_buf);
	abort();
}

uint64_t hal_timer_now_ns(void)
{
	return now_ns;
}

void hal_timer_set_deadline(uint64_t deadline)
{
	deadline_ns = deadline;
}

void hal_irq_unmask(unsigned irq)
{
	(void)irq;
}

void hal_irq_mask(unsigned irq)
{
	(void)irq;
}

/* User space: [0x10000, 2^47) (the host's lower half, so that a test's
 * own buffers play user memory), or a window a test set
 * (host_set_user_window). */
static vaddr_t user_base = 0x10000, user_top = (vaddr_t)1 << 47;

void host_set_user_window(vaddr_t base, vaddr_t top)
{
	user_base = base ? base : 0x10000;
	user_top = top ? top : (vaddr_t)1 << 47;
}

/* VD_USER_BASE of the host build (hal.h) */
vaddr_t host_user_base(void)
{
	return user_base;
}

vaddr_t hal_user_top(void)
{
	return user_top;
}

void hal_icache_sync(const void *va, size_t len)
{
	(void)va;
	(void)len;
}

void hal_set_kernel_stack(void *top)
{
	(void)top;
}

/* FP state: a 64-byte "area" the host tests can read back; no registers,
 * so load and unload only check their arguments. */
#define HOST_FPU_AREA 64

size_t hal_fpu_area_size(void)
{
	return HOST_FPU_AREA;
}

void hal_fpu_area_init(void *area)
{
	memset(area, 0, HOST_FPU_AREA);
}

void hal_fpu_load(struct vd_cpu_context *uctx, const void *area)
{
	assert(uctx && area);
}

void hal_fpu_unload(struct vd_cpu_context *uctx, void *area)
{
	assert(uctx && area);
}

vd_err_t hal_fpu_area_check(const void *area)
{
	return area ? VD_OK : VD_ERR_INVALID_PARAMETER;
}

void hal_user_access_begin(void)
{
}

void hal_user_access_end(void)
{
}
