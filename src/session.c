// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent session: `rttrace start` loads the programs and pins them and
 * their maps under /sys/fs/bpf/rttrace/, then returns; tracing goes on with
 * no rttrace process.  `add`, `slo`, `del`, `report` and `stop` open the
 * pinned maps.
 *
 * Boundaries are exact: a sample counts only if its whole window lies
 * between the task's `add` and its `del` (the kernel side compares the
 * window with the slot's added_ns/removed_ns), and a bound set with `slo`
 * applies to every sample completed after the command returns.  Slots are
 * never reused and the state lives in task storage, so a new task that
 * gets an old PID is not merged into the old task's statistics; the old
 * report stays until `del` or `stop`.
 *
 * No capture here: nothing runs to copy windows out of the rings.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include "rttrace/rttrace.h"
#include "rttrace.skel.h"
#include "cli.h"
#include "housekeeping.h"
#include "names.h"
#include "procfs.h"
#include "report.h"
#include "report_html.h"
#include "session.h"
#include "test_hook.h"
#include "tracer.h"

/* How long release_ttab() waits before its second try. */
#define TTAB_SETTLE_US 10000

struct pinned_map {
	const char *name;
	struct bpf_map *(*get)(struct rttrace_bpf *);
};

#define M(field) static struct bpf_map *get_##field(struct rttrace_bpf *s) { return s->maps.field; }
M(slots) M(task_state) M(task_state_hash) M(want) M(irq_threads) M(track_tgid) M(slo_by_id)
M(bss) M(data) M(rodata) M(switch_body) M(raw_switch_body) M(ttab)
#undef M

static const struct pinned_map pins[] = {
	{ "slots", get_slots }, { "task_state", get_task_state },
	{ "task_state_hash", get_task_state_hash }, { "want", get_want },
	{ "irq_threads", get_irq_threads }, { "track_tgid", get_track_tgid },
	{ "slo_by_id", get_slo_by_id }, { "bss", get_bss }, { "data", get_data },
	{ "rodata", get_rodata }, { "ttab", get_ttab },
	/* a program array loses its entries when no file refers to it */
	{ "switch_body", get_switch_body }, { "raw_switch_body", get_raw_switch_body },
};

static bool session_running(void)
{
	return access(RT_PIN_DIR "/slots", F_OK) == 0;
}

static int no_session(void)
{
	fprintf(stderr, "rttrace: no session is running (start one with: rttrace start)\n");
	return RT_EXIT_USAGE;
}

static void *map_mmap(int fd, size_t len, int prot)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	len = (len + page - 1) / page * page;
	p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Open the pinned session into *t (no skeleton). */
