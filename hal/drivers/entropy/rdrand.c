/*
 * x86 RDRAND: the CPU's own random number generator (SDM vol. 1,
 * 7.3.17), detected by CPUID leaf 1 ECX bit 30.  RDRAND sets CF when it
 * delivered a number; it may run dry for a moment, so it is retried a
 * few times, as the SDM suggests (vol. 1, 7.3.17.1).
 */
#include <arch/cpu.h>
#include <hal/driver.h>

#define RDRAND_RETRIES 10

static bool rdrand_detect(const struct vd_probe_env *env)
{
	(void)env;
	return x86_cpuid(1, 0).ecx & X86_CPUID_1_ECX_RDRAND;
}

static vd_err_t rdrand_probe(struct vd_device *dev)
{
	(void)dev;
	return VD_OK;
}

static bool rdrand_read(uint64_t *out)
{
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		uint64_t v;
		bool ok;
		__asm__ volatile("rdrand %0" : "=r"(v), "=@ccc"(ok));
		if (ok) {
			*out = v;
			return true;
		}
	}
	return false;
}

static const struct vd_entropy_ops rdrand_ops = {.read = rdrand_read};

/* Above a device (virtio-rng): an instruction needs nothing set up. */
VD_DRIVER(rdrand_driver) = {
	.name = "rdrand",
	.role = VD_ROLE_ENTROPY,
	.priority = 20,
	.detect = rdrand_detect,
	.probe = rdrand_probe,
	.ops = &rdrand_ops,
};
