/*
 * Shared set-up for the host suites that read a compiled test tree
 * (test_fdt*, test_driver): cmake/host.cmake compiles every
 * tests/host/data/NAME.dts into VD_TEST_DATA_DIR/NAME.dtb.
 */
#ifndef TESTS_HOST_DTB_FIXTURE_H
#define TESTS_HOST_DTB_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif /* TESTS_HOST_DTB_FIXTURE_H */
