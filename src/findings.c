// SPDX-License-Identifier: GPL-2.0
/*
 * Findings: what an RT task did that an RT task should not, counted over
 * the session, each with the first occurrence's stacks and what to do
 * about it -- the kernel's runtime-verification monitors for RT
 * applications, on any kernel, from what capture records anyway.
 *
 *   non_pi_futex    an RT task waited on a futex that inherits no priority
 *   page_faults     an RT task faulted while running inside a window
 *   relative_sleep  a timer sleep relative to now (the period drifts)
 *   migration       a task migrated while a window was open
 *   io_block        an RT task waited for I/O
 *   mmap_lock       an RT task waited for its process's mmap_lock
 *
 * The BPF side counts them (struct rt_slot_findings) and takes the stacks
 * of the first of each kind a sleep is (RT_FIND_*); every drain looks at
 * each where record once, here, to keep those first ones, and to tell
 * mmap_lock waits from other uninterruptible sleeps by the kernel stack
 * (those it counts itself).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture.h"
#include "duration.h"
#include "findings.h"
#include "report.h"
#include "rttrace.skel.h"
#include "sleep_names.h"

const char *rt_finding_names[RT_FK_NR] = {
	[RT_FK_NON_PI_FUTEX] = "non_pi_futex",
	[RT_FK_PAGE_FAULTS] = "page_faults",
	[RT_FK_RELATIVE_SLEEP] = "relative_sleep",
	[RT_FK_MIGRATION] = "migration",
	[RT_FK_IO_BLOCK] = "io_block",
	[RT_FK_MMAP_LOCK] = "mmap_lock",
};

/* The first one's where record (the BPF side counts; it takes stacks
 * for the first of each kind). */
static void seen_first(struct rt_finding_seen *f, const struct rt_where_info *wi)
{
	if (!f->have_first) {
		f->first_ns = wi->w.ts;
		f->have_first = rt_where_dup(wi, &f->first);
	}
}

/* One where record, looked at once. */
static void scan_one(struct rt_capture *c, const struct rt_where *w, uint32_t cpu)
{
	const struct rt_tracer *tr = c->tr;
	struct rt_finding_seen *seen;
	struct rt_where_info wi;

	if (w->slot >= c->nslots || w->ts < tr->skel->data->session_start_ns ||
	    w->ts > tr->skel->data->session_end_ns)
		return;
	seen = c->seen[w->slot];
	if (w->kind == RT_WHERE_WAKER) {
		/* who woke the first non-PI futex wait: the first wakeup
		 * after it (the task sleeps in one place at a time) */
		struct rt_finding_seen *f = &seen[RT_FK_NON_PI_FUTEX];

		if (f->have_first && !f->have_waker && w->ts >= f->first_ns) {
			rt_where_resolve(c->syms, w, cpu, &wi);
			f->have_waker = rt_where_dup(&wi, &f->waker);
			rt_where_free(&wi);
		}
		return;
	}
	if (w->kind != RT_WHERE_BLOCK || !w->finding)
		return;
	/* Names cost: an uninterruptible sleep needs its kernel stack (is
	 * it an mmap_lock wait?), and the user stack only for a first. */
	if ((w->finding & ~RT_FIND_UNINTERRUPTIBLE) ||
	    ((w->finding & RT_FIND_UNINTERRUPTIBLE) && !seen[RT_FK_MMAP_LOCK].count))
		rt_where_resolve(c->syms, w, cpu, &wi);
	else
		rt_where_resolve_kernel(c->syms, w, cpu, &wi);
	if (w->finding & RT_FIND_UNINTERRUPTIBLE)
		rt_where_name_kernel(c->syms, &wi);
	if (w->finding & RT_FIND_NON_PI_FUTEX)
		seen_first(&seen[RT_FK_NON_PI_FUTEX], &wi);
	if (w->finding & RT_FIND_RELATIVE_SLEEP)
		seen_first(&seen[RT_FK_RELATIVE_SLEEP], &wi);
	if (w->finding & RT_FIND_IO)
		seen_first(&seen[RT_FK_IO_BLOCK], &wi);
	if ((w->finding & RT_FIND_UNINTERRUPTIBLE) && wi.mmap_lock) {
		seen_first(&seen[RT_FK_MMAP_LOCK], &wi);
		seen[RT_FK_MMAP_LOCK].count++;
	}
	rt_where_free(&wi);
}