static int attach_session(struct rt_tracer *t, struct rt_opts *o)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	struct rttrace_bpf__rodata ro;
	int key = 0, fd_ro;

	memset(t, 0, sizeof(*t));
	memset(o, 0, sizeof(*o));
	for (key = 0; key < RT_NR_METRICS; key++)
		o->slo_default[key] = RT_SLO_UNSET;
	key = 0;
	t->opts = o;
	if (!session_running())
		return no_session();
	t->fd_slots = bpf_obj_get(RT_PIN_DIR "/slots");
	t->fd_want = bpf_obj_get(RT_PIN_DIR "/want");
	t->fd_free = -1; /* a session does not recycle slots: no process watches it */
	t->fd_irq = bpf_obj_get(RT_PIN_DIR "/irq_threads");
	t->fd_track_tgid = bpf_obj_get(RT_PIN_DIR "/track_tgid");
	t->fd_slo = bpf_obj_get(RT_PIN_DIR "/slo_by_id");
	t->fd_adopt = bpf_obj_get(RT_PIN_DIR "/link_adopt_tasks");
	t->feat.tp_btf = access(RT_PIN_DIR "/task_state", F_OK) == 0;
	if (t->feat.tp_btf && access(RT_PIN_DIR "/ttab", F_OK) != 0) {
		/* its programs read the task state in an older layout */
		fprintf(stderr, "rttrace: the session in %s was started by an older rttrace; "
			"restart it (rttrace stop; rttrace start)\n", RT_PIN_DIR);
		return RT_EXIT_RUNTIME;
	}
	t->fd_task_state = bpf_obj_get(t->feat.tp_btf ? RT_PIN_DIR "/task_state" :
					       RT_PIN_DIR "/task_state_hash");
	fd_ro = bpf_obj_get(RT_PIN_DIR "/rodata");
	if (t->fd_slots < 0 || t->fd_task_state < 0 || fd_ro < 0 ||
	    bpf_obj_get_info_by_fd(t->fd_slots, &info, &len)) {
		fprintf(stderr, "rttrace: cannot open the session in %s: %s\n", RT_PIN_DIR, strerror(errno));
		return RT_EXIT_RUNTIME;
	}
	t->max_slots = info.max_entries;
	t->slots_len = (size_t)t->max_slots * sizeof(struct rt_slot);
	t->slots = map_mmap(t->fd_slots, t->slots_len, PROT_READ | PROT_WRITE);
	t->bss = map_mmap(bpf_obj_get(RT_PIN_DIR "/bss"), sizeof(*t->bss), PROT_READ | PROT_WRITE);
	t->data = map_mmap(bpf_obj_get(RT_PIN_DIR "/data"), sizeof(*t->data), PROT_READ | PROT_WRITE);
	if (!t->slots || !t->bss || !t->data || bpf_map_lookup_elem(fd_ro, &key, &ro)) {
		fprintf(stderr, "rttrace: cannot map the session's data: %s\n", strerror(errno));
		return RT_EXIT_RUNTIME;
	}
	t->irq_mode = ro.irq_mode;
	t->feat.timer_detect = true;
	return 0;
}

/* Latest slot of TID tid (slots are never reused: a reused PID has several). */
static int find_slot(struct rt_tracer *t, uint32_t tid, bool live_only)
{
	uint32_t i, n = __atomic_load_n(&t->bss->next_slot, __ATOMIC_SEQ_CST);
	int found = -1;

	if (n > t->max_slots)
		n = t->max_slots;
	for (i = 0; i < n; i++) {
		uint32_t f = t->slots[i].flags;

		if (t->slots[i].tid != tid || !(f & RT_SLOT_VALID) || (f & RT_SLOT_REMOVED))
			continue;
		if (live_only && (f & RT_SLOT_EXITED))
			continue;
		found = (int)i;
	}
	return found;
}

/* A gate's program array loses its entries when its last reference goes:
 * for a session, its pin.  Gate attached, pin gone: every switch is lost. */
static const char *session_gate_lost(void)
{
	if (access(RT_PIN_DIR "/link_tp_switch_gate", F_OK) == 0 &&
	    access(RT_PIN_DIR "/switch_body", F_OK) != 0)
		return RT_PIN_DIR "/switch_body";
	if (access(RT_PIN_DIR "/link_raw_switch_gate", F_OK) == 0 &&
	    access(RT_PIN_DIR "/raw_switch_body", F_OK) != 0)
		return RT_PIN_DIR "/raw_switch_body";
	return NULL; /* (a session never captures: no *_gate_cap) */
}

static int gate_lost_error(const char *pin)
{
	fprintf(stderr, "rttrace: the session's sched_switch program slot (%s) was removed: "
		"context switches are no longer seen since then; restart the session "
		"(rttrace stop; rttrace start)\n", pin);
	return RT_EXIT_RUNTIME;
}

/* A session command runs briefly, but on a traced CPU even briefly is an
 * interruption: keep it off the CPUs the session's live tasks (and `also`,
 * a task being added) may run on. */
static void keep_off_tracked(struct rt_tracer *t, uint32_t also)
{
	uint32_t i, n = __atomic_load_n(&t->bss->next_slot, __ATOMIC_SEQ_CST), *tids;
	struct rt_housekeeper h;
	int nt = 0;

	if (n > t->max_slots)
		n = t->max_slots;
	tids = malloc((n + 1) * sizeof(*tids));
	if (!tids)
		return;
	for (i = 0; i < n; i++)
		if ((t->slots[i].flags & RT_SLOT_VALID) &&
		    !(t->slots[i].flags & (RT_SLOT_REMOVED | RT_SLOT_EXITED)))
			tids[nt++] = t->slots[i].tid;
	if (also)
		tids[nt++] = also;
	if (!rt_housekeeper_start(&h, NULL, tids, nt, true))
		rt_housekeeper_free(&h);
	free(tids);
}

