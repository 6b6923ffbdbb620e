// SPDX-License-Identifier: GPL-2.0
/*
 * Where records on the user side (see where.h): copy one out of its ring
 * the way capture.c copies events (trusted only if its sequence number
 * reads the same before and after), then name its stacks.
 */
#include <stdlib.h>
#include <string.h>
#include "tracer.h"
#include "where.h"
#include "rttrace.skel.h"

bool rt_where_copy_seq(const struct rt_tracer *tr, uint32_t cpu, uint64_t seq,
		       struct rt_where *out)
{
	const struct rt_where *w;
	uint64_t head;

	if (!tr->wheres || cpu >= (uint32_t)tr->ncpus)
		return false;
	head = __atomic_load_n(&tr->skel->bss->hot_page.cpu_ring[cpu].where_head,
			       __ATOMIC_ACQUIRE);
	if (seq >= head || head - seq > RT_WHERE_RING)
		return false;
	w = &tr->wheres[(size_t)cpu * RT_WHERE_RING + (seq & (RT_WHERE_RING - 1))];
	if (__atomic_load_n(&w->seq, __ATOMIC_ACQUIRE) != seq)
		return false;
	memcpy(out, w, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&w->seq, __ATOMIC_ACQUIRE) == seq;
}

bool rt_where_copy(const struct rt_tracer *tr, uint32_t cpu, uint32_t ref,
		   struct rt_where *out)
{
	uint64_t head;

	if (!ref || !tr->wheres || cpu >= (uint32_t)tr->ncpus)
		return false;
	head = __atomic_load_n(&tr->skel->bss->hot_page.cpu_ring[cpu].where_head,
			       __ATOMIC_ACQUIRE);
	/* the event keeps the low 32 bits (+1): the record is behind head */
	return rt_where_copy_seq(tr, cpu, head - (uint32_t)((uint32_t)head - (ref - 1)), out);
}

static bool has_prefix(const char *s, const char *const *prefixes)
{
	for (; s && *prefixes; prefixes++)
		if (!strncmp(s, *prefixes, strlen(*prefixes)))
			return true;
	return false;
}

/* The tracer's own frames at the top of a kernel stack: the BPF program
 * and the tracepoint's call into it. */
static const char *const tracer_frames[] = {
	"bpf_", "__bpf_", "___bpf_", "__traceiter_", "__probestub_", "trace_call_bpf", NULL,
};
/* A wakeup from an interrupt: the user stack is the interrupted task's. */
static const char *const irq_frames[] = {
	"asm_sysvec_", "sysvec_", "asm_common_interrupt", "common_interrupt",
	"__sysvec_", "irq_exit", "__irq_exit", "handle_softirqs", "__do_softirq",
	"el1_interrupt", "el0_interrupt", "gic_handle_irq", "hrtimer_interrupt",
	"__hrtimer_run_queues", NULL,
};
/* mmap_lock: an rwsem (or PREEMPT_RT rwbase) wait under an mm operation */
static const char *const rwsem_frames[] = {
	"rwsem_down_read_slowpath", "rwsem_down_write_slowpath", "down_read", "down_write",
	"rwbase_read_lock", "rwbase_write_lock", "__rwbase_read_lock", "rwsem_down_", NULL,
};
static const char *const mm_frames[] = {
	"lock_mm_and_find_vma", "do_user_addr_fault", "do_page_fault", "exc_page_fault",
	"vm_mmap_pgoff", "__vm_munmap", "do_mprotect_pkey", "__do_sys_brk", "__x64_sys_brk",
	"__arm64_sys_brk", "do_madvise", "__do_sys_mremap", "do_mlock", "apply_mlockall_flags",
	"mmap_read_lock", "mmap_write_lock", "__x64_sys_mmap", "__arm64_sys_mmap",
	"ksys_mmap_pgoff", "do_mmap", NULL,
};

/* The stack's frames, innermost first: user frames named now (the
 * process may be gone later), kernel frames only as addresses
 * (name_kernel: kernel names never go stale). */
static struct rt_frame *stack_frames(struct rt_symbols *syms, const struct rt_where *w,
				     const __u64 *ips, int bytes, bool kernel, int *n)
{
	int count = bytes > 0 ? bytes / 8 : 0, i;
	struct rt_frame *f;

	*n = 0;
	if (count > RT_STACK_DEPTH)
		count = RT_STACK_DEPTH;
	if (!count || !(f = calloc(count, sizeof(*f))))
		return NULL;
	for (i = 0; i < count; i++) {
		if (kernel)
			f[i].addr = ips[i];
		else
			rt_symbols_user(syms, w->tgid, ips[i], i > 0, &f[i]);
	}
	*n = count;
	return f;
}

