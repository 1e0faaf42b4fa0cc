/*
 * x86_64 HAL ktests: helpers shared by ktest_x86_64*.c.
 */
#ifndef X86_KTEST_UTIL_H
#define X86_KTEST_UTIL_H

#include <veridian/hal.h>

/* What the last caught page fault reported to vd_page_fault. */
struct x86_kt_fault {
	bool hit;
	vaddr_t addr;
	unsigned access;
	bool from_user;
	uint64_t rip;
};
extern struct x86_kt_fault x86_kt_fault;

/* Run fn(arg) with core's page-fault test hook armed: a page fault
 * is recorded in x86_kt_fault and unwinds back here.  True if one hit. */
bool x86_kt_catch_fault(void (*fn)(void *), void *arg);

/* The raw hardware entry (PTE / 2 MiB PDE) mapping va, or 0. */
uint64_t x86_kt_raw_entry(paddr_t root, vaddr_t va);

#endif /* X86_KTEST_UTIL_H */
