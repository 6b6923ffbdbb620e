/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_SYSINFO_H
#define RTTRACE_SYSINFO_H

/* System facts for the report header (and the loader's PREEMPT_RT checks). */
struct rt_sysinfo {
	char kernel[128];        /* uname release */
	char machine[65];        /* uname machine */
	char preempt_model[32];  /* PREEMPT_RT, PREEMPT_DYNAMIC(full), PREEMPT, NONE */
	int cpus;                /* online */
};

void rt_sysinfo_read(struct rt_sysinfo *si);

#endif