static bool any_frame(const struct rt_frame *f, int n, const char *const *prefixes)
{
	for (int i = 0; i < n; i++)
		if (has_prefix(f[i].sym, prefixes))
			return true;
	return false;
}

/* Name the kernel frames (waiting for kallsyms if it is still being
 * read), drop the tracer's own at the top, and tell from them whether the
 * user stack is the task's own and whether it waits for mmap_lock. */
static void name_kernel(struct rt_symbols *syms, struct rt_where_info *wi)
{
	int i, skip = 0;

	if (wi->knamed || !syms)
		return;
	wi->knamed = true;
	for (i = 0; i < wi->nk; i++) {
		uint64_t addr = wi->kframes[i].addr;

		rt_frame_clear(&wi->kframes[i]);
		rt_symbols_kernel(syms, addr, &wi->kframes[i]);
	}
	while (skip < wi->nk && has_prefix(wi->kframes[skip].sym, tracer_frames))
		rt_frame_clear(&wi->kframes[skip++]);
	if (skip) {
		memmove(wi->kframes, wi->kframes + skip, (wi->nk - skip) * sizeof(*wi->kframes));
		wi->nk -= skip;
	}
	wi->user_meaningful = wi->w.kind != RT_WHERE_WAKER ||
			      !any_frame(wi->kframes, wi->nk, irq_frames);
	wi->mmap_lock = any_frame(wi->kframes, wi->nk, rwsem_frames) &&
			any_frame(wi->kframes, wi->nk, mm_frames);
}

void rt_where_name_kernel(struct rt_symbols *syms, struct rt_where_info *wi)
{
	name_kernel(syms, wi);
}

static void resolve(struct rt_symbols *syms, const struct rt_where *w, uint32_t cpu,
		    struct rt_where_info *wi, bool user, bool kernel_now)
{
	memset(wi, 0, sizeof(*wi));
	wi->w = *w;
	wi->cpu = cpu;
	wi->user_meaningful = true; /* until the kernel stack says otherwise */
	if (!syms)
		return;
	wi->kframes = stack_frames(syms, w, w->kstack, w->kbytes, true, &wi->nk);
	if (user)
		wi->uframes = stack_frames(syms, w, w->ustack, w->ubytes, false, &wi->nu);
	if (kernel_now || rt_symbols_kernel_ready(syms))
		name_kernel(syms, wi);
}

void rt_where_resolve(struct rt_symbols *syms, const struct rt_where *w, uint32_t cpu,
		      struct rt_where_info *wi)
{
	resolve(syms, w, cpu, wi, true, false);
}

void rt_where_resolve_kernel(struct rt_symbols *syms, const struct rt_where *w, uint32_t cpu,
			     struct rt_where_info *wi)
{
	resolve(syms, w, cpu, wi, false, true);
}

static bool dup_frames(const struct rt_frame *from, int n, struct rt_frame **to)
{
	*to = NULL;
	if (!n)
		return true;
	if (!(*to = calloc(n, sizeof(**to))))
		return false;
	for (int i = 0; i < n; i++) {
		(*to)[i] = from[i];
		(*to)[i].sym = from[i].sym ? strdup(from[i].sym) : NULL;
		(*to)[i].obj = from[i].obj ? strdup(from[i].obj) : NULL;
	}
	return true;
}

bool rt_where_dup(const struct rt_where_info *from, struct rt_where_info *to)
{
	*to = *from;
	if (!dup_frames(from->kframes, from->nk, &to->kframes) ||
	    !dup_frames(from->uframes, from->nu, &to->uframes)) {
		rt_where_free(to);
		return false;
	}
	return true;
}

void rt_where_free(struct rt_where_info *wi)
{
	int i;

	for (i = 0; wi->kframes && i < wi->nk; i++)
		rt_frame_clear(&wi->kframes[i]);
	for (i = 0; wi->uframes && i < wi->nu; i++)
		rt_frame_clear(&wi->uframes[i]);
	free(wi->kframes);
	free(wi->uframes);
	wi->kframes = wi->uframes = NULL;
	wi->nk = wi->nu = 0;
}

static bool system_library(const char *obj)
{
	return obj && (!strncmp(obj, "/lib", 4) || !strncmp(obj, "/usr/lib", 8) ||
		       !strcmp(obj, "[vdso]"));
}

const struct rt_frame *rt_where_user_site(const struct rt_where_info *wi)
{
	const struct rt_frame *any = NULL;

	if (!wi || !wi->user_meaningful)
		return NULL;
	for (int i = 0; i < wi->nu; i++) {
		if (!wi->uframes[i].sym)
			continue;
		if (!system_library(wi->uframes[i].obj))
			return &wi->uframes[i];
		if (!any)
			any = &wi->uframes[i];
	}
	return any;
}
