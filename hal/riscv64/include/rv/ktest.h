/*
 * Helpers shared by the RISC-V HAL ktests (ktest_riscv64*.c).
 */
#ifndef RV_KTEST_H
#define RV_KTEST_H

#include <veridian/hal.h>

/* The last fault rv_ktest_faults caught. */
struct rv_fault_record {
	vaddr_t addr;
	unsigned access;
	bool from_user;
	uint64_t pc;
};
extern struct rv_fault_record rv_ktest_fault;

/* Run fn(arg); true if it took a page fault (recorded in rv_ktest_fault,
 * fn abandoned at that point). */
bool rv_ktest_faults(void (*fn)(uintptr_t), uintptr_t arg);

/* The raw Sv39 leaf entry mapping va (0 if none). */
uint64_t rv_ktest_raw_pte(paddr_t root, vaddr_t va);

/* One zeroed frame from core's allocator (0 if none). */
paddr_t rv_ktest_frame(void);

#endif /* RV_KTEST_H */
