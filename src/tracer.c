// SPDX-License-Identifier: GPL-2.0
/* Kernel feature probing, BPF load/attach, and adding tasks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include "rttrace/rttrace.h"
#include "rttrace.skel.h"
#include "names.h"
#include "procfs.h"
#include "sysinfo.h"
#include "tracer.h"
#include "test_hook.h"

/* The kernel's own "operation not supported" (include/linux/errno.h), not
 * in the uapi headers and without strerror() text: what a BPF attach
 * returns when the kernel cannot do it at all (e.g. fentry without ftrace
 * direct calls). */
#define RT_ENOTSUPP 524

/* The commit ring of a session without capture: unused, but it must exist,
 * so the smallest a BPF ring buffer can be (a 4 KiB page). */
#define COMMIT_RING_IDLE_BYTES 4096

/* Capabilities newer than some uapi headers. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int verbose_level;
static bool probing; /* trying a mechanism that may be refused */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (probing && verbose_level < 2)
		return 0;
	if (level == LIBBPF_DEBUG && verbose_level < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose_level < 1)
		return 0;
	return vfprintf(stderr, fmt, args);
}

uint64_t rt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* sched_switch gained its prev_state argument in 5.18 (fa2c3254d7cf). */
static bool switch_has_prev_state(const struct btf *btf)
{
	const struct btf_type *t;
	int id = btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);

	if (id < 0)
		return false;
	t = btf__type_by_id(btf, id);
	t = btf__type_by_id(btf, t->type); /* pointer */
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type); /* func proto */
	return t && btf_is_func_proto(t) && btf_vlen(t) >= 5;
}

static bool btf_has_enum_value(const struct btf *btf, const char *enum_name,
			       const char *value)
{
	int id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;
	int i;

	if (id < 0)
		return false;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), value))
			return true;
	return false;
}

static int probe_features(struct rt_tracer *t, const struct rt_opts *o)
{
	const char *sysfs = getenv("RTTRACE_SYSFS_BTF"); /* tests pretend it is missing */
	bool can_tp_btf;
	struct btf *btf;

	if (!sysfs)
		sysfs = "/sys/kernel/btf/vmlinux";
	t->feat.kernel_btf = access(sysfs, R_OK) == 0;
	t->feat.btf_path = o->btf_path ? o->btf_path : sysfs;
	if (!t->feat.kernel_btf && !o->btf_path) {
		fprintf(stderr, "rttrace: this kernel has no BTF (%s is missing): rebuild it with "
			"CONFIG_DEBUG_INFO_BTF=y, or pass --btf FILE (see README: Kernels without BTF)\n",
			sysfs);
		return -1;
	}
	btf = btf__parse(t->feat.btf_path, NULL);
	if (!btf) {
		fprintf(stderr, "rttrace: cannot read kernel BTF from %s: %s\n",
			t->feat.btf_path, strerror(errno));
		return -1;
	}
	t->feat.prev_state_arg = switch_has_prev_state(btf);
	t->feat.timer_detect = !t->feat.kernel_btf ||
			       btf_has_enum_value(btf, "bpf_func_id", "BPF_FUNC_task_pt_regs");
	/* tp_btf programs are checked against the kernel's own BTF. */
	can_tp_btf = t->feat.kernel_btf &&
		     btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF) > 0 &&
		     libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	btf__free(btf);

	switch (o->backend) {
	case RT_BACKEND_TP_BTF:
		if (!can_tp_btf) {
			fprintf(stderr, "rttrace: --backend tp_btf: this kernel lacks BTF, tp_btf or task storage (5.11+); use --backend raw_tp\n");
			return -1;
		}
		t->feat.tp_btf = true;
		break;
	case RT_BACKEND_RAW_TP:
		t->feat.tp_btf = false;
		break;
	default:
		t->feat.tp_btf = can_tp_btf;
	}
	return 0;
}

static void set_autoload(struct bpf_program **p, size_t n, bool on)
{
	size_t i;

	for (i = 0; i < n; i++)
		bpf_program__set_autoload(p[i], on);
}

#define AUTOLOAD(arr, on) set_autoload(arr, sizeof(arr) / sizeof(arr[0]), on)

/* The sched_switch copy for a configuration (see on_switch): with and
 * without capture compiled in, capture gated by holder marks or by the
 * interest word; and the gate program in front of it. */
