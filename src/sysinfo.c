// SPDX-License-Identifier: GPL-2.0
/* Kernel release, machine, preemption model and CPUs, for the reports. */
#include <stdio.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <stdbool.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "sysinfo.h"

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* PREEMPT_DYNAMIC kernels name the active model in debugfs as "(full)". */
static int dynamic_model(char *out, size_t len)
{
	char buf[128], *l, *r;

	if (read_line("/sys/kernel/debug/sched/preempt", buf, sizeof(buf)))
		return -1;
	l = strchr(buf, '(');
	r = l ? strchr(l, ')') : NULL;
	if (!l || !r)
		return -1;
	*r = 0;
	snprintf(out, len, "PREEMPT_DYNAMIC(%s)", l + 1);
	return 0;
}

/* KVM advertises steal time to its guest in its CPUID leaves: signature
 * "KVMKVMKVM" at 0x40000000, KVM_FEATURE_STEAL_TIME (bit 5) at 0x40000001
 * (Documentation/virt/kvm/x86/cpuid.rst). */
static bool kvm_steal_time(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;
	char sig[13];

	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	if (strcmp(sig, "KVMKVMKVM") || a < 0x40000001)
		return false;
	__cpuid(0x40000001, a, b, c, d);
	return a & (1u << 5);
#else
	return false;
#endif
}

/* Any steal accounted so far (/proc/stat, the cpu line's 8th value). */
static bool steal_accounted(void)
{
	unsigned long long v[8] = { 0 };
	char line[512];

	if (read_line("/proc/stat", line, sizeof(line)) ||
	    sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		return false;
	return v[7] > 0;
}

void rt_sysinfo_read(struct rt_sysinfo *si)
{
	struct utsname u;
	char rt[8] = "";

	memset(si, 0, sizeof(*si));
	uname(&u);
	snprintf(si->kernel, sizeof(si->kernel), "%s", u.release);
	snprintf(si->machine, sizeof(si->machine), "%s", u.machine);
	si->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if ((!read_line("/sys/kernel/realtime", rt, sizeof(rt)) && rt[0] == '1') ||
	    strstr(u.version, "PREEMPT_RT"))
		snprintf(si->preempt_model, sizeof(si->preempt_model), "PREEMPT_RT");
	else if (strstr(u.version, "PREEMPT_DYNAMIC")) {
		if (dynamic_model(si->preempt_model, sizeof(si->preempt_model)))
			snprintf(si->preempt_model, sizeof(si->preempt_model), "PREEMPT_DYNAMIC");
	} else if (strstr(u.version, "PREEMPT"))
		snprintf(si->preempt_model, sizeof(si->preempt_model), "PREEMPT");
	else
		snprintf(si->preempt_model, sizeof(si->preempt_model), "NONE");
	si->steal_clock = kvm_steal_time() ? "kvm" : steal_accounted() ? "paravirt" : NULL;
}
