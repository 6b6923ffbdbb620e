/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_ATOMIC_FILE_H
#define RTTRACE_ATOMIC_FILE_H

#include <stddef.h>

/* Write len bytes of text to path atomically: a reader, and a kill -9 or
 * a full disk at any point, leave the old file or the new one, never half
 * of one.  Written to an unnamed file in path's directory, synced, then
 * named PATH.tmp and renamed over path (atomic_file.c).  0, or -1 with
 * errno set (nothing printed; no temporary file left). */
int rt_write_atomic(const char *path, const char *text, size_t len);

/* The same without the fsync: for a file rewritten often (Prometheus,
 * every interval), where the rename alone is what readers need and a
 * device should not flush its flash each time. */
int rt_write_atomic_nosync(const char *path, const char *text, size_t len);

#endif
