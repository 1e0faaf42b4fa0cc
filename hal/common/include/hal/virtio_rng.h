/*
 * A virtio entropy device (virtio-rng) on a virtio-mmio transport, for
 * hal_entropy on boards whose CPU has no random number generator
 * (hal/common/kernel/virtio_rng.c).  Shared by the AArch64 and RISC-V
 * HALs: QEMU's virt machines have virtio-mmio transports in the DTB.
 */
#ifndef HAL_VIRTIO_RNG_H
#define HAL_VIRTIO_RNG_H

#include <hal/fdt.h>
#include <veridian/types.h>

/* The HAL's way to map device registers (uncached) into the kernel. */
typedef void *(*virtio_map_fn)(paddr_t pa, uint64_t size);

/* At boot: look through the DTB's "virtio,mmio" nodes for an entropy
 * device, mapping each with map, and remember the first one found. */
void virtio_rng_find(const struct fdt *f, virtio_map_fn map);
/* Was one found? */
bool virtio_rng_present(void);
/* One 64-bit word from it: false if there is none or it does not answer.
 * The first call sets the device up (its queue and buffer take one frame
 * of vd_pt_frame_alloc, so core's memory must be up). */
bool virtio_rng_read(uint64_t *out);

#endif /* HAL_VIRTIO_RNG_H */