static struct bpf_program *switch_copy(struct rttrace_bpf *skel, bool tp_btf, bool capture,
				       bool holders)
{
	if (!tp_btf)
		return capture ? skel->progs.raw_switch_cap : skel->progs.raw_switch;
	return !capture ? skel->progs.tp_switch :
	       holders ? skel->progs.tp_switch_hold : skel->progs.tp_switch_cap;
}

static struct bpf_program *switch_gate_of(struct rttrace_bpf *skel, bool tp_btf, bool capture,
					  bool holders)
{
	if (!tp_btf)
		return capture ? skel->progs.raw_switch_gate_cap : skel->progs.raw_switch_gate;
	return capture && !holders ? skel->progs.tp_switch_gate_cap : skel->progs.tp_switch_gate;
}

/* Load only what this session needs: the metric programs of one backend,
 * the capture's (migrations, softirqs), the hard-IRQ hooks when capturing
 * or timing IRQ threads, and one way of seeing threaded handlers. */
static void choose_programs(struct rttrace_bpf *skel, bool tp_btf, bool capture, bool holders,
			    bool gate, int irq_mode)
{
	struct bpf_program *tp_core[] = { skel->progs.tp_wakeup, skel->progs.tp_wakeup_new,
					  skel->progs.tp_fork, skel->progs.tp_exit,
					  skel->progs.tp_exec };
	struct bpf_program *raw_core[] = { skel->progs.raw_wakeup, skel->progs.raw_wakeup_new,
					   skel->progs.raw_fork, skel->progs.raw_exit };
	struct bpf_program *tp_cap[] = { skel->progs.tp_migrate, skel->progs.tp_softirq_entry,
					 skel->progs.tp_softirq_exit, skel->progs.tp_waking };
	struct bpf_program *raw_cap[] = { skel->progs.raw_migrate, skel->progs.raw_softirq_entry,
					  skel->progs.raw_softirq_exit, skel->progs.raw_waking };
	struct bpf_program *tp_hard[] = { skel->progs.tp_irq_entry, skel->progs.tp_irq_exit };
	struct bpf_program *raw_hard[] = { skel->progs.raw_irq_entry, skel->progs.raw_irq_exit };
	struct bpf_program *fentry[] = { skel->progs.fentry_irq_thread_fn, skel->progs.fexit_irq_thread_fn,
					 skel->progs.fentry_irq_forced_thread_fn,
					 skel->progs.fexit_irq_forced_thread_fn };
	struct bpf_program *kprobe[] = { skel->progs.kprobe_irq_thread_fn, skel->progs.kretprobe_irq_thread_fn,
					 skel->progs.kprobe_irq_forced_thread_fn,
					 skel->progs.kretprobe_irq_forced_thread_fn };
	struct bpf_program *tpatch[] = { skel->progs.raw_irq_threaded_entry,
					 skel->progs.raw_irq_threaded_exit };
	struct bpf_program *switches[] = { skel->progs.tp_switch, skel->progs.tp_switch_cap,
					   skel->progs.tp_switch_hold, skel->progs.raw_switch,
					   skel->progs.raw_switch_cap, skel->progs.tp_switch_gate,
					   skel->progs.tp_switch_gate_cap, skel->progs.raw_switch_gate,
					   skel->progs.raw_switch_gate_cap };
	struct bpf_program *copy = switch_copy(skel, tp_btf, capture, holders);
	bool hard = capture || irq_mode != RT_IRQM_NONE;

	AUTOLOAD(tp_core, tp_btf);
	/* one sched_switch copy; behind a gate, it is only tail-called */
	AUTOLOAD(switches, false);
	bpf_program__set_autoload(copy, true);
	bpf_program__set_autoattach(copy, !gate);
	if (gate)
		bpf_program__set_autoload(switch_gate_of(skel, tp_btf, capture, holders), true);
	bpf_program__set_autoload(skel->progs.adopt_tasks, tp_btf);
	AUTOLOAD(raw_core, !tp_btf);
	AUTOLOAD(tp_cap, tp_btf && capture);
	AUTOLOAD(raw_cap, !tp_btf && capture);
	AUTOLOAD(tp_hard, tp_btf && hard);
	AUTOLOAD(raw_hard, !tp_btf && hard);
	AUTOLOAD(fentry, irq_mode == RT_IRQM_FENTRY);
	AUTOLOAD(kprobe, irq_mode == RT_IRQM_KPROBE);
	AUTOLOAD(tpatch, irq_mode == RT_IRQM_TRACEPOINT);
}