void rt_findings_scan(struct rt_capture *c)
{
	const struct rt_tracer *tr = c->tr;
	int cpu;

	if (!c->where_scanned || !tr->wheres)
		return;
	for (cpu = 0; cpu < tr->ncpus; cpu++) {
		uint64_t head = __atomic_load_n(&tr->skel->bss->hot_page.cpu_ring[cpu].where_head,
						__ATOMIC_ACQUIRE);
		uint64_t seq = c->where_scanned[cpu];

		if (head - seq > RT_WHERE_RING) {
			c->wheres_lost += head - seq - RT_WHERE_RING;
			seq = head - RT_WHERE_RING;
		}
		for (; seq < head; seq++) {
			const struct rt_where *slot =
				&tr->wheres[(size_t)cpu * RT_WHERE_RING + (seq & (RT_WHERE_RING - 1))];
			struct rt_where w;

			/* still being written: look again at the next drain */
			if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) == ~0ULL)
				break;
			if (!rt_where_copy_seq(tr, cpu, seq, &w)) {
				c->wheres_lost++;
				continue;
			}
			scan_one(c, &w, cpu);
		}
		c->where_scanned[cpu] = seq;
	}
}

/* ---- the report's findings ------------------------------------------------ */

/* The first one's system call by name ("read"), else what it was when
 * outside one (a page fault), or dflt without a record. */
static const char *first_call(const struct rt_where_info *wi, char *buf, size_t len,
			      const char *dflt)
{
	const char *name;

	if (!wi)
		return dflt;
	name = rt_syscall_name(wi->w.syscall, wi->w.compat, buf, len);
	return name ? name : "a page fault";
}

/* " in loop_take_lock" (the task's code), or "" */
static const char *site(const struct rt_where_info *wi, char *buf, size_t len)
{
	const struct rt_frame *f = rt_where_user_site(wi);

	if (f)
		snprintf(buf, len, " in %s", f->sym);
	else
		buf[0] = 0;
	return buf;
}

