/*
 * virtio-rng over virtio-mmio (virtio 1.1: 4.2 the MMIO transport, 2.6
 * split virtqueues, 5.4 the entropy device), polled, for hal_entropy.
 *
 * Transport registers (version 2, "modern"; little-endian 32-bit):
 *
 *   0x000 MagicValue "virt"   0x004 Version (2)     0x008 DeviceID (4)
 *   0x010 DeviceFeatures      0x014 DeviceFeaturesSel
 *   0x020 DriverFeatures      0x024 DriverFeaturesSel
 *   0x030 QueueSel            0x034 QueueNumMax     0x038 QueueNum
 *   0x044 QueueReady          0x050 QueueNotify     0x070 Status
 *   0x080/084 QueueDesc low/high    0x090/094 QueueDriver (avail ring)
 *   0x0a0/0a4 QueueDevice (used ring)
 *
 * Legacy (version 1) transports are skipped: the boards ask QEMU for
 * modern ones (-global virtio-mmio.force-legacy=false).
 *
 * One queue of QSIZE descriptors lives in one frame with the buffer:
 *
 *   +0     desc[QSIZE]  {addr u64, len u32, flags u16, next u16}
 *   +0x100 avail        {flags u16, idx u16, ring[QSIZE] u16}
 *   +0x200 used         {flags u16, idx u16, ring[QSIZE] {id u32, len u32}}
 *   +0x400 buffer       the device writes the random bytes here
 *
 * Matched as a "virtio,mmio" node whose transport reports device id 4.
 * A read posts one device-writable descriptor for 8 bytes, notifies, and
 * polls the used ring (no interrupt: avail.flags asks for none).  The
 * device is cache-coherent; io_wmb orders the ring updates before the
 * notify (a device access: RISC-V's FENCE needs its O bit for that,
 * AArch64 the outer-shareable DMB), io_rmb the used index before the
 * buffer.  A device that does not answer in time is reset and given up
 * (its queue could not be reused safely while it might still write).
 */
#include <arch/cpu.h>
#include <hal/driver.h>
#include <veridian/hal.h>
#include <veridian/printf.h>
#include <veridian/smp.h>
#include <veridian/spinlock.h>

#define VIRTIO_MAGIC	     0x74726976u /* "virt" */
#define VIRTIO_ID_ENTROPY    4
#define VIRTIO_F_VERSION_1   1u /* bit 32: bit 0 of feature word 1 */
#define STATUS_ACKNOWLEDGE   1u
#define STATUS_DRIVER	     2u
#define STATUS_DRIVER_OK     4u
#define STATUS_FEATURES_OK   8u
#define STATUS_FAILED	     128u
#define DESC_F_WRITE	     2u
#define AVAIL_F_NO_INTERRUPT 1u

enum {
	R_MAGIC = 0x000,
	R_VERSION = 0x004,
	R_DEVICE_ID = 0x008,
	R_DEV_FEATURES = 0x010,
	R_DEV_FEATURES_SEL = 0x014,
	R_DRV_FEATURES = 0x020,
	R_DRV_FEATURES_SEL = 0x024,
	R_QUEUE_SEL = 0x030,
	R_QUEUE_NUM_MAX = 0x034,
	R_QUEUE_NUM = 0x038,
	R_QUEUE_READY = 0x044,
	R_QUEUE_NOTIFY = 0x050,
	R_STATUS = 0x070,
	R_QUEUE_DESC = 0x080,
	R_QUEUE_DRIVER = 0x090,
	R_QUEUE_DEVICE = 0x0a0,
};

#define QSIZE	   4
#define OFF_AVAIL  0x100
#define OFF_USED   0x200
#define OFF_BUFFER 0x400
#define POLL_LIMIT 10000000u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[QSIZE];
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct {
		uint32_t id;
		uint32_t len;
	} ring[QSIZE];
};

static volatile uint32_t *rng_regs; /* the device found, or NULL */
static paddr_t rng_frame;	    /* its queue and buffer, once set up */
static bool rng_broken;		    /* setup failed: do not retry */
static uint16_t rng_used_seen;
static struct vd_spinlock rng_lock = VD_SPINLOCK_INIT;

/* The barriers are the arch's (arch/cpu.h). */
#define io_wmb arch_io_wmb
#define io_rmb arch_io_rmb

static uint32_t rd(volatile uint32_t *regs, unsigned off)
{
	return regs[off / 4];
}

static void wr(volatile uint32_t *regs, unsigned off, uint32_t v)
{
	regs[off / 4] = v;
}

static void wr64(volatile uint32_t *regs, unsigned off, uint64_t v)
{
	wr(regs, off, (uint32_t)v);
	wr(regs, off + 4, (uint32_t)(v >> 32));
}

/* A virtio,mmio transport is a virtio-rng if its device id says so (the
 * DTB lists every transport, most of them empty: device id 0). */