/* The report of the given slots (all valid ones when only < 0), built as
 * `run` builds one: the statistics, then the windows analysed (none: a
 * session has no capture).  Free with rt_report_free(). */
static void build_report(struct rt_tracer *t, int only, const struct rt_opts *o,
			 struct rt_report *r)
{
	uint32_t i, n = __atomic_load_n(&t->bss->next_slot, __ATOMIC_SEQ_CST);

	if (n > t->max_slots)
		n = t->max_slots;
	memset(r, 0, sizeof(*r));
	r->opts = o;
	r->feat = &t->feat;
	r->start_ns = t->data->session_start_ns;
	r->end_ns = rt_now_ns();
	r->counters = t->bss->counters;
	r->irq_mode = t->irq_mode;
	r->tasks = calloc(n ? n : 1, sizeof(*r->tasks));
	r->slot_idx = calloc(n ? n : 1, sizeof(*r->slot_idx));
	for (i = 0; i < n; i++) {
		if (!(t->slots[i].flags & RT_SLOT_VALID) || (only >= 0 && (int)i != only))
			continue;
		if (only < 0 && (t->slots[i].flags & RT_SLOT_REMOVED))
			continue;
		r->slot_idx[r->ntasks] = i;
		r->tasks[r->ntasks++] = t->slots[i];
	}
	rt_report_add_windows(r);
}

/* Print (and write as JSON) the report of the given slots. */
static int session_report(struct rt_tracer *t, int only, const struct rt_session_opts *so)
{
	struct rt_opts o = { .format = RT_FMT_TEXT };
	struct rt_report r;
	const char *lost;
	int rc = 0;

	build_report(t, only, &o, &r);
	rt_report_text(stdout, &r);
	if (so->json_path && rt_report_json(so->json_path, &r))
		rc = RT_EXIT_RUNTIME;
	if (so->html_path) {
		json_object *tree = rt_report_json_tree(&r);

		if (rt_html_write(so->html_path, tree))
			rc = RT_EXIT_RUNTIME;
		json_object_put(tree);
	}
	if ((lost = session_gate_lost()))
		rc = gate_lost_error(lost); /* after the report: what was measured stays */
	rt_report_free(&r);
	return rc;
}

/* Remove every pin in dir, then dir: the programs detach and unload with
 * their last pin. */
static void unpin_dir(const char *dir)
{
	struct dirent *de;
	char path[512];
	DIR *d = opendir(dir);
	bool first = true;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
		if (first)
			rt_test_stop_at("unpin");
		first = false;
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Is pid (still) an rttrace process? */
static bool rttrace_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (kill(pid, 0) && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true; /* cannot tell: leave it */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return !strncmp(comm, "rttrace", 7); /* else the PID was reused */
}

/*
 * A session is pinned in RT_PIN_DIR-starting-PID and renamed to RT_PIN_DIR once
 * complete; `stop` renames it to RT_PIN_DIR-stopping-PID before it removes the
 * pins.  So RT_PIN_DIR is a whole session or nothing, and a kill -9 of
 * `start` or `stop` leaves one of these directories (its programs still
 * attached): `start` and `stop` remove those whose process is gone (or is
 * no rttrace: its PID was reused), and say so.  A RT_PIN_DIR without its
 * statistics map is the remains of a session an older rttrace began or
 * ended: removed too (silently when empty).  Returns how many were
 * removed.
 */
static int remove_leftovers(void)
{
	static const char *const kinds[] = { "-starting-", "-stopping-" };
	const char *base = strrchr(RT_PIN_DIR, '/') + 1;
	char parent[256], path[512], *end;
	struct dirent *de;
	int removed = 0;
	size_t k, n = strlen(base);
	long pid;
	DIR *d;

	if (!access(RT_PIN_DIR, F_OK) && !session_running() && rmdir(RT_PIN_DIR)) {
		fprintf(stderr, "rttrace: removed %s: an incomplete session (an rttrace killed "
			"while starting or stopping it)\n", RT_PIN_DIR);
		unpin_dir(RT_PIN_DIR);
		removed++;
	}
	snprintf(parent, sizeof(parent), "%.*s", (int)(base - 1 - RT_PIN_DIR), RT_PIN_DIR);
	d = opendir(parent);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, base, n))
			continue;
		for (k = 0; k < 2; k++)
			if (!strncmp(de->d_name + n, kinds[k], strlen(kinds[k])))
				break;
		if (k == 2)
			continue;
		pid = strtol(de->d_name + n + strlen(kinds[k]), &end, 10);
		if (*end || pid <= 0 || pid == getpid() || rttrace_alive((pid_t)pid))
			continue; /* not ours, or its rttrace is still at work */
		snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
		fprintf(stderr, "rttrace: removed %s: a session left half %s by an rttrace %s "
			"that was killed (PID %ld)\n", path, k ? "removed" : "made",
			k ? "stop" : "start", pid);
		unpin_dir(path);
		removed++;
	}
	if (d)
		closedir(d);
	return removed;
}

