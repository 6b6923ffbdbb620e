/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_DURATION_H
#define RTTRACE_DURATION_H

/*
 * Durations: the one parser of the project.  rttrace (src/cli.c, ...) and
 * the workload programs (workloads/common.h includes this header by its
 * relative path) both use rt_parse_duration_unit(), so "1.5ms" means the
 * same thing on both sides of a test.  It is header-only and needs libc
 * alone (no libm, no other rttrace file): each workload still builds with
 * one `cc -O2 -Wall -Wextra -pthread -o X workloads/X.c`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RT_NSEC_PER_MSEC 1000000ULL
#define RT_NSEC_PER_SEC  1000000000ULL

/*
 * Parse "<number>[unit]" into nanoseconds: "1.5ms", "250us", "10s", "2m".
 * Units: ns, us (or µs), ms, s, m, h.  Decimals work ("0.5ms", "1.5s").
 * bare_unit_ns is what a number without a unit counts in: RT_NSEC_PER_SEC
 * for rttrace's -d, RT_NSEC_PER_MSEC for the workloads, 0 to refuse it
 * (SLO bounds: "500" is too easy to misread as µs or ns); "0" is accepted
 * whatever bare_unit_ns is.
 * Returns 0, or -1 with *why set to a short reason.
 */
static inline int rt_parse_duration_unit(const char *s, uint64_t bare_unit_ns, uint64_t *ns,
					 const char **why)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
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
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		/* strtod reads hex (0x10 = 16): nobody means that */
		*why = "not a decimal number";
		return -1;
	}
	errno = 0;
	v = strtod(p, &end);
	if (errno || end == p || v != v || v > 1e300) {
		*why = "not a number";
		return -1;
	}
	if (!*end) {
		if (v == 0) {
			*ns = 0;
			return 0;
		}
		if (!bare_unit_ns) {
			*why = "missing unit (use ns, us, ms or s, e.g. 500us)";
			return -1;
		}
		mult = (double)bare_unit_ns;
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
	if (v > 0 && v < 0.5) {
		/* would round to 0: for a bound, every sample a violation */
		*why = "below 1 ns";
		return -1;
	}
	*ns = (uint64_t)(v + 0.5);
	return 0;
}

/* rttrace's options: a bare number is seconds for -d, and an error for SLO
 * bounds. */
enum rt_dur_flags {
	RT_DUR_BARE_SECONDS = 0x1,
};

/* rt_parse_duration_unit() with bare seconds (RT_DUR_BARE_SECONDS) or no
 * bare numbers (0). */
int rt_parse_duration(const char *s, int flags, uint64_t *ns, const char **why);

/* Format ns in a human unit ("812 ns", "3.21 us", "1.65 ms", "2.00 s"). */
char *rt_fmt_duration(uint64_t ns, char *buf, int len);

#endif
