// SPDX-License-Identifier: GPL-2.0
/*
 * rttrace kernel side: per-task schedule-in latency, response time,
 * control-loop relief time and threaded-IRQ timing, from the scheduler
 * and IRQ tracepoints, and the events that explain the worst of them.
 *
 * This file holds only the programs.  The code is in headers, one job
 * each (one object, one skeleton):
 *
 *   core_fixes.bpf.h  kernel-version differences (CO-RE), kernel constants
 *   maps.bpf.h        what user space reaches through the skeleton: the
 *                     .rodata knobs, .bss/.data, every map
 *   task_state.bpf.h  where a tracked task's state is (task storage, the
 *                     state table `ttab`, the raw_tp TID hash); slots,
 *                     pick-up from `want`, tracking from birth
 *   capture.bpf.h     per-CPU event rings, interest words, holder marks,
 *                     window contexts, commit() of a window to user space
 *   samples.bpf.h     record(): one sample into a slot (session bounds,
 *                     SLO check, histogram, worst-case commit)
 *   irq.bpf.h         threaded-IRQ timing (irq, irq_delay)
 *   where.bpf.h       where a task was: its system call, the findings a
 *                     sleep is, where records with its stacks (capture)
 *   handlers.bpf.h    the programs' bodies: on_wakeup, on_switch, ...
 *
 * ---- Metrics: where each window opens and closes ------------------------
 *
 * Per tracked task, a run state (rt_task_state.run_state: UNKNOWN when
 * picked up mid-activation, until its first switch-out; SLEEPING after a
 * voluntary switch-out; RUNNABLE when woken or preempted; RUNNING) and
 * one start time per open window:
 *
 *   latency    opens at sched_wakeup(_new) of a SLEEPING task (on_wakeup,
 *              wake_ns); closes at its next switch-in (switch_in).
 *   response   opens at that same wakeup (resp_ns); closes at its next
 *              voluntary switch-out (switch_out).
 *   relief     opens at the wakeup that ends a timer sleep, if none is open
 *              (relief_ns); closes at the next voluntary switch-out that is
 *              itself a timer sleep (read_syscall reads the syscall in
 *              the task's registers at switch-out: nanosleep or
 *              clock_nanosleep); other blocks inside it keep it open, and
 *              the task's exit drops it.
 *   irq        (IRQ threads) opens at the threaded handler's entry
 *              (irq_thread_fn -> irq_begin), closes at its exit (irq_done);
 *              in sched mode, the thread's switch-in after a wakeup to its
 *              next voluntary switch-out.
 *   irq_delay  opens at the hard IRQ of the thread's action (irq_hard),
 *              closes with the handler run that serves it (irq_done), in
 *              three parts: hard handler, thread wakeup, threaded handler.
 *
 * "Voluntary" is RT_VOLUNTARY_MASK in prev_state and not a preemption; a
 * preemption (or an rtlock wait, a stop) closes nothing, and the switch-in
 * after it gives no latency sample (wake_ns is 0).  A wakeup of a task
 * that is not SLEEPING opens nothing.  record() counts a window only if
 * it lies wholly inside the session and the task's add/del interval.
 * With capture on, each window also notes, per CPU it waited or ran on,
 * where its events start in that CPU's ring (capture.bpf.h), and a new
 * maximum or an SLO violation is committed for user space to copy.
 *
 * ---- Cost model and fast paths -----------------------------------------
 *
 * Most events concern untracked tasks, so those must cost as close to
 * nothing as possible.  What costs in these programs is memory, not
 * instructions: the scheduler has just touched prev's and next's
 * task_structs, so their fields are cheap, while the first touch of any
 * BPF map page in an event -- a .rodata constant or a .bss global
 * included -- can cost a TLB miss (page-table isolation without PCID
 * flushes the TLB at every kernel entry) and a cache miss
 * (bench/parts.bpf.c; figures in bench/RESULTS.md).  A large program also
 * costs more per run than a small one, even on its shortest path.  Hence:
 *
 *  - Only tracked tasks (and holders, present or past: capture.bpf.h)
 *    carry BPF storage, so a NULL task_struct.bpf_storage proves a task
 *    untracked with one load, no helper call and no map (state_of,
 *    on_waking).
 *  - Every choice that matters per event is a compile-time constant in
 *    each program, never a .rodata load: the backend (the tp_* and raw_*
 *    twins), and for sched_switch whether capture is on and how it is
 *    gated (three copies per backend: tp_switch, tp_switch_cap,
 *    tp_switch_hold).
 *  - An untracked sched_switch, the most frequent event, exits in
 *    tp_switch_gate after two bpf_storage pointer tests (prev, next)
 *    unless a task once held a watched CPU (capture.bpf.h); only
 *    if either is set does the gate tail-call the full copy in use
 *    (switch_body[0]), which finds the state or the holder mark.
 *  - Capture must see every switch on a watched CPU, untracked ones too.
 *    The CPU's interest word says which CPUs are watched, but it is map
 *    memory; so the task running on a watched CPU carries a holder mark
 *    (task storage), and the two pointer tests still decide
 *    (capture.bpf.h).  Where marks cannot be made (PREEMPT_RT; no
 *    bpf_task_from_pid or FAIR_GROUP_SCHED) the gate reads the interest
 *    word instead (tp_switch_gate_cap -> tp_switch_cap).
 *  - A tracked event finds the state in `ttab` (one line of one page)
 *    rather than task storage (three objects, task_state.bpf.h), reads
 *    the clock once, and reads no .rodata on a wakeup (whether the
 *    session captures is copied into the state, RT_STF_CAPTURE).  On a
 *    captured wakeup every locked instruction comes before the first store
 *    to the task's state, whose line is usually still on the CPU the task
 *    slept on; the waker is noted at sched_waking in `wakers`, on the
 *    waker's CPU, not in the wakee's state; commit() wakes nobody.
 *  - raw_tp backend (kernels without task storage, before 5.11, or
 *    without BTF of their own; --backend raw_tp): no bpf_storage pointer
 *    to test, so a byte per TID class in `hot_page.tid_filter`, in the page of
 *    the interest words, spares untracked events the hash lookup; the gate
 *    reads it (raw_switch_gate) before the tail call.
 *
 * ---- Programs ------------------------------------------------------------
 *
 * tp_btf (task_storage) and raw_tp (TID hash) twins; user space
 * (src/tracer.c, choose_programs) loads one backend's set, and of the
 * sched_switch copies exactly one, behind one gate (or attached directly
 * if the gate cannot be set up).  Links are pinned as link_<program>.
 *
 *   program                         section                            when      body
 *   -- scheduler: the metrics --
 *   tp_wakeup                       tp_btf/sched_wakeup                tp        on_wakeup
 *   raw_wakeup                      raw_tp/sched_wakeup                raw       on_wakeup
 *   tp_wakeup_new                   tp_btf/sched_wakeup_new            tp        on_wakeup
 *   raw_wakeup_new                  raw_tp/sched_wakeup_new            raw       on_wakeup
 *   tp_waking                       tp_btf/sched_waking                tp cap    on_waking
 *   raw_waking                      raw_tp/sched_waking                raw cap   on_waking
 *   -- task lifecycle --
 *   tp_fork                         tp_btf/sched_process_fork          tp        on_fork
 *   raw_fork                        raw_tp/sched_process_fork          raw       on_fork
 *   tp_exit                         tp_btf/sched_process_exit          tp        on_exit
 *   raw_exit                        raw_tp/sched_process_exit          raw       on_exit
 *   tp_exec                         tp_btf/sched_process_exec          tp        on_exec
 *   -- capture: migrations, hard and soft IRQs --
 *   tp_migrate                      tp_btf/sched_migrate_task          tp cap    on_migrate
 *   raw_migrate                     raw_tp/sched_migrate_task          raw cap   on_migrate
 *   tp_irq_entry                    tp_btf/irq_handler_entry           tp hard   irq_hard, on_irq
 *   raw_irq_entry                   raw_tp/irq_handler_entry           raw hard  irq_hard, on_irq
 *   tp_irq_exit                     tp_btf/irq_handler_exit            tp hard   irq_hard, on_irq
 *   raw_irq_exit                    raw_tp/irq_handler_exit            raw hard  irq_hard, on_irq
 *   tp_softirq_entry                tp_btf/softirq_entry               tp cap    on_irq
 *   raw_softirq_entry               raw_tp/softirq_entry               raw cap   on_irq
 *   tp_softirq_exit                 tp_btf/softirq_exit                tp cap    on_irq
 *   raw_softirq_exit                raw_tp/softirq_exit                raw cap   on_irq
 *   -- adoption (run by user space through bpf_iter) --
 *   adopt_tasks                     iter/task                          tp        pick_up
 *   -- sched_switch copies: no capture, _cap gated by the CPU's interest word,
 *      _hold by holder marks; one is loaded, tail-called by a gate --
 *   tp_switch                       tp_btf/sched_switch                tp        on_switch
 *   tp_switch_cap                   tp_btf/sched_switch                tp cap    on_switch
 *   tp_switch_hold                  tp_btf/sched_switch                tp cap    on_switch
 *   raw_switch                      raw_tp/sched_switch                raw       on_switch
 *   raw_switch_cap                  raw_tp/sched_switch                raw cap   on_switch
 *   -- sched_switch gates (tail-call switch_body / raw_switch_body[0]) --
 *   tp_switch_gate                  tp_btf/sched_switch                tp        switch_may_matter
 *   tp_switch_gate_cap              tp_btf/sched_switch                tp cap    + interest word
 *   raw_switch_gate                 raw_tp/sched_switch                raw       switch_may_matter
 *   raw_switch_gate_cap             raw_tp/sched_switch                raw cap   + interest word
 *   -- threaded IRQ handlers: one set, by irq_mode --
 *   fentry_irq_thread_fn            fentry/irq_thread_fn               fentry    irq_thread_fn
 *   fexit_irq_thread_fn             fexit/irq_thread_fn                fentry    irq_thread_fn
 *   fentry_irq_forced_thread_fn     fentry/irq_forced_thread_fn        fentry    irq_thread_fn
 *   fexit_irq_forced_thread_fn      fexit/irq_forced_thread_fn         fentry    irq_thread_fn
 *   kprobe_irq_thread_fn            kprobe/irq_thread_fn               kprobe    irq_thread_fn
 *   kretprobe_irq_thread_fn         kretprobe/irq_thread_fn            kprobe    irq_thread_fn
 *   kprobe_irq_forced_thread_fn     kprobe/irq_forced_thread_fn        kprobe    irq_thread_fn
 *   kretprobe_irq_forced_thread_fn  kretprobe/irq_forced_thread_fn     kprobe    irq_thread_fn
 *   raw_irq_threaded_entry          raw_tp/irq_threaded_handler_entry  tracepoint irq_thread_fn
 *   raw_irq_threaded_exit           raw_tp/irq_threaded_handler_exit   tracepoint irq_thread_fn
 *
 * when: tp / raw, the backend's set; cap, only with capture; hard, with
 * capture or IRQ-thread timing; fentry / kprobe / tracepoint, the irq_mode
 * (the last from kernel_patch/, around handler_fn in irq_thread()).
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "rttrace/rttrace.h"
#include "rttrace/hist.h"
#include "core_fixes.bpf.h"
#include "maps.bpf.h"
#include "task_state.bpf.h"
#include "capture.bpf.h"
#include "samples.bpf.h"
#include "irq.bpf.h"
#include "handlers.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- wakeups ------------------------------------------------------------- */

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tp_wakeup, struct task_struct *p)
{
	on_wakeup(ctx, p, true /* after sched_waking */, TASK_STORAGE);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_wakeup, struct task_struct *p)
{
	on_wakeup(ctx, p, true /* after sched_waking */, TID_HASH);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tp_wakeup_new, struct task_struct *p)
{
	on_wakeup(ctx, p, false /* no sched_waking before it */, TASK_STORAGE);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_wakeup_new, struct task_struct *p)
{
	on_wakeup(ctx, p, false /* no sched_waking before it */, TID_HASH);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(tp_waking, struct task_struct *p)
{
	on_waking(p, TASK_STORAGE);
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(raw_waking, struct task_struct *p)
{
	on_waking(p, TID_HASH);
	return 0;
}

/* ---- task lifecycle -------------------------------------------------------- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(child, TASK_STORAGE);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(raw_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(child, TID_HASH);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tp_exit, struct task_struct *p)
{
	on_exit(p, TASK_STORAGE);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_exit, struct task_struct *p)
{
	on_exit(p, TID_HASH);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tp_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	on_exec(p, old_pid);
	return 0;
}

/* ---- capture: migrations, hard and soft IRQs -------------------------------- */

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(tp_migrate, struct task_struct *p, int dest_cpu)
{
	on_migrate(p, dest_cpu, TASK_STORAGE);
	return 0;
}

SEC("raw_tp/sched_migrate_task")
int BPF_PROG(raw_migrate, struct task_struct *p, int dest_cpu)
{
	on_migrate(p, dest_cpu, TID_HASH);
	return 0;
}

/* Hard IRQs serve both the capture and the IRQ-thread timing. */
SEC("tp_btf/irq_handler_entry")
int BPF_PROG(tp_irq_entry, int irq, struct irqaction *action)
{
	irq_hard(action, true, 0);
	if (capture)
		on_irq(RT_EV_IRQ_ENTRY, irq, 0, 0);
	return 0;
}

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(raw_irq_entry, int irq, struct irqaction *action)
{
	irq_hard(action, true, 0);
	if (capture)
		on_irq(RT_EV_IRQ_ENTRY, irq, 0, 0);
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(tp_irq_exit, int irq, struct irqaction *action, int ret)
{
	irq_hard(action, false, ret);
	if (capture)
		on_irq(RT_EV_IRQ_EXIT, irq, 0, ret);
	return 0;
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(raw_irq_exit, int irq, struct irqaction *action, int ret)
{
	irq_hard(action, false, ret);
	if (capture)
		on_irq(RT_EV_IRQ_EXIT, irq, 0, ret);
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(tp_softirq_entry, unsigned int vec)
{
	on_irq(RT_EV_SOFTIRQ_ENTRY, 0, vec, 0);
	return 0;
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(raw_softirq_entry, unsigned int vec)
{
	on_irq(RT_EV_SOFTIRQ_ENTRY, 0, vec, 0);
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(tp_softirq_exit, unsigned int vec)
{
	on_irq(RT_EV_SOFTIRQ_EXIT, 0, vec, 0);
	return 0;
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(raw_softirq_exit, unsigned int vec)
{
	on_irq(RT_EV_SOFTIRQ_EXIT, 0, vec, 0);
	return 0;
}

/* ---- adoption ---------------------------------------------------------------- */

/*
 * Run by user space (bpf_iter_create + read) after it put threads it could
 * not give task storage to in `want`: attaches their state here, in
 * process context, with no scheduler lock held.  Walks every thread once.
 */
SEC("iter/task")
int adopt_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;

	if (t && want_count)
		pick_up(t, t->pid, TASK_STORAGE);
	return 0;
}

/* ---- sched_switch: the copies (see on_switch) --------------------------------- */

SEC("tp_btf/sched_switch")
int tp_switch(__u64 *ctx)
{
	on_switch(ctx, TASK_STORAGE, false /* cap */, false /* held */);
	return 0;
}

SEC("tp_btf/sched_switch")
int tp_switch_cap(__u64 *ctx)
{
	on_switch(ctx, TASK_STORAGE, true /* cap */, false /* held */);
	return 0;
}

SEC("tp_btf/sched_switch")
int tp_switch_hold(__u64 *ctx)
{
	on_switch(ctx, TASK_STORAGE, true /* cap */, true /* held */);
	return 0;
}

SEC("raw_tp/sched_switch")
int raw_switch(__u64 *ctx)
{
	on_switch(ctx, TID_HASH, false /* cap */, false /* held */);
	return 0;
}

SEC("raw_tp/sched_switch")
int raw_switch_cap(__u64 *ctx)
{
	on_switch(ctx, TID_HASH, true /* cap */, false /* held */);
	return 0;
}

/* ---- sched_switch: the gates (see switch_may_matter) ------------------------------
 * The slot is set before the gate is attached, and the program array
 * keeps it while a file refers to it (rttrace's, or a session's pin: user
 * space checks the pin, see session_gate_lost): nothing to do here if the
 * tail call fails. */

SEC("tp_btf/sched_switch")
int tp_switch_gate(__u64 *ctx)
{
	if (switch_may_matter(ctx, TASK_STORAGE, false /* interest */))
		bpf_tail_call(ctx, &switch_body, 0);
	return 0;
}

SEC("tp_btf/sched_switch")
int tp_switch_gate_cap(__u64 *ctx)
{
	if (switch_may_matter(ctx, TASK_STORAGE, true /* interest */))
		bpf_tail_call(ctx, &switch_body, 0);
	return 0;
}

SEC("raw_tp/sched_switch")
int raw_switch_gate(__u64 *ctx)
{
	if (switch_may_matter(ctx, TID_HASH, false /* interest */))
		bpf_tail_call(ctx, &raw_switch_body, 0);
	return 0;
}

SEC("raw_tp/sched_switch")
int raw_switch_gate_cap(__u64 *ctx)
{
	if (switch_may_matter(ctx, TID_HASH, true /* interest */))
		bpf_tail_call(ctx, &raw_switch_body, 0);
	return 0;
}

/* ---- threaded IRQ handler: one of these sets is loaded ------------------------------
 * irq_thread() calls handler_fn = irq_thread_fn (request_threaded_irq) or
 * irq_forced_thread_fn (forced threading: PREEMPT_RT, threadirqs). */

SEC("fentry/irq_thread_fn")
int BPF_PROG(fentry_irq_thread_fn, struct irq_desc *desc, struct irqaction *action)
{
	irq_thread_fn(true);
	return 0;
}

SEC("fexit/irq_thread_fn")
int BPF_PROG(fexit_irq_thread_fn, struct irq_desc *desc, struct irqaction *action, int ret)
{
	irq_thread_fn(false);
	return 0;
}

SEC("fentry/irq_forced_thread_fn")
int BPF_PROG(fentry_irq_forced_thread_fn, struct irq_desc *desc, struct irqaction *action)
{
	irq_thread_fn(true);
	return 0;
}

SEC("fexit/irq_forced_thread_fn")
int BPF_PROG(fexit_irq_forced_thread_fn, struct irq_desc *desc, struct irqaction *action, int ret)
{
	irq_thread_fn(false);
	return 0;
}

SEC("kprobe/irq_thread_fn")
int kprobe_irq_thread_fn(void *ctx)
{
	irq_thread_fn(true);
	return 0;
}

SEC("kretprobe/irq_thread_fn")
int kretprobe_irq_thread_fn(void *ctx)
{
	irq_thread_fn(false);
	return 0;
}

SEC("kprobe/irq_forced_thread_fn")
int kprobe_irq_forced_thread_fn(void *ctx)
{
	irq_thread_fn(true);
	return 0;
}

SEC("kretprobe/irq_forced_thread_fn")
int kretprobe_irq_forced_thread_fn(void *ctx)
{
	irq_thread_fn(false);
	return 0;
}

/* kernel_patch/: tracepoints around handler_fn() in irq_thread() */
SEC("raw_tp/irq_threaded_handler_entry")
int raw_irq_threaded_entry(void *ctx)
{
	irq_thread_fn(true);
	return 0;
}

SEC("raw_tp/irq_threaded_handler_exit")
int raw_irq_threaded_exit(void *ctx)
{
	irq_thread_fn(false);
	return 0;
}