static vd_err_t virtio_rng_probe(struct vd_device *dev)
{
	if (dev->size < 0x100)
		return VD_ERR_NOT_FOUND;
	volatile uint32_t *regs = hal_map_device(dev->base, dev->size);
	if (rd(regs, R_MAGIC) != VIRTIO_MAGIC ||
	    rd(regs, R_DEVICE_ID) != VIRTIO_ID_ENTROPY)
		return VD_ERR_NOT_FOUND;
	if (rd(regs, R_VERSION) != 2) {
		kprintf("virtio-rng at 0x%llx: legacy transport, not used\n",
			(unsigned long long)dev->base);
		return VD_ERR_NOT_FOUND;
	}
	rng_regs = regs;
	return VD_OK;
}

/* Reset, negotiate VERSION_1 only, give queue 0 its rings, go (4.2.3). */
static bool rng_setup_locked(void)
{
	VD_ASSERT_HELD(&rng_lock);
	volatile uint32_t *r = rng_regs;
	paddr_t frame = vd_pt_frame_alloc(); /* zeroed */

	if (!frame)
		return false;
	wr(r, R_STATUS, 0);
	wr(r, R_STATUS, STATUS_ACKNOWLEDGE);
	wr(r, R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	wr(r, R_DEV_FEATURES_SEL, 1);
	if (!(rd(r, R_DEV_FEATURES) & VIRTIO_F_VERSION_1))
		goto fail; /* a modern transport offers it */
	wr(r, R_DRV_FEATURES_SEL, 1);
	wr(r, R_DRV_FEATURES, VIRTIO_F_VERSION_1);
	wr(r, R_DRV_FEATURES_SEL, 0);
	wr(r, R_DRV_FEATURES, 0);
	wr(r, R_STATUS,
	   STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	if (!(rd(r, R_STATUS) & STATUS_FEATURES_OK))
		goto fail;
	wr(r, R_QUEUE_SEL, 0);
	if (rd(r, R_QUEUE_READY) != 0 || rd(r, R_QUEUE_NUM_MAX) < QSIZE)
		goto fail;
	wr(r, R_QUEUE_NUM, QSIZE);
	wr64(r, R_QUEUE_DESC, frame);
	wr64(r, R_QUEUE_DRIVER, frame + OFF_AVAIL);
	wr64(r, R_QUEUE_DEVICE, frame + OFF_USED);
	struct virtq_avail *avail =
		(struct virtq_avail *)((char *)vd_phys_to_virt(frame) +
				       OFF_AVAIL);
	avail->flags = AVAIL_F_NO_INTERRUPT;
	io_wmb();
	wr(r, R_QUEUE_READY, 1);
	wr(r, R_STATUS,
	   STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK |
		   STATUS_DRIVER_OK);
	rng_frame = frame;
	return true;
fail:
	wr(r, R_STATUS, STATUS_FAILED);
	vd_pt_frame_free(frame);
	return false;
}

/* Post the buffer for 8 bytes and wait for the device to fill it. */
static bool rng_read_locked(uint64_t *out)
{
	VD_ASSERT_HELD(&rng_lock);
	char *q = vd_phys_to_virt(rng_frame);
	struct virtq_desc *desc = (struct virtq_desc *)q;
	struct virtq_avail *avail = (struct virtq_avail *)(q + OFF_AVAIL);
	volatile struct virtq_used *used =
		(volatile struct virtq_used *)(q + OFF_USED);

	desc[0] = (struct virtq_desc){
		.addr = rng_frame + OFF_BUFFER,
		.len = sizeof(uint64_t),
		.flags = DESC_F_WRITE,
	};
	avail->ring[avail->idx % QSIZE] = 0;
	io_wmb();
	avail->idx++;
	io_wmb();
	wr(rng_regs, R_QUEUE_NOTIFY, 0);
	for (uint32_t i = 0; used->idx == rng_used_seen; i++) {
		if (i == POLL_LIMIT) {
			/* the request may still be the device's: stop it
			 * (reset) before its memory could be reused */
			wr(rng_regs, R_STATUS, 0);
			rng_broken = true;
			return false;
		}
		vd_cpu_relax(); /* answer TLB shootdowns meanwhile */
	}
	io_rmb();
	uint32_t id = used->ring[rng_used_seen % QSIZE].id;
	uint32_t len = used->ring[rng_used_seen % QSIZE].len;
	rng_used_seen++;
	if (id != 0 || len != sizeof(uint64_t))
		return false;
	*out = *(volatile uint64_t *)(q + OFF_BUFFER);
	return true;
}

static bool virtio_rng_read(uint64_t *out)
{
	bool ok = false;

	if (!rng_regs)
		return false;
	hal_irqstate_t st = vd_spin_lock_irqsave(&rng_lock);
	if (!rng_frame && !rng_broken && !rng_setup_locked())
		rng_broken = true;
	if (rng_frame && !rng_broken)
		ok = rng_read_locked(out);
	vd_spin_unlock_irqrestore(&rng_lock, st);
	return ok;
}

static const char *const virtio_rng_match[] = {"virtio,mmio", NULL};
static const struct vd_entropy_ops virtio_rng_ops = {.read = virtio_rng_read};

/* Below a CPU instruction (RDRAND, RNDR), which needs no device. */
VD_DRIVER(virtio_rng_driver) = {
	.name = "virtio-rng",
	.role = VD_ROLE_ENTROPY,
	.priority = 10,
	.compatible = virtio_rng_match,
	.probe = virtio_rng_probe,
	.ops = &virtio_rng_ops,
};
