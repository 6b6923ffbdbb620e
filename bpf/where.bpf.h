/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a task was: the system call it is in (read from its saved user
 * registers), what kind of sleep that makes (timer sleep, findings), and,
 * with capture, a where record (struct rt_where) with its kernel and user
 * stacks in this CPU's where ring.
 *
 * Stacks cost a walk each (the kernel's unwinder, the user frame-pointer
 * chain), so they are taken only where a captured window needs them
 * (RT_WHERE_* in include/rttrace/rttrace.h): never for an untracked event
 * outside a window, never without capture.
 */
#ifndef __RTTRACE_WHERE_BPF_H
#define __RTTRACE_WHERE_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "rttrace/rttrace.h"
#include "core_fixes.bpf.h"
#include "maps.bpf.h"

/* The system call a task is in, from the registers saved at its entry. */
struct rt_sys {
	long nr;    /* -1: none known */
	bool compat;
	__u64 arg[3];
};

/*
 * Read the system call of prev (the current task, at sched_switch).
 * task_storage: tp_btf, where prev is a trusted pointer read with plain
 * loads; otherwise probe reads (raw_tp).
 */
static __always_inline void read_syscall(struct task_struct *prev, bool task_storage,
					 struct rt_sys *sys)
{
	struct task_struct *cur;
	struct pt_regs *regs;

	sys->nr = -1;
	sys->compat = false;
	if (!task_storage && !kernel_btf) { /* (tp_btf needs kernel BTF) */
		/* No BTF pointers: task_pt_regs() by hand, at the top of the
		 * task's kernel stack (x86_64 and arm64 put them there). */
		cur = (struct task_struct *)bpf_get_current_task();
		regs = (struct pt_regs *)((long)BPF_CORE_READ(cur, stack) + thread_size -
					  bpf_core_type_size(struct pt_regs));
		goto read;
	}
	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs) ||
	    !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return;
	/* prev is current here; tp_btf hands us a trusted pointer, so its
	 * registers are read directly (no probe-read helper calls). */
	cur = task_storage ? prev : bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(cur);
read:
	if (!regs)
		return;
#if defined(__TARGET_ARCH_x86)
	if (task_storage) {
		sys->nr = regs->orig_ax;
		sys->compat = cur->thread_info.status & 0x0002; /* TS_COMPAT */
		sys->arg[0] = regs->di;
		sys->arg[1] = regs->si;
		sys->arg[2] = regs->dx;
	} else {
		sys->nr = BPF_CORE_READ(regs, orig_ax);
		sys->compat = BPF_CORE_READ(cur, thread_info.status) & 0x0002;
		sys->arg[0] = BPF_CORE_READ(regs, di);
		sys->arg[1] = BPF_CORE_READ(regs, si);
		sys->arg[2] = BPF_CORE_READ(regs, dx);
	}
	if (sys->compat) {
		/* ia32 passes them in bx, cx, dx */
		sys->arg[0] = task_storage ? regs->bx : BPF_CORE_READ(regs, bx);
		sys->arg[1] = task_storage ? regs->cx : BPF_CORE_READ(regs, cx);
	} else {
		sys->nr &= ~0x40000000L; /* x32 */
	}
#elif defined(__TARGET_ARCH_arm64)
	/* x0 is overwritten by the return value: orig_x0 keeps it */
	if (task_storage) {
		sys->nr = regs->syscallno;
		sys->compat = regs->pstate & 0x10; /* PSR_MODE32_BIT */
		sys->arg[0] = regs->orig_x0;
		sys->arg[1] = regs->regs[1];
		sys->arg[2] = regs->regs[2];
	} else {
		sys->nr = BPF_CORE_READ(regs, syscallno);
		sys->compat = BPF_CORE_READ(regs, pstate) & 0x10;
		sys->arg[0] = BPF_CORE_READ(regs, orig_x0);
		sys->arg[1] = BPF_CORE_READ(regs, regs[1]);
		sys->arg[2] = BPF_CORE_READ(regs, regs[2]);
	}
#endif
}

/* System call numbers the findings need (per ABI: native, 32-bit compat). */
#if defined(__TARGET_ARCH_x86)
#define NR_NANOSLEEP 35
#define NR_CLOCK_NANOSLEEP 230
#define NR_FUTEX 202
#define NR32_NANOSLEEP 162
#define NR32_CLOCK_NANOSLEEP 267
#define NR32_FUTEX 240
#elif defined(__TARGET_ARCH_arm64)
#define NR_NANOSLEEP 101
#define NR_CLOCK_NANOSLEEP 115
#define NR_FUTEX 98
#define NR32_NANOSLEEP 162
#define NR32_CLOCK_NANOSLEEP 265
#define NR32_FUTEX 240
#else
#define NR_NANOSLEEP -2
#define NR_CLOCK_NANOSLEEP -2
#define NR_FUTEX -2
#define NR32_NANOSLEEP -2
#define NR32_CLOCK_NANOSLEEP -2
#define NR32_FUTEX -2
#endif
/* the same on every ABI (the generic table) */
#define NR_CLOCK_NANOSLEEP_TIME64 407
#define NR_FUTEX_TIME64 422
#define NR_FUTEX_WAITV 449
#define TIMER_ABSTIME_ 1
/* futex operations (include/uapi/linux/futex.h, stable ABI) */
#define FUTEX_CMD_MASK_ 0x7f /* without FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME */
#define FUTEX_WAIT_ 0
#define FUTEX_WAIT_BITSET_ 9