/* Remove the session: renamed away first, so that a kill -9 half-way
 * leaves no half session at RT_PIN_DIR (remove_leftovers() ends it). */
static void remove_session(void)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s-stopping-%d", RT_PIN_DIR, (int)getpid());
	unpin_dir(rename(RT_PIN_DIR, dir) ? RT_PIN_DIR : dir);
}

int rt_cmd_start(int argc, char **argv)
{
	struct rt_session_opts so;
	struct rt_opts o;
	struct rt_tracer t;
	struct statfs sfs;
	char path[512], dir[256];
	size_t i;
	int rc, k;

	rt_parse_session_args(RT_CMD_START, argc, argv, &so);
	memset(&o, 0, sizeof(o));
	for (k = 0; k < RT_NR_METRICS; k++)
		o.slo_default[k] = RT_SLO_UNSET;
	o.no_trace = true;
	o.max_tasks = so.max_tasks;
	o.btf_path = so.btf_path;
	o.verbose = so.verbose;
	remove_leftovers();
	if (session_running()) {
		fprintf(stderr, "rttrace: a session is already running (%s); end it with: rttrace stop\n", RT_PIN_DIR);
		return RT_EXIT_USAGE;
	}
	if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC)
		/* pinning needs bpffs; if this fails, mkdir below says so */
		mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL);
	{
		struct rt_housekeeper h; /* no task yet: off the isolated CPUs */

		if (!rt_housekeeper_start(&h, NULL, NULL, 0, true))
			rt_housekeeper_free(&h);
	}
	rc = rt_tracer_open(&t, &o, (uint32_t)o.max_tasks);
	if (rc)
		return rc;
	rt_tracer_start_session(&t, rt_now_ns());
	rt_test_stop_at("attached");
	/* pinned aside, then renamed into place: RT_PIN_DIR is whole or absent */
	snprintf(dir, sizeof(dir), "%s-starting-%d", RT_PIN_DIR, (int)getpid());
	unpin_dir(dir); /* an earlier process with our PID, killed */
	if (mkdir(dir, 0700)) {
		fprintf(stderr, "rttrace: cannot create %s: %s (is bpffs mounted on /sys/fs/bpf?)\n",
			dir, strerror(errno));
		rt_tracer_close(&t);
		return RT_EXIT_RUNTIME;
	}
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		struct bpf_map *m = pins[i].get(t.skel);

		if (bpf_map__fd(m) < 0)
			continue; /* not created (the other backend's state map) */
		snprintf(path, sizeof(path), "%s/%s", dir, pins[i].name);
		if (bpf_map__pin(m, path))
			goto pin_failed;
		if (!i)
			rt_test_stop_at("pin");
	}
	for (k = 0; k < t.skel->skeleton->prog_cnt; k++) {
		struct bpf_link *l = *t.skel->skeleton->progs[k].link;

		if (!l)
			continue;
		snprintf(path, sizeof(path), "%s/link_%s", dir, t.skel->skeleton->progs[k].name);
		if (bpf_link__pin(l, path))
			goto pin_failed;
	}
	if (rename(dir, RT_PIN_DIR)) {
		int err = errno;

		rt_tracer_close(&t);
		unpin_dir(dir);
		if (err == ENOTEMPTY || err == EEXIST) {
			/* another rttrace start was quicker */
			fprintf(stderr, "rttrace: a session is already running (%s); end it with: "
				"rttrace stop\n", RT_PIN_DIR);
			return RT_EXIT_USAGE;
		}
		fprintf(stderr, "rttrace: cannot create %s: %s\n", RT_PIN_DIR, strerror(err));
		return RT_EXIT_RUNTIME;
	}
	printf("rttrace: session started (%s, room for %d tasks, backend %s); add tasks with: rttrace add PID\n",
	       RT_PIN_DIR, o.max_tasks, t.feat.tp_btf ? "tp_btf" : "raw_tp");
	rt_tracer_close(&t); /* the pins keep everything alive */
	return 0;
