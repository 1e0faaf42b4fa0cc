/*
 * RNDR (FEAT_RNG, Armv8.5), for the entropy role: a system register that
 * reads a random number.  Detected by ID_AA64ISAR0_EL1.RNDR ([63:60],
 * nonzero when the register exists; QEMU -cpu max has it).  Ranked above
 * virtio-rng: no device, no driver state.
 *
 * A read returns the number and clears PSTATE.NZCV, or returns 0 with
 * Z set when none was ready in reasonable time; it is retried a few
 * times.  Its encoding is S3_3_C2_C4_0 (the assembler knows the name
 * only with +rng).
 */
#include <arch/cpu.h>
#include <hal/driver.h>

#define RNDR_TRIES 10

static bool rndr_detect(const struct vd_probe_env *env)
{
	(void)env;
	return a64_id_field(a64_read_sysreg(id_aa64isar0_el1),
			    A64_ISAR0_RNDR_SHIFT) != 0;
}

static vd_err_t rndr_probe(struct vd_device *dev)
{
	(void)dev;
	return VD_OK;
}

static bool rndr_read(uint64_t *out)
{
	for (int i = 0; i < RNDR_TRIES; i++) {
		uint64_t v, ok;
		__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne"
				 : "=r"(v), "=r"(ok)
				 :
				 : "cc");
		if (ok) {
			*out = v;
			return true;
		}
	}
	return false;
}

static const struct vd_entropy_ops rndr_ops = {.read = rndr_read};

VD_DRIVER(rndr_driver) = {
	.name = "rndr",
	.role = VD_ROLE_ENTROPY,
	.priority = 20,
	.detect = rndr_detect,
	.probe = rndr_probe,
	.ops = &rndr_ops,
};