static __always_inline bool sys_is(const struct rt_sys *s, long native, long compat)
{
	return s->compat ? s->nr == compat : s->nr == native;
}

/* A timer sleep: nanosleep or clock_nanosleep (the relief metric). */
static __always_inline bool timer_sleep(const struct rt_sys *s)
{
	return sys_is(s, NR_NANOSLEEP, NR32_NANOSLEEP) ||
	       sys_is(s, NR_CLOCK_NANOSLEEP, NR32_CLOCK_NANOSLEEP) ||
	       (s->compat && s->nr == NR_CLOCK_NANOSLEEP_TIME64);
}

/* ... that is relative to now, so a periodic loop built on it drifts. */
static __always_inline bool relative_sleep(const struct rt_sys *s)
{
	if (sys_is(s, NR_NANOSLEEP, NR32_NANOSLEEP))
		return true;
	return timer_sleep(s) && !(s->arg[1] & TIMER_ABSTIME_);
}

/* A futex wait that inherits no priority (FUTEX_LOCK_PI* and
 * FUTEX_WAIT_REQUEUE_PI do). */
static __always_inline bool non_pi_futex_wait(const struct rt_sys *s)
{
	__u32 cmd = s->arg[1] & FUTEX_CMD_MASK_;

	if (s->nr == NR_FUTEX_WAITV)
		return true;
	if (!sys_is(s, NR_FUTEX, NR32_FUTEX) && !(s->compat && s->nr == NR_FUTEX_TIME64))
		return false;
	return cmd == FUTEX_WAIT_ || cmd == FUTEX_WAIT_BITSET_;
}

static __always_inline bool rt_policy(int policy)
{
	return policy == 1 /* SCHED_FIFO */ || policy == 2 /* SCHED_RR */ ||
	       policy == 6 /* SCHED_DEADLINE */;
}

/* Which findings a voluntary sleep of a tracked task is (RT_FIND_*). */
static __always_inline __u8 sleep_findings(struct task_struct *prev, const struct rt_sys *s,
					   __u32 prev_state, bool task_storage)
{
	int policy = task_storage ? prev->policy : BPF_CORE_READ(prev, policy);
	__u8 f = 0;

	if (relative_sleep(s))
		f |= RT_FIND_RELATIVE_SLEEP;
	if (!rt_policy(policy))
		return f;
	if (non_pi_futex_wait(s))
		f |= RT_FIND_NON_PI_FUTEX;
	if (prev_state & TASK_UNINTERRUPTIBLE_) {
		bool iowait = task_storage ? BPF_CORE_READ_BITFIELD(prev, in_iowait) :
					     BPF_CORE_READ_BITFIELD_PROBED(prev, in_iowait);

		f |= iowait ? RT_FIND_IO : RT_FIND_UNINTERRUPTIBLE;
	}
	return f;
}

/*
 * Write a where record of the current task into this CPU's where ring:
 * its stacks, and the system call s (nr -1: none read).  Returns the value
 * for rt_event.where (0: none).  ctx: the program's context, which
 * bpf_get_stack needs.
 */
static __always_inline __u32 where_take(void *ctx, __u32 cpu, __u8 kind, __u32 slot,
					const struct rt_sys *s, __u32 state, __u8 finding,
					__u8 policy, __u64 now)
{
	struct rt_where *w;
	__u64 seq, id;
	__u32 idx;

	barrier_var(cpu);
	if (!take_stacks || cpu >= RT_MAX_CPUS)
		return 0;
	barrier_var(cpu);
	cpu &= RT_MAX_CPUS - 1;
	seq = __sync_fetch_and_add(&hot_page.cpu_ring[cpu].where_head, 1);
	idx = cpu * RT_WHERE_RING + (__u32)(seq & (RT_WHERE_RING - 1));
	w = bpf_map_lookup_elem(&wheres, &idx);
	if (!w) {
		__sync_fetch_and_add(&counters.where_failed, 1);
		return 0;
	}
	__sync_lock_test_and_set(&w->seq, ~0ULL);
	id = bpf_get_current_pid_tgid();
	w->ts = now;
	w->tid = (__u32)id;
	w->tgid = id >> 32;
	bpf_get_current_comm(w->comm, sizeof(w->comm));
	w->slot = slot;
	w->kind = kind;
	w->finding = finding;
	w->policy = policy;
	w->state = state;
	w->syscall = s->nr;
	w->compat = s->compat;
	w->arg[0] = s->arg[0];
	w->arg[1] = s->arg[1];
	w->arg[2] = s->arg[2];
	w->kbytes = bpf_get_stack(ctx, w->kstack, sizeof(w->kstack), 0);
	w->ubytes = bpf_get_stack(ctx, w->ustack, sizeof(w->ustack), BPF_F_USER_STACK);
	__sync_lock_test_and_set(&w->seq, seq);
	return (__u32)seq + 1;
}

#endif /* __RTTRACE_WHERE_BPF_H */
