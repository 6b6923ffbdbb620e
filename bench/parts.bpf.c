// SPDX-License-Identifier: GPL-2.0
/*
 * Building blocks of a scheduler tracer, each its own program on the same
 * hook so bpf_stats prices them separately in one run (benchmark only).
 *   pt_sw_empty    nothing (the floor, again, next to the others)
 *   pt_sw_ts_miss  task-storage lookup of prev and next, no storage exists
 *                  (what an untracked event pays in rttrace)
 *   pt_sw_nullchk  prev->bpf_storage / next->bpf_storage direct loads
 *                  (a helper-free "is anything stored on this task" test)
 *   pt_sw_ts_hit   task-storage lookup of next in a map where every task
 *                  has an element (created on first sight): a tracked lookup
 *   pt_sw_ktime    one bpf_ktime_get_ns()
 *   pt_sw_regs     bpf_task_pt_regs(prev)->orig_ax, direct load
 *   pt_sw_regs_pr  the same through BPF_CORE_READ (bpf_probe_read_kernel)
 *   pt_wk_ts_miss  task-storage lookup of the wakee, no storage exists
 *   pt_wk_ktime    one bpf_ktime_get_ns() at sched_wakeup
 *   pt_wk_empty    nothing, at sched_wakeup
 *   pt_wk_nullchk  p->bpf_storage of the wakee, direct load
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} never SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} every SEC(".maps");

__u64 sink;


SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_empty)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_ts_miss, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	if (bpf_task_storage_get(&never, prev, 0, 0))
		sink++;
	if (bpf_task_storage_get(&never, next, 0, 0))
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_nullchk, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	if (prev->bpf_storage)
		sink++;
	if (next->bpf_storage)
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_ts_hit, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	__u64 *v = bpf_task_storage_get(&every, next, 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v)
		(*v)++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_ktime)
{
	sink = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_regs, bool preempt, struct task_struct *prev)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(prev);

	if (regs)
		sink = regs->orig_ax;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_regs_pr, bool preempt, struct task_struct *prev)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);

	if (regs)
		sink = BPF_CORE_READ(regs, orig_ax) + BPF_CORE_READ(cur, thread_info.status);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(pt_wk_ts_miss, struct task_struct *p)
{
	if (bpf_task_storage_get(&never, p, 0, 0))
		sink++;
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(pt_wk_ktime)
{
	sink = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(pt_wk_empty)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(pt_wk_nullchk, struct task_struct *p)
{
	if (p->bpf_storage)
		sink++;
	return 0;
}
