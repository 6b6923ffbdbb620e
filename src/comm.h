/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_COMM_H
#define RTTRACE_COMM_H

#include <stddef.h>

/* A task's comm is whatever bytes it set (prctl, exec name): every report
 * (text, JSON, Prometheus, Perfetto, -i summaries) shows it as valid UTF-8.
 * Copies at most len bytes of comm into out (outlen bytes, terminated);
 * invalid bytes become U+FFFD.  An out of RT_COMM_UTF8_LEN bytes never
 * cuts a comm. */
void rt_comm_utf8(const char *comm, size_t len, char *out, size_t outlen);

/* The size of out that always holds a converted comm (each byte may become
 * the 3 bytes of U+FFFD), terminator included. */
#define RT_COMM_UTF8_LEN 64

#endif
