// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for the overhead benchmark: tp_btf programs on the two hot
 * scheduler tracepoints that do nothing.  Whatever one of these costs per
 * event (trampoline + bpf_stats accounting) every tracer on the same hook
 * pays too.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_switch")
int empty_switch(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int empty_wakeup(void *ctx)
{
	return 0;
}
