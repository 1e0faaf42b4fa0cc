/*
 * Shared set-up for the host suites that read a compiled test tree
 * (test_fdt*, test_driver): cmake/host.cmake compiles every
 * tests/host/data/NAME.dts into VD_TEST_DATA_DIR/NAME.dtb.
 */
#ifndef TESTS_HOST_DTB_FIXTURE_H
#define TESTS_HOST_DTB_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The whole file at `path` in a malloc'ed buffer (the caller frees it),
 * its size in *len if len is not NULL; NULL if it cannot be read. */
static inline uint8_t *dtb_load(const char *path, size_t *len)
{
	FILE *in = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!in)
		return NULL;
	if (fseek(in, 0, SEEK_END) == 0 && (n = ftell(in)) > 0 &&
	    fseek(in, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, in) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf && len)
			*len = (size_t)n;
	}
	fclose(in);
	return buf;
}

/*
 * Compile a tree made at run time: `fmt` (dts source with one %s) filled
 * with `arg`, through dtc, into out[0..room).  False if dtc did not run
 * or the blob does not fit.  For suites that vary one node per test.
 */
static inline bool dtb_compile(const char *fmt, const char *arg, uint8_t *out,
			       size_t room)
{
	char dts[] = "/tmp/vd-host-dts-XXXXXX";
	int fd = mkstemp(dts);
	if (fd < 0)
		return false;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(dts);
		return false;
	}
	fprintf(f, fmt, arg);
	fclose(f);
	char dtb[sizeof(dts) + 4], cmd[256];
	snprintf(dtb, sizeof(dtb), "%s.dtb", dts);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s %s", dtb, dts);
	bool ok = system(cmd) == 0;
	unlink(dts);
	FILE *in = ok ? fopen(dtb, "rb") : NULL;
	size_t n = in ? fread(out, 1, room, in) : 0;
	if (in)
		fclose(in);
	unlink(dtb);
	return ok && n > 0 && n < room;
}

#endif /* TESTS_HOST_DTB_FIXTURE_H */
