// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "duration.h"

static const struct {
	const char *name;
	double ns;
} units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
	{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
};

int rt_parse_duration(const char *s, int flags, uint64_t *ns, const char **why)
{
	const char *p = s;
	double mult = 0, v;
	char *end;
	size_t i;

	if (!s || !*s) {
		*why = "empty duration";
		return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-') {
		*why = "a duration cannot be negative";
		return -1;
	}
	if (!isdigit((unsigned char)*p) && *p != '.') {
		*why = "not a number";
		return -1;
	}
	errno = 0;
	v = strtod(p, &end);
	if (errno || end == p || !isfinite(v)) {
		*why = "not a number";
		return -1;
	}
	if (!*end) {
		if (v == 0) {
			*ns = 0;
			return 0;
		}
		if (!(flags & RT_DUR_BARE_SECONDS)) {
			*why = "missing unit (use ns, us, ms or s, e.g. 500us)";
			return -1;
		}
		mult = 1e9;
	} else {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(end, units[i].name))
				mult = units[i].ns;
		if (!mult) {
			*why = "unknown unit (use ns, us, ms, s, m or h)";
			return -1;
		}
	}
	v *= mult;
	if (v >= 1.8e19) {
		*why = "duration too large";
		return -1;
	}
	*ns = (uint64_t)llround(v);
	return 0;
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