/* The kernel patch's tracepoints, if this kernel has them. */
static bool have_patch_tracepoints(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " __tracepoint_irq_threaded_handler_entry") != NULL;
	if (f)
		fclose(f);
	return found;
}

static bool cap_effective(const struct __user_cap_data_struct *data, int cap)
{
	return data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

static bool have_bpf_privileges(void)
{
	/* CAP_BPF + CAP_PERFMON (5.8+), or CAP_SYS_ADMIN. */
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return cap_effective(data, CAP_SYS_ADMIN) ||
	       (cap_effective(data, CAP_BPF) && cap_effective(data, CAP_PERFMON));
}

/* Kernel-internal errnos have no strerror text. */
static const char *load_error(int err)
{
	if (err == -RT_ENOTSUPP)
		return "not supported by this kernel";
	return strerror(-err);
}

static bool preempt_rt(void)
{
	struct rt_sysinfo si;

	rt_sysinfo_read(&si);
	return !strcmp(si.preempt_model, "PREEMPT_RT");
}

/* Put the sched_switch copy in use behind its gate (before the gate is
 * attached: an empty slot would drop every tracked switch). */
static int switch_gate(const struct rt_tracer *t, struct rttrace_bpf *skel)
{
	struct bpf_map *slot = t->feat.tp_btf ? skel->maps.switch_body : skel->maps.raw_switch_body;
	int fd = bpf_program__fd(switch_copy(skel, t->feat.tp_btf, t->capture, t->holders));
	__u32 k = 0;

	if (bpf_map_update_elem(bpf_map__fd(slot), &k, &fd, BPF_ANY))
		return -errno;
	return 0;
}

/* Open, size and load the skeleton for one IRQ mode; 0 or -errno. */
static int try_load(struct rt_tracer *t, const struct rt_opts *o, uint32_t max_slots,
		    int irq_mode)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct rttrace_bpf *skel;
	int err, i;

	if (o->btf_path)
		open_opts.btf_custom_path = o->btf_path;
	skel = rttrace_bpf__open_opts(&open_opts);
	if (!skel)
		return -errno;
	t->skel = skel;
	skel->rodata->has_prev_state_arg = t->feat.prev_state_arg;
	skel->rodata->kernel_btf = t->feat.kernel_btf;
	skel->rodata->max_slots = max_slots;
	skel->rodata->irq_mode = irq_mode;
	for (i = 0; i < RT_NR_METRICS; i++)
		skel->rodata->default_slo[i] = o->slo_default[i];
	skel->rodata->capture = t->capture;
	skel->rodata->ring_size = t->ring_size;
	skel->rodata->use_holders = t->holders;
	skel->rodata->defer_fork_storage = t->defer_fork;
	/* RTTRACE_NO_TTAB=1 keeps every state in task storage (tests) */
	skel->rodata->no_ttab = getenv("RTTRACE_NO_TTAB") != NULL;
	/* RTTRACE_NO_STACKS=1: capture without where records (bench/) */
	skel->rodata->take_stacks = getenv("RTTRACE_NO_STACKS") == NULL;
	choose_programs(skel, t->feat.tp_btf, t->capture, t->holders, t->switch_gate, irq_mode);
	bpf_map__set_max_entries(skel->maps.events,
				 t->capture ? (uint32_t)t->ncpus * t->ring_size : 1);
	bpf_map__set_max_entries(skel->maps.wheres,
				 t->capture ? (uint32_t)t->ncpus * RT_WHERE_RING : 1);
	if (!t->capture)
		bpf_map__set_max_entries(skel->maps.commits, COMMIT_RING_IDLE_BYTES);
	bpf_map__set_max_entries(skel->maps.slots, max_slots);
	bpf_map__set_max_entries(skel->maps.want, max_slots);
	bpf_map__set_max_entries(skel->maps.free_slots, max_slots);
	if (t->feat.tp_btf) {
		bpf_map__set_autocreate(skel->maps.task_state_hash, false);
	} else {
		bpf_map__set_autocreate(skel->maps.task_state, false);
		bpf_map__set_autocreate(skel->maps.holders, false);
		bpf_map__set_autocreate(skel->maps.ttab, false);
		bpf_map__set_max_entries(skel->maps.task_state_hash, max_slots);
	}
	err = rttrace_bpf__load(skel);
	if (!err)
		rt_test_stop_at("load");
	if (!err && t->switch_gate)
		err = switch_gate(t, skel);
	if (!err)
		err = rttrace_bpf__attach(skel);
	if (err) {
		rttrace_bpf__destroy(skel);
		t->skel = NULL;
	}
	return err;
}

