/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_ATOMIC_FILE_H
#define RTTRACE_ATOMIC_FILE_H

#include <stddef.h>

/* Write len bytes of text to path through PATH.tmp renamed over it, so a
 * reader sees the old file or the new one, never half of one.  0, or -1
 * with errno set (nothing printed; the temporary file is removed). */
int rt_write_atomic(const char *path, const char *text, size_t len);

#endif
