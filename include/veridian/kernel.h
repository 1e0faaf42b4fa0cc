/*
 * Veridian: kernel start-up sequence and global kernel services that do
 * not belong to one subsystem header.
 */
#ifndef VERIDIAN_KERNEL_H
#define VERIDIAN_KERNEL_H

#include <veridian/hal.h>

/* Boot steps, in the order vd_kmain calls them. */
void vd_mm_init(const struct vd_boot_info *bi);
void vd_timer_init(void);     /* boot CPU: start the periodic tick */
void vd_timer_init_cpu(void); /* each secondary CPU */
void vd_smp_init(const struct vd_boot_info *bi);
void vd_start_userspace(void); /* normal image: start init */

/* CPUs that have reached vd_kmain / vd_kmain_secondary. */
unsigned vd_cpus_online(void);
/* Has logical CPU `cpu` reached vd_kmain(_secondary)? */
bool vd_cpu_checked_in(unsigned cpu);

/* Scheduler tick period and the per-CPU tick counter. */
#define VD_TICK_NS 10000000ull /* 10 ms */
uint64_t vd_ticks(unsigned cpu);

#endif /* VERIDIAN_KERNEL_H */