/* Fault every page of [p, p + len) in (a read of each). */
static void populate(const void *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);

	for (size_t off = 0; off < len; off += (size_t)page)
		(void)*(volatile const char *)((const char *)p + off);
}

int rt_tracer_open(struct rt_tracer *t, const struct rt_opts *o, uint32_t max_slots)
{
	int modes[4], nmodes = 0, err = 0, i, k, a;
	bool want_gate, want_holders;

	memset(t, 0, sizeof(*t));
	t->opts = o;
	t->max_slots = max_slots;
	t->fd_adopt = -1;
	verbose_level = o->verbose;
	libbpf_set_print(libbpf_print);

	if (!have_bpf_privileges()) {
		fprintf(stderr, "rttrace: not allowed to load BPF programs: run as root "
			"(or with CAP_BPF and CAP_PERFMON)\n");
		return RT_EXIT_RUNTIME;
	}
	if (probe_features(t, o))
		return RT_EXIT_RUNTIME;
	t->capture = !o->no_trace;
	t->ncpus = libbpf_num_possible_cpus();
	if (t->capture && (t->ncpus <= 0 || t->ncpus > RT_MAX_CPUS)) {
		fprintf(stderr, "rttrace: worst-case capture supports at most %d CPUs; use --no-trace\n",
			RT_MAX_CPUS);
		return RT_EXIT_RUNTIME;
	}
	t->ring_size = o->ring_size ? o->ring_size : RT_RING_DEFAULT;

	/* Threaded-handler timing, best mechanism first, tried for real:
	 * "available" is only known once the kernel accepted the attach. */
	if (!o->irq_tracking)
		modes[nmodes++] = RT_IRQM_NONE;
	else if (o->irq_mode != RT_IRQM_NONE)
		modes[nmodes++] = o->irq_mode;
	else {
		if (t->feat.kernel_btf)
			modes[nmodes++] = RT_IRQM_FENTRY;
		modes[nmodes++] = RT_IRQM_KPROBE;
		if (have_patch_tracepoints())
			modes[nmodes++] = RT_IRQM_TRACEPOINT;
		modes[nmodes++] = RT_IRQM_SCHED;
	}
	/* Capture gated by holder marks where task storage may be created in
	 * the scheduler (not PREEMPT_RT); RTTRACE_NO_HOLDERS=1 forces the
	 * interest word (tests); a kernel that refuses the marks' programs
	 * (no bpf_task_from_pid before 6.2, no FAIR_GROUP_SCHED) gets the
	 * interest word. */
	t->holders = t->capture && t->feat.tp_btf && t->feat.kernel_btf && !preempt_rt() &&
		     !getenv("RTTRACE_NO_HOLDERS");
	/* The same reason keeps task storage from being created at a thread's
	 * birth (sched_process_fork) on PREEMPT_RT: user space attaches it
	 * (rt_tracer_adopt).  RTTRACE_DEFER_FORK=1 forces it (tests). */
	t->defer_fork = t->feat.tp_btf && (preempt_rt() || getenv("RTTRACE_DEFER_FORK"));
	/* sched_switch behind a gate program is a tail call; a kernel that
	 * refuses it gets the copy attached directly.
	 * RTTRACE_NO_SWITCH_GATE=1 forces that (tests). */
	want_gate = !getenv("RTTRACE_NO_SWITCH_GATE");
	want_holders = t->holders;
	/* Fallbacks, likeliest first: without holder marks (refused before
	 * 6.2), then without the gate, then without both. */
	for (a = 0; a < 4; a++) {
		if (((a & 1) && !want_holders) || ((a & 2) && !want_gate))
			continue; /* the same as an earlier attempt */
		t->holders = want_holders && !(a & 1);
		t->switch_gate = want_gate && !(a & 2);
		for (k = 0; k < nmodes; k++) {
			/* a failed probe is expected: keep libbpf quiet unless -v */
			probing = modes[k] != RT_IRQM_NONE || t->holders || t->switch_gate;
			err = try_load(t, o, max_slots, modes[k]);
			probing = false;
			if (!err) {
				t->irq_mode = modes[k];
				break;
			}
			if (o->verbose && modes[k] != RT_IRQM_NONE)
				fprintf(stderr, "rttrace: IRQ mode %s not available here: %s\n",
					rt_irq_mode_name(modes[k]), load_error(err));
		}
		if (!err)
			break;
		if (o->verbose && (t->holders || t->switch_gate))
			fprintf(stderr, "rttrace: cannot load with%s%s: %s; trying without\n",
				t->holders ? " holder marks" : "",
				t->switch_gate ? " the sched_switch gate" : "", load_error(err));
	}
	if (err) {
		if (o->irq_mode != RT_IRQM_NONE && o->irq_tracking)
			fprintf(stderr, "rttrace: --irq-mode %s is not available on this kernel (%s); "
				"leave it to auto\n", rt_irq_mode_name(o->irq_mode), load_error(err));
		else
			fprintf(stderr, "rttrace: cannot load the BPF programs: %s (run with -vv for the verifier log)\n",
				strerror(-err));
		return RT_EXIT_RUNTIME;
	}
	t->bss = t->skel->bss;
	t->data = t->skel->data;
	if (t->skel->links.adopt_tasks)
		t->fd_adopt = bpf_link__fd(t->skel->links.adopt_tasks);
	t->fd_slots = bpf_map__fd(t->skel->maps.slots);
	t->fd_task_state = bpf_map__fd(t->feat.tp_btf ? t->skel->maps.task_state :
						       t->skel->maps.task_state_hash);
	t->fd_want = bpf_map__fd(t->skel->maps.want);
	t->fd_free = bpf_map__fd(t->skel->maps.free_slots);
	t->fd_irq = bpf_map__fd(t->skel->maps.irq_threads);
	t->fd_track_tgid = bpf_map__fd(t->skel->maps.track_tgid);
	t->fd_slo = bpf_map__fd(t->skel->maps.slo_by_id);
	t->slots_len = (size_t)max_slots * sizeof(struct rt_slot);
	t->slots = mmap(NULL, t->slots_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			t->fd_slots, 0);
	if (t->slots == MAP_FAILED) {
		t->slots = NULL;
		fprintf(stderr, "rttrace: cannot map the statistics array: %s\n", strerror(errno));
		return RT_EXIT_RUNTIME;
	}
	/* The kernel allocated the whole array at load; map every page of
	 * it now, so that rttrace's RSS does not grow over a long session as
	 * churning threads reach slots never used before. */
	populate(t->slots, t->slots_len);
	if (t->capture) {
		t->events_len = (size_t)t->ncpus * t->ring_size * sizeof(struct rt_event);
		t->events = mmap(NULL, t->events_len, PROT_READ, MAP_SHARED,
				 bpf_map__fd(t->skel->maps.events), 0);
		if (t->events == MAP_FAILED) {
			t->events = NULL;
			fprintf(stderr, "rttrace: cannot map the event rings: %s\n", strerror(errno));
			return RT_EXIT_RUNTIME;
		}
		t->wheres_len = (size_t)t->ncpus * RT_WHERE_RING * sizeof(struct rt_where);
		t->wheres = mmap(NULL, t->wheres_len, PROT_READ, MAP_SHARED,
				 bpf_map__fd(t->skel->maps.wheres), 0);
		if (t->wheres == MAP_FAILED) {
			t->wheres = NULL;
			fprintf(stderr, "rttrace: cannot map the where rings: %s\n", strerror(errno));
			return RT_EXIT_RUNTIME;
		}
	}
	/* SLO overrides must be in place before any slot is made. */
	for (i = 0; i < o->nslos; i++) {
		struct rt_slo_val v;
		uint32_t id = o->slos[i].id;
		int m;

		if (bpf_map_lookup_elem(t->fd_slo, &id, &v))
			for (m = 0; m < RT_NR_METRICS; m++)
				v.slo_ns[m] = o->slo_default[m];
		v.slo_ns[o->slos[i].metric] = o->slos[i].ns;
		if (bpf_map_update_elem(t->fd_slo, &id, &v, BPF_ANY)) {
			fprintf(stderr, "rttrace: too many per-task SLO bounds (at most 256 tasks)\n");
			return RT_EXIT_RUNTIME;
		}
	}
	if (o->verbose)
		fprintf(stderr, "rttrace: backend %s, sched_switch prev_state %s, timer-sleep detection %s, "
			"capture %s (%u events per CPU), IRQ mode %s, BTF %s%s\n",
			t->feat.tp_btf ? "tp_btf+task-storage" : "raw_tp+hash",
			t->feat.prev_state_arg ? "argument" : "task field",
			t->feat.timer_detect ? "pt_regs" : "unavailable",
			t->capture ? "on" : "off", t->ring_size, rt_irq_mode_name(t->irq_mode),
			t->feat.btf_path, t->feat.kernel_btf ? "" : " (kernel has none)");
	return 0;
}

