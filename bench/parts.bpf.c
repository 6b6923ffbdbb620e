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
 * Where an untracked event's cost goes (price these alone, by name:
 * programs run together share the TLB entries of pages touched earlier in
 * the same event):
 *   pt_sw_bss      one load from the object's .bss
 *   pt_sw_filter   a task-pointer hash filter in a 64 KiB .bss table
 *   pt_sw_pid      prev->pid / next->pid compared, no map
 *   pt_sw_cpu      bpf_get_smp_processor_id() only
 *   pt_sw_arr      one load from a 1-entry array map (kmalloc'ed)
 *   pt_sw_arr16k   one load from a 16 KiB array map, hashed index
 *   pt_sw_pcpu     one load from a per-CPU array map
 *   pt_sw_2lines, pt_sw_2pages, pt_sw_4pages
 *                  .bss loads on 2 cache lines, 2 pages, 4 pages
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

/* ---- experiments: where does an untracked event's cost go? ---- */
__u32 gflag;
__u32 garr[16384] __attribute__((aligned(64)));

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_bss)
{
	if (gflag)
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_filter, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	__u64 a = (__u64)((char *)prev - (char *)garr);
	__u64 b = (__u64)((char *)next - (char *)garr);

	if (garr[(a * 0x9E3779B97F4A7C15ULL) >> 50] || garr[(b * 0x9E3779B97F4A7C15ULL) >> 50])
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_pid, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	if (prev->pid == 1 || next->pid == 1)
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_cpu)
{
	if (bpf_get_smp_processor_id() == 7)
		sink++;
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} small16k SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} pcpu SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_arr)
{
	__u32 k = 0, *v = bpf_map_lookup_elem(&small, &k);

	if (v && *v)
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_arr16k, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	__u64 a = (__u64)((char *)prev - (char *)&sink);
	__u32 k = (a * 0x9E3779B97F4A7C15ULL) >> 52, *v = bpf_map_lookup_elem(&small16k, &k);

	if (v && *v)
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_pcpu)
{
	__u32 k = 0, *v = bpf_map_lookup_elem(&pcpu, &k);

	if (v && *v)
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_2lines)
{
	if (garr[0] || garr[64])
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_2pages)
{
	if (garr[0] || garr[4096])
		sink++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pt_sw_4pages)
{
	if (garr[0] || garr[2048] || garr[4096] || garr[8192])
		sink++;
	return 0;
}
