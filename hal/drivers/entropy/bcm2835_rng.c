/*
 * The BCM2835 hardware random number generator ("brcm,bcm2835-rng";
 * Raspberry Pi 1-3, QEMU raspi machines), polled, for hal_entropy.
 *
 * Registers (32-bit), offsets from its reg (VideoCore 0x7e104000, ARM
 * 0x3f104000 on the BCM2837):
 *   0x00 CTRL    bit 0 RBGEN: generator on
 *   0x04 STATUS  [31:24] 32-bit words waiting in the FIFO; writing [19:0]
 *                sets how many words to throw away after enabling (the
 *                generator's warm-up)
 *   0x08 DATA    the next word of the FIFO
 * Its interrupt is never unmasked: reads poll STATUS, bounded, and fail
 * (hal_entropy false) rather than wait forever on a generator that
 * stopped.
 */
#include <hal/driver.h>
#include <veridian/spinlock.h>

#define RNG_CTRL	    0x00
#define RNG_STATUS	    0x04
#define RNG_DATA	    0x08
#define RNG_CTRL_RBGEN	    1u
#define RNG_STATUS_WORDS_SH 24
#define RNG_WARMUP_WORDS    0x40000u /* fits STATUS[19:0] */
#define RNG_WINDOW	    0x0c
#define POLL_LIMIT	    1000000u

static volatile uint32_t *rng;
static struct vd_spinlock rng_lock = VD_SPINLOCK_INIT;

static vd_err_t bcm2835_rng_probe(struct vd_device *dev)
{
	if (!dev->base || (dev->size && dev->size < RNG_WINDOW))
		return VD_ERR_NOT_FOUND;
	rng = hal_map_device(dev->base, RNG_WINDOW);
	if (!(rng[RNG_CTRL / 4] & RNG_CTRL_RBGEN)) {
		rng[RNG_STATUS / 4] = RNG_WARMUP_WORDS;
		rng[RNG_CTRL / 4] = RNG_CTRL_RBGEN;
	}
	return VD_OK;
}

/* One FIFO word, waiting a bounded time for it. */
static bool read_word(uint32_t *out)
{
	VD_ASSERT_HELD(&rng_lock);
	for (uint32_t i = 0; !(rng[RNG_STATUS / 4] >> RNG_STATUS_WORDS_SH); i++)
		if (i == POLL_LIMIT)
			return false;
	*out = rng[RNG_DATA / 4];
	return true;
}

static bool bcm2835_rng_read(uint64_t *out)
{
	uint32_t lo, hi;

	hal_irqstate_t st = vd_spin_lock_irqsave(&rng_lock);
	bool ok = read_word(&lo) && read_word(&hi);
	vd_spin_unlock_irqrestore(&rng_lock, st);
	if (ok)
		*out = (uint64_t)hi << 32 | lo;
	return ok;
}

static const char *const bcm2835_rng_match[] = {"brcm,bcm2835-rng", NULL};
static const struct vd_entropy_ops bcm2835_rng_ops = {
	.read = bcm2835_rng_read,
};

/* Below a CPU instruction (RNDR), which needs no device. */
VD_DRIVER(bcm2835_rng_driver) = {
	.name = "bcm2835-rng",
	.role = VD_ROLE_ENTROPY,
	.priority = 10,
	.compatible = bcm2835_rng_match,
	.probe = bcm2835_rng_probe,
	.ops = &bcm2835_rng_ops,
};
