// SPDX-License-Identifier: GPL-2.0
/* Output files written atomically (atomic_file.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "atomic_file.h"

int rt_write_atomic(const char *path, const char *text, size_t len)
{
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	int err = 0, saved;
	FILE *f;

	if (!tmp) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, n, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		free(tmp);
		return -1;
	}
	if (fwrite(text, 1, len, f) != len) {
		saved = errno ? errno : EIO;
		fclose(f);
		errno = saved;
		err = -1;
	} else if (fclose(f) || rename(tmp, path)) {
		err = -1;
	}
	if (err) {
		saved = errno;
		unlink(tmp);
		errno = saved;
	}
	free(tmp);
	return err;
}