static void text_of(struct rt_report_finding *f, const struct rt_finding_seen *seen)
{
	const struct rt_where_info *wi = seen && seen->have_first ? &seen->first : NULL;
	char s1[160], s2[160], op[64], nb[32];
	uint64_t n = f->count;

	switch (f->kind) {
	case RT_FK_NON_PI_FUTEX:
		s2[0] = 0;
		if (seen && seen->have_waker)
			snprintf(s2, sizeof(s2), ", woken by %s[%u]%s", seen->waker.w.comm,
				 seen->waker.w.tid, site(&seen->waker, s1, sizeof(s1)));
		snprintf(f->text, sizeof(f->text),
			 "waited %" PRIu64 " times on a futex that does not inherit priority "
			 "(first: %s on 0x%" PRIx64 "%s%s); a lower-priority lock holder can be "
			 "preempted while it waits (unbounded priority inversion): use a "
			 "PTHREAD_PRIO_INHERIT mutex (pthread_mutexattr_setprotocol)",
			 n, wi ? rt_futex_op_name(wi->w.arg[1], op, sizeof(op)) : "futex wait",
			 wi ? (uint64_t)wi->w.arg[0] : 0, site(wi, s1, sizeof(s1)), s2);
		break;
	case RT_FK_PAGE_FAULTS:
		snprintf(f->text, sizeof(f->text),
			 "took %" PRIu64 " page faults while running in its windows; a fault stalls "
			 "it for microseconds (minor) to milliseconds (major): lock its memory "
			 "(mlockall(MCL_CURRENT|MCL_FUTURE)) and touch stacks and buffers before "
			 "the loop starts", n);
		break;
	case RT_FK_RELATIVE_SLEEP:
		snprintf(f->text, sizeof(f->text),
			 "slept %" PRIu64 " times for a time relative to now (first: %s%s); a "
			 "periodic loop built on it drifts by its work and wakeup latency every "
			 "period: sleep to an absolute deadline with clock_nanosleep(CLOCK_MONOTONIC, "
			 "TIMER_ABSTIME, ...)", n,
			 first_call(wi, nb, sizeof(nb), "nanosleep"),
			 site(wi, s1, sizeof(s1)));
		break;
	case RT_FK_MIGRATION:
		snprintf(f->text, sizeof(f->text),
			 "migrated %" PRIu64 " times while a window was open; each move costs its "
			 "caches and can wait for the other CPU: pin it (sched_setaffinity, "
			 "taskset) to a CPU of its own", n);
		break;
	case RT_FK_IO_BLOCK:
		snprintf(f->text, sizeof(f->text),
			 "waited %" PRIu64 " times for I/O (first: %s%s); its latency is then the "
			 "device's: move the I/O to a lower-priority thread and hand data over "
			 "through memory", n,
			 first_call(wi, nb, sizeof(nb), "I/O"),
			 site(wi, s1, sizeof(s1)));
		break;
	case RT_FK_MMAP_LOCK:
		snprintf(f->text, sizeof(f->text),
			 "waited %" PRIu64 " times for its process's mmap_lock (first: %s%s), held "
			 "by another thread's mmap, munmap, mprotect or page fault: lock memory "
			 "and keep mapping changes out of the process while it runs", n,
			 first_call(wi, nb, sizeof(nb), "mmap_lock"),
			 site(wi, s1, sizeof(s1)));
		break;
	}
}

/* Where the BPF side counts each kind (enum rt_find_index), -1: the
 * drains count it (mmap_lock, told by the kernel stack). */
static const int bpf_index[RT_FK_NR] = {
	[RT_FK_NON_PI_FUTEX] = RT_FI_NON_PI_FUTEX,
	[RT_FK_PAGE_FAULTS] = RT_FI_FAULTS,
	[RT_FK_RELATIVE_SLEEP] = RT_FI_RELATIVE_SLEEP,
	[RT_FK_MIGRATION] = RT_FI_MIGRATIONS,
	[RT_FK_IO_BLOCK] = RT_FI_IO,
	[RT_FK_MMAP_LOCK] = -1,
};

static void add(struct rt_report_findings *rf, int kind, uint64_t count, uint64_t first_ns,
		const struct rt_finding_seen *seen)
{
	struct rt_report_finding *f;

	if (!count)
		return;
	f = &rf->f[rf->n++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->count = count;
	f->first_ns = first_ns;
	f->where = seen && seen->have_first ? &seen->first : NULL;
	f->waker = seen && seen->have_waker ? &seen->waker : NULL;
	text_of(f, seen);
}

int rt_report_add_findings(struct rt_report *r)
{
	int i, k;

	free(r->findings);
	r->findings = NULL;
	if (!r->capture || r->ntasks <= 0)
		return 0;
	if (!(r->findings = calloc(r->ntasks, sizeof(*r->findings))))
		return -1;
	for (i = 0; i < r->ntasks; i++) {
		const struct rt_slot *s = &r->tasks[i];
		const struct rt_finding_seen *seen = rt_report_seen(r, i);
		struct rt_report_findings *rf = &r->findings[i];

		for (k = 0; k < RT_FK_NR; k++) {
			int fi = bpf_index[k];

			if (fi >= 0)
				add(rf, k, s->find.count[fi], s->find.first_ns[fi],
				    seen ? &seen[k] : NULL);
			else if (seen)
				add(rf, k, seen[k].count, seen[k].first_ns, &seen[k]);
		}
	}
	return 0;
}
