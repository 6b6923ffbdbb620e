// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "duration.h"

/* The parser itself is rt_parse_duration_unit() in duration.h, shared with
 * the workload programs. */
int rt_parse_duration(const char *s, int flags, uint64_t *ns, const char **why)
{
	return rt_parse_duration_unit(s, (flags & RT_DUR_BARE_SECONDS) ? RT_NSEC_PER_SEC : 0, ns, why);
}

char *rt_fmt_duration(uint64_t ns, char *buf, int len)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}
