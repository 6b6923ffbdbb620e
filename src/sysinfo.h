/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_SYSINFO_H
#define RTTRACE_SYSINFO_H

/* System facts for the report header (and the loader's PREEMPT_RT checks). */
struct rt_sysinfo {
	char kernel[128];        /* uname release */
	char machine[65];        /* uname machine */
	char preempt_model[32];  /* PREEMPT_RT, PREEMPT_DYNAMIC(full), PREEMPT, NONE */
	int cpus;                /* online */
	/* The hypervisor steal clock the kernel accounts, which the capture
	 * reads (rq.prev_steal_time_rq): "kvm" (KVM steal time, x86),
	 * "paravirt" (another one: arm64 PV stolen time, Xen, Hyper-V),
	 * NULL when none shows (bare metal, or no steal accounted yet). */
	const char *steal_clock;
};

void rt_sysinfo_read(struct rt_sysinfo *si);

#endif