pin_failed:
	fprintf(stderr, "rttrace: cannot pin %s: %s\n", path, strerror(errno));
	rt_tracer_close(&t);
	unpin_dir(dir);
	return RT_EXIT_RUNTIME;
}

int rt_cmd_add(int argc, char **argv)
{
	struct rt_session_opts so;
	struct rt_proc_task pt;
	struct rt_tracer t;
	struct rt_opts o;
	uint32_t tid;
	int rc;

	rt_parse_session_args(RT_CMD_ADD, argc, argv, &so);
	tid = so.tid;
	rc = attach_session(&t, &o);
	if (rc)
		return rc;
	keep_off_tracked(&t, tid);
	if (session_gate_lost())
		return gate_lost_error(session_gate_lost());
	if (rt_proc_task(tid, &pt)) {
		fprintf(stderr, "rttrace: no such thread: TID %u\n", tid);
		return RT_EXIT_USAGE;
	}
	if (find_slot(&t, tid, true) >= 0) {
		fprintf(stderr, "rttrace: TID %u is already tracked (rttrace del %u first)\n", tid, tid);
		return RT_EXIT_USAGE;
	}
	rc = rt_tracer_add_task(&t, &pt);
	if (!rc && rt_tracer_adopt(&t))
		return RT_EXIT_RUNTIME;
	if (rc == -ENOSPC) {
		fprintf(stderr, "rttrace: the session's task table is full; restart it with rttrace start --max-tasks N\n");
		return RT_EXIT_RUNTIME;
	}
	if (rc) {
		fprintf(stderr, "rttrace: cannot track TID %u: %s\n", tid, strerror(-rc));
		return RT_EXIT_RUNTIME;
	}
	printf("rttrace: tracking TID %u (%s)\n", tid, pt.comm);
	return 0;
}

int rt_cmd_slo(int argc, char **argv)
{
	struct rt_session_opts so;
	struct rt_tracer t;
	struct rt_opts o;
	int rc, idx;

	rt_parse_session_args(RT_CMD_SLO, argc, argv, &so);
	rc = attach_session(&t, &o);
	if (rc)
		return rc;
	keep_off_tracked(&t, 0);
	idx = find_slot(&t, so.tid, false);
	if (idx < 0) {
		fprintf(stderr, "rttrace: TID %u is not tracked (rttrace add %u)\n", so.tid, so.tid);
		return RT_EXIT_USAGE;
	}
	__atomic_store_n(&t.slots[idx].m[so.metric].slo_ns, so.slo_ns, __ATOMIC_SEQ_CST);
	printf("rttrace: TID %u %s bound %s, for samples completed from now on\n", so.tid,
	       rt_metric_names[so.metric], so.slo_text);
	return 0;
}

