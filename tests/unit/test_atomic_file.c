// SPDX-License-Identifier: GPL-2.0
/* rt_write_atomic: the new file or the old one, never half, and no
 * temporary file left, whether the write succeeds or fails. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "atomic_file.h"

struct fx {
	char dir[64], path[128];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/rttrace-atomic-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/out.json", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd))
		return -1;
	free(fx);
	return 0;
}

/* The names in dir, space-separated and sorted (2 at most here). */
static void names(const char *dir, char *out, size_t len)
{
	char a[2][256] = { "", "" };
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && n < 2)
			snprintf(a[n++], sizeof(a[0]), "%s", de->d_name);
	if (d)
		closedir(d);
	if (n == 2 && strcmp(a[0], a[1]) > 0)
		snprintf(out, len, "%s %s", a[1], a[0]);
	else
		snprintf(out, len, "%s%s%s", a[0], n == 2 ? " " : "", a[1]);
}

static void contents(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

static void test_write_and_replace(void **state)
{
	struct fx *fx = *state;
	char buf[64], tmp[160], ls[600];
	struct stat st;
	mode_t mask = umask(022);

	umask(mask);

	assert_int_equal(rt_write_atomic(fx->path, "first\n", 6), 0);
	contents(fx->path, buf, sizeof(buf));
	assert_string_equal(buf, "first\n");
	assert_int_equal(rt_write_atomic_nosync(fx->path, "second, longer\n", 15), 0);
	contents(fx->path, buf, sizeof(buf));
	assert_string_equal(buf, "second, longer\n");
	names(fx->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.json"); /* no temporary file beside it */
	/* a stale PATH.tmp (an older rttrace killed) is replaced, then gone */
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->path);
	fclose(fopen(tmp, "w"));
	assert_int_equal(rt_write_atomic(fx->path, "third\n", 6), 0);
	names(fx->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.json");
	/* an ordinary file's permissions (0666 less the umask) */
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
}

/* A write that fails half-way (here: the file size limit, as a full disk
 * would) leaves the previous version and nothing else. */
static void test_failed_write_keeps_previous(void **state)
{
	struct fx *fx = *state;
	struct rlimit old, lim = { 1000, 1000 };
	char buf[64], ls[600], *big = malloc(5000);

	memset(big, 'x', 5000);
	assert_int_equal(rt_write_atomic(fx->path, "previous\n", 9), 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	errno = 0;
	assert_int_equal(rt_write_atomic(fx->path, big, 5000), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	contents(fx->path, buf, sizeof(buf));
	assert_string_equal(buf, "previous\n");
	names(fx->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.json");
	/* and a file that did not exist stays absent */
	unlink(fx->path);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(rt_write_atomic(fx->path, big, 5000), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	names(fx->dir, ls, sizeof(ls));
	assert_string_equal(ls, "");
	free(big);
}

static void test_no_directory(void **state)
{
	struct fx *fx = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s/no/such/x.json", fx->dir);
	errno = 0;
	assert_int_equal(rt_write_atomic(path, "x", 1), -1);
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_keeps_previous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_directory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
