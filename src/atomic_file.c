// SPDX-License-Identifier: GPL-2.0
/*
 * Output files written atomically (atomic_file.h).
 *
 * The text goes to an unnamed file in the target's directory (O_TMPFILE):
 * if rttrace dies while writing it -- kill -9, a full disk -- the kernel
 * frees it and nothing is left behind.  Complete (and, unless told not
 * to, synced), it gets the name PATH.tmp (linkat) and is renamed over
 * PATH.  Only a kill in between those two calls leaves a PATH.tmp, and
 * that one is complete; the next write replaces it.  A file system
 * without O_TMPFILE gets PATH.tmp from the start (a kill while writing
 * then leaves a partial PATH.tmp, never a partial PATH).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "atomic_file.h"
#include "test_hook.h"

static int write_full(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An unnamed file in path's directory, or -1 (errno set; EOPNOTSUPP and
 * the like: the file system has no O_TMPFILE). */
static int open_unnamed(const char *path)
{
	char *copy = strdup(path);
	int fd, saved;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	saved = errno;
	free(copy);
	errno = saved;
	return fd;
}

/* Give the unnamed file fd the name tmp (replacing a stale one). */
static int link_unnamed(int fd, const char *tmp)
{
	char proc[64];
	int tries;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (tries = 0; tries < 2; tries++) {
		if (!linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW))
			return 0;
		/* no /proc: the same with AT_EMPTY_PATH (needs privilege before 6.10) */
		if (errno == ENOENT && !linkat(fd, "", AT_FDCWD, tmp, AT_EMPTY_PATH))
			return 0;
		if (errno != EEXIST || unlink(tmp))
			return -1;
	}
	return -1;
}

static int write_atomic(const char *path, const char *text, size_t len, bool sync)
{
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	bool named = false;
	int fd, saved;

	if (!tmp) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, n, "%s.tmp", path);
	fd = open_unnamed(path);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* no O_TMPFILE here (EISDIR: a kernel before 3.11) */
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		named = fd >= 0;
	}
	if (fd < 0)
		goto fail;
	/* Every step is checked: a full disk shows at write() or at fsync()
	 * (close() too, on network file systems). */
	if (write_full(fd, text, len / 2))
		goto fail;
	rt_test_stop_at("write"); /* half written: nothing at PATH may show it */
	if (write_full(fd, text + len / 2, len - len / 2) || (sync && fsync(fd)))
		goto fail;
	if (!named && link_unnamed(fd, tmp))
		goto fail;
	named = true;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path))
		goto fail;
	free(tmp);
	return 0;
fail:
	saved = errno ? errno : EIO;
	if (fd >= 0)
		close(fd); /* an unnamed file goes with its last descriptor */
	if (named)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}

int rt_write_atomic(const char *path, const char *text, size_t len)
{
	return write_atomic(path, text, len, true);
}

int rt_write_atomic_nosync(const char *path, const char *text, size_t len)
{
	return write_atomic(path, text, len, false);
}