/* Free the task's entry in the direct-mapped state table, if it has one,
 * after its storage is gone (the BPF side then sees it untracked).  A
 * compare-and-swap on the TID: the entry may meanwhile belong to another
 * task.  Once more after TTAB_SETTLE_US, for a move that was under way. */
static void release_ttab(uint32_t tid)
{
	struct rt_ttab_ent *tab;
	uint32_t want;
	int fd = bpf_obj_get(RT_PIN_DIR "/ttab"), k;

	if (fd < 0)
		return; /* the raw_tp backend has none */
	tab = map_mmap(fd, (size_t)RT_TTAB * sizeof(*tab), PROT_READ | PROT_WRITE);
	close(fd);
	if (!tab)
		return;
	for (k = 0; k < 2; k++) {
		want = tid;
		__atomic_compare_exchange_n(&tab[tid & (RT_TTAB - 1)].st.tid, &want, 0, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		if (!k)
			usleep(TTAB_SETTLE_US);
	}
	munmap(tab, (size_t)RT_TTAB * sizeof(*tab));
}

int rt_cmd_del(int argc, char **argv)
{
	struct rt_session_opts so;
	struct rt_tracer t;
	struct rt_opts o;
	uint32_t tid;
	int rc, idx, fd;

	rt_parse_session_args(RT_CMD_DEL, argc, argv, &so);
	tid = so.tid;
	rc = attach_session(&t, &o);
	if (rc)
		return rc;
	keep_off_tracked(&t, 0);
	idx = find_slot(&t, tid, false);
	if (idx < 0) {
		fprintf(stderr, "rttrace: TID %u is not tracked\n", tid);
		return RT_EXIT_USAGE;
	}
	/* From here on no sample of this task counts; then drop its state. */
	__atomic_store_n(&t.slots[idx].removed_ns, rt_now_ns(), __ATOMIC_SEQ_CST);
	if (t.feat.tp_btf) {
		fd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
		if (fd < 0)
			fd = syscall(SYS_pidfd_open, tid, 0);
		if (fd >= 0) {
			bpf_map_delete_elem(t.fd_task_state, &fd);
			close(fd);
		}
	} else {
		bpf_map_delete_elem(t.fd_task_state, &tid);
	}
	if (!bpf_map_delete_elem(t.fd_want, &tid))
		__atomic_fetch_sub(&t.bss->want_count, 1, __ATOMIC_SEQ_CST);
	bpf_map_delete_elem(t.fd_irq, &tid);
	release_ttab(tid);
	rc = session_report(&t, idx, &so);
	__atomic_fetch_or(&t.slots[idx].flags, RT_SLOT_REMOVED, __ATOMIC_SEQ_CST);
	return rc;
}

int rt_cmd_report(int argc, char **argv)
{
	struct rt_session_opts so;
	struct rt_tracer t;
	struct rt_opts o;
	int rc;

	rt_parse_session_args(RT_CMD_REPORT, argc, argv, &so);
	rc = attach_session(&t, &o);
	if (rc)
		return rc;
	keep_off_tracked(&t, 0);
	return session_report(&t, -1, &so);
}

int rt_cmd_stop(int argc, char **argv)
{
	struct rt_session_opts so;
	struct rt_tracer t;
	struct rt_opts o;
	int rc, removed;

	rt_parse_session_args(RT_CMD_STOP, argc, argv, &so);
	removed = remove_leftovers();
	if (removed && !session_running())
		return 0; /* that was all there was to stop */
	rc = attach_session(&t, &o);
	if (rc == RT_EXIT_RUNTIME && session_running()) {
		/* said why; a damaged session is still removed */
		fprintf(stderr, "rttrace: removing the session without a report\n");
		remove_session();
		printf("rttrace: session stopped\n");
		return rc;
	}
	if (rc)
		return rc;
	keep_off_tracked(&t, 0);
	/* every report, then the pins go and the programs detach with them */
	__atomic_store_n(&t.data->session_end_ns, rt_now_ns(), __ATOMIC_SEQ_CST);
	rc = session_report(&t, -1, &so);
	remove_session();
	printf("rttrace: session stopped\n");
	return rc;
}
