/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_DURATION_H
#define RTTRACE_DURATION_H

#include <stdint.h>

/* A bare number (no unit) is seconds for -d, and an error for SLO bounds:
 * a bound of "500" is too easy to misread as µs or ns. */
enum rt_dur_flags {
	RT_DUR_BARE_SECONDS = 0x1,
};

/*
 * Parse "1.5ms", "250us", "10s", "2m" into nanoseconds.  Units: ns, us
 * (or µs), ms, s, m, h.  Returns 0, or -1 with *why set to a short reason.
 */
int rt_parse_duration(const char *s, int flags, uint64_t *ns, const char **why);

/* Format ns in a human unit ("812 ns", "3.21 us", "1.65 ms", "2.00 s"). */
char *rt_fmt_duration(uint64_t ns, char *buf, int len);

#endif