int rt_tracer_track_tgid(struct rt_tracer *t, uint32_t tgid)
{
	uint32_t one = 1;
	int err;

	err = bpf_map_update_elem(t->fd_track_tgid, &tgid, &one, BPF_ANY);
	if (err)
		return err;
	__atomic_fetch_add(&t->bss->track_tgid_count, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static uint64_t slo_for(const struct rt_tracer *t, uint32_t tid, uint32_t tgid, int m)
{
	const struct rt_opts *o = t->opts;
	uint64_t v = o->slo_default[m];
	int i;

	/* A TID override beats a TGID override beats the default. */
	for (i = 0; i < o->nslos; i++)
		if (o->slos[i].metric == m && o->slos[i].id == tgid)
			v = o->slos[i].ns;
	for (i = 0; i < o->nslos; i++)
		if (o->slos[i].metric == m && o->slos[i].id == tid)
			v = o->slos[i].ns;
	return v;
}

int rt_tracer_add_task(struct rt_tracer *t, const struct rt_proc_task *pt)
{
	struct rt_task_state init = { .run_state = RT_ST_UNKNOWN, .icpu = RT_NO_CPU };
	struct rt_slot *s;
	uint32_t idx;
	int fd, err = -1, m;

	if (t->fd_free < 0 || bpf_map_lookup_and_delete_elem(t->fd_free, NULL, &idx)) {
		idx = __atomic_fetch_add(&t->bss->next_slot, 1, __ATOMIC_SEQ_CST);
		if (idx >= t->max_slots) {
			__atomic_fetch_add(&t->bss->counters.slots_full, 1, __ATOMIC_SEQ_CST);
			return -ENOSPC;
		}
	}
	s = &t->slots[idx];
	memset(s, 0, sizeof(*s));
	s->tid = pt->tid;
	s->tgid = pt->tgid;
	s->policy = pt->policy;
	s->rt_priority = pt->rt_priority;
	s->prio = pt->prio;
	s->start_policy = pt->policy;
	s->start_rt_priority = pt->rt_priority;
	memcpy(s->comm, pt->comm, sizeof(s->comm));
	s->added_ns = rt_now_ns();
	for (m = 0; m < RT_NR_METRICS; m++) {
		s->m[m].min_ns = ~0ULL;
		s->m[m].slo_ns = slo_for(t, pt->tid, pt->tgid, m);
	}
	init.slot = idx;
	if (t->capture)
		init.flags |= RT_STF_CAPTURE;
	if (rt_comm_is_irq_thread(pt->comm) && t->irq_mode != RT_IRQM_NONE) {
		struct rt_irq_state is = { .slot = idx };

		s->flags |= RT_SLOT_IRQ;
		init.flags |= RT_SLOT_IRQ;
		bpf_map_update_elem(t->fd_irq, &pt->tid, &is, BPF_ANY);
	}
	/* before the hash or `want` entry (see rt_hot_page) */
	__atomic_store_n(&t->bss->hot_page.tid_filter[pt->tid & (RT_TID_FILTER - 1)], 1,
			 __ATOMIC_SEQ_CST);
	if (t->feat.tp_btf) {
		bool no_pidfd = getenv("RTTRACE_NO_PIDFD") != NULL;

		/* Thread pidfds exist from 6.9; a group leader's always does.
		 * RTTRACE_NO_PIDFD=1 takes the older kernels' path (tests). */
		fd = no_pidfd ? -1 : syscall(SYS_pidfd_open, pt->tid, PIDFD_THREAD);
		if (fd < 0 && pt->tid == pt->tgid && !no_pidfd)
			fd = syscall(SYS_pidfd_open, pt->tid, 0);
		if (fd >= 0) {
			err = bpf_map_update_elem(t->fd_task_state, &fd,
						  &init, BPF_NOEXIST);
			close(fd);
			if (err && errno == EEXIST)
				/* picked up at its birth: this slot goes back */
				return rt_tracer_recycle(t, idx);
		}
	} else {
		err = bpf_map_update_elem(t->fd_task_state, &pt->tid,
					  &init, BPF_NOEXIST);
		if (err && errno == EEXIST)
			return rt_tracer_recycle(t, idx);
	}
	if (err) {
		/* Let the BPF side attach the state: the adopt_tasks iterator
		 * (rt_tracer_adopt), or the hash backend's next event. */
		err = bpf_map_update_elem(t->fd_want, &pt->tid, &idx, BPF_NOEXIST);
		if (err && errno == EEXIST)
			/* born meanwhile and listed by the BPF side */
			return rt_tracer_recycle(t, idx);
		if (err)
			return -errno;
		__atomic_fetch_add(&t->bss->want_count, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_fetch_or(&s->flags, RT_SLOT_VALID, __ATOMIC_SEQ_CST);
	return 0;
}

int rt_tracer_recycle(struct rt_tracer *t, uint32_t idx)
{
	if (idx >= t->max_slots)
		return -EINVAL;
	/* zeroed before it is visible in the queue: the push is a syscall */
	memset(&t->slots[idx], 0, sizeof(t->slots[idx]));
	if (t->fd_free < 0)
		return 0; /* a pinned session without the queue: the slot stays unused */
	return bpf_map_update_elem(t->fd_free, NULL, &idx, BPF_ANY) ? -errno : 0;
}

int rt_tracer_adopt(struct rt_tracer *t)
{
	char buf[64];
	ssize_t n = 0;
	int fd;

	/* nothing waits; the hash backend picks up by itself, at the
	 * thread's next event */
	if (!t->feat.tp_btf || !__atomic_load_n(&t->bss->want_count, __ATOMIC_SEQ_CST))
		return 0;
	if (t->fd_adopt < 0) {
		/* a session pinned by an rttrace without the iterator */
		fprintf(stderr, "rttrace: this session has no task iterator to attach state to "
			"threads without a pidfd; restart it (rttrace stop; rttrace start)\n");
		return -1;
	}
	fd = bpf_iter_create(t->fd_adopt);
	if (fd >= 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		close(fd);
	}
	if (fd < 0 || n < 0) {
		fprintf(stderr, "rttrace: cannot attach state to the threads waiting for it "
			"(task iterator: %s); they are not tracked\n", strerror(errno));
		return -1;
	}
	return 0;
}

void rt_tracer_start_session(struct rt_tracer *t, uint64_t start_ns)
{
	__atomic_store_n(&t->data->session_start_ns, start_ns, __ATOMIC_SEQ_CST);
}

void rt_tracer_end_session(struct rt_tracer *t, uint64_t end_ns)
{
	__atomic_store_n(&t->data->session_end_ns, end_ns, __ATOMIC_SEQ_CST);
}

uint32_t rt_tracer_nslots(const struct rt_tracer *t)
{
	uint32_t n = __atomic_load_n(&t->bss->next_slot, __ATOMIC_SEQ_CST);

	return n > t->max_slots ? t->max_slots : n;
}

const struct rt_counters *rt_tracer_counters(const struct rt_tracer *t)
{
	return &t->bss->counters;
}

uint64_t rt_tracer_skipped_runs(const struct rt_tracer *t)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	if (!t->skel)
		return 0;
	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

void rt_tracer_detach(struct rt_tracer *t)
{
	if (t->skel)
		rttrace_bpf__detach(t->skel);
}

void rt_tracer_close(struct rt_tracer *t)
{
	if (t->slots)
		munmap(t->slots, t->slots_len);
	t->slots = NULL;
	if (t->events)
		munmap((void *)t->events, t->events_len);
	t->events = NULL;
	if (t->wheres)
		munmap((void *)t->wheres, t->wheres_len);
	t->wheres = NULL;
	rttrace_bpf__destroy(t->skel);
	t->skel = NULL;
}
