/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_WHERE_H
#define RTTRACE_WHERE_H

/*
 * Where records (struct rt_where) on the user side: copied out of the
 * per-CPU where rings while they are still there (a drain), their stacks
 * named while the process still exists.
 */
#include <stdbool.h>
#include <stdint.h>
#include "rttrace/rttrace.h"
#include "symbols.h"

struct rt_tracer;

/* A where record, copied, with its stacks named. */
struct rt_where_info {
	struct rt_where w;
	uint32_t cpu;                   /* the ring it was in */
	struct rt_frame *kframes;       /* innermost first; the tracer's own frames dropped */
	struct rt_frame *uframes;
	int nk, nu;
	bool knamed;                    /* kframes are named (else addresses only) */
	bool user_meaningful;           /* the user stack is the task's own (not an interrupted one's) */
	bool mmap_lock;                 /* the kernel stack waits for an mm's mmap_lock */
};

/* Copy the record an event names (rt_event.where, in the ring of cpu);
 * false when it was overwritten or never written. */
bool rt_where_copy(const struct rt_tracer *tr, uint32_t cpu, uint32_t ref,
		   struct rt_where *out);
/* The same by full sequence number. */
bool rt_where_copy_seq(const struct rt_tracer *tr, uint32_t cpu, uint64_t seq,
		       struct rt_where *out);
/* Name the stacks of w into *wi (which owns the frames from then on):
 * the user stack now (the process may be gone later), the kernel stack
 * now only if kallsyms is read already, else when the report is made
 * (rt_where_name_kernel: kernel names never go stale). */
void rt_where_resolve(struct rt_symbols *syms, const struct rt_where *w, uint32_t cpu,
		      struct rt_where_info *wi);
/* Name the kernel stack of wi, if not yet (reads kallsyms if needed). */
void rt_where_name_kernel(struct rt_symbols *syms, struct rt_where_info *wi);
/* The kernel stack alone, named now (enough to tell mmap_lock). */
void rt_where_resolve_kernel(struct rt_symbols *syms, const struct rt_where *w, uint32_t cpu,
			     struct rt_where_info *wi);
/* A deep copy (the frames too); false when out of memory. */
bool rt_where_dup(const struct rt_where_info *from, struct rt_where_info *to);
void rt_where_free(struct rt_where_info *wi);
/* The user frame that names the code the task was in: the innermost
 * named frame outside the system's libraries (libc's wrappers), else the
 * innermost named one; NULL when none is named or the user stack is not
 * the task's own. */
const struct rt_frame *rt_where_user_site(const struct rt_where_info *wi);

#endif
