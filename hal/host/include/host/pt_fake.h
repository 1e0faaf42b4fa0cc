/*
 * The fake MMU behind hal_pt_* in the host test build (hal/host/pt_fake.c).
 *
 * Tables are real 4 KiB frames from vd_pt_frame_alloc in the fake RAM, so
 * a test sees intermediate tables in vd_memory_stats and catches leaks.
 * Tests can also play the hardware: host_pt_access performs a load, store
 * or instruction fetch through a page table, with the permission checks
 * and accessed/dirty updates an MMU would do.
 */
#ifndef HOST_PT_FAKE_H
#define HOST_PT_FAKE_H

#include <veridian/hal.h>

/* Forget the kernel root and the active root (call after vd_mm_init: the
 * old tables vanished with the frame allocator's state). */
void host_pt_reset(void);

/*
 * Access va through `root` as the MMU would: access is VD_FAULT_READ,
 * VD_FAULT_WRITE or VD_FAULT_EXEC; user says whether the access is from
 * user mode.  On success sets ACCESSED (and DIRTY on a write) in the entry
 * and returns the physical address in *pa_out.
 * VD_ERR_MEM_NOT_MAPPED: no mapping, or one without VD_PTE_PRESENT;
 * VD_ERR_MEM_FAULT: write to a read-only page, user access to a kernel
 * page, fetch from a no-execute page.
 */
vd_err_t host_pt_access(paddr_t root, vaddr_t va, unsigned access, bool user,
			paddr_t *pa_out);

/* Number of hal_tlb_flush_page / hal_tlb_flush_all calls so far, and the
 * last address flushed by hal_tlb_flush_page. */
unsigned long host_tlb_flush_count(void);
vaddr_t host_tlb_last_flush(void);

/* Root last passed to hal_pt_activate (0 if none). */
paddr_t host_pt_active(void);

#endif /* HOST_PT_FAKE_H */
