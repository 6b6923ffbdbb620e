// SPDX-License-Identifier: GPL-2.0
/* Command line of `rttrace run` and of the persistent session's commands
 * (start, add, slo, del, report, stop): argp, as libbpf-tools do. */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "exited.h"
#include "duration.h"
#include "housekeeping.h"
#include "names.h"
#include "session.h"
#include "version.h"

enum {
	OPT_SLO_LATENCY = 0x100,
	OPT_SLO_RESPONSE,
	OPT_SLO_RELIEF,
	OPT_FORMAT,
	OPT_FAIL,
	OPT_MAX_TASKS,
	OPT_BACKEND,
	OPT_NO_TRACE,
	OPT_TRACE_EVENTS,
	OPT_JSON_LINES,
	OPT_BTF,
	OPT_IRQ,
	OPT_IRQ_MODE,
	OPT_SLO_IRQ,
	OPT_PROM,
	OPT_PERFETTO, OPT_HTML,
	OPT_HOUSEKEEPING,
	OPT_KEEP_EXITED,
};

static const char run_doc[] =
"Measure schedule-in latency, response time and control-loop relief time\n"
"of real-time tasks, with SLO bounds and violation counts.\n"
"\n"
"  latency   wakeup of a sleeping task -> it runs on a CPU\n"
"  response  that wakeup -> the task's next voluntary sleep\n"
"  relief    wakeup out of a timer sleep (nanosleep, clock_nanosleep)\n"
"            -> the next timer sleep: one control-loop iteration\n"
"\n"
"The report is printed on Ctrl-C/SIGTERM, after -d, or when every tracked\n"
"task has exited; SIGUSR1 prints it without stopping.  With -i a summary is\n"
"printed every interval.  For each worst case (and last SLO violation) the\n"
"report says why: who held the CPU, IRQs, blocks and their wakers.\n"
"Durations take a unit: ns, us, ms, s (e.g. 250us).\n"
"\n"
"EXAMPLES:\n"
"  rttrace run -p 1234                    # one thread, until Ctrl-C\n"
"  rttrace run -t 1234 -d 10s             # every thread of process 1234\n"
"  rttrace run -p 1234,1240 --slo-latency 100us --slo-relief 1234=2ms\n"
"  rttrace run -d 5s -j report.json -- ./control_loop --period 10ms\n"
"  rttrace run -t 1234 -d 60s --slo-latency 200us --fail-on-violation\n"
"  rttrace run -t 1234 -i 1s --json-lines - > summaries.jsonl\n"
"  rttrace run --irq eth0 --slo-irq 200us -d 30s     # the IRQ threads of eth0\n"
"\n"
"EXIT STATUS: 0 ok, 1 runtime failure, 2 bad usage, 3 an SLO was violated\n"
"(with --fail-on-violation).\n"
"\v"
"OPTIONS:";

static const char run_args_doc[] = "[-- COMMAND [ARGS...]]";

static const struct argp_option run_options[] = {
	{ "pid", 'p', "TID[,TID...]", 0, "Track these threads (kernel TIDs)", 0 },
	{ "tgid", 't', "PID[,PID...]", 0, "Track every thread of these processes, including threads created later", 0 },
	{ "irq", OPT_IRQ, "NAME|NUMBER", 0, "Track the IRQ thread(s) of an interrupt (repeatable)", 0 },
	{ "duration", 'd', "DURATION", 0, "Stop after DURATION (bare number: seconds)", 0 },
	{ "slo-latency", OPT_SLO_LATENCY, "D|ID=D", 0, "Latency bound for every task, or for TID/PID ID (repeatable)", 1 },
	{ "slo-response", OPT_SLO_RESPONSE, "D|ID=D", 0, "Response-time bound", 1 },
	{ "slo-relief", OPT_SLO_RELIEF, "D|ID=D", 0, "Relief-time bound", 1 },
	{ "slo-irq", OPT_SLO_IRQ, "D|ID=D", 0, "Threaded-IRQ handling-time bound (IRQ threads)", 1 },
	{ "fail-on-violation", OPT_FAIL, 0, 0, "Exit with status 3 if any SLO was violated", 1 },
	{ "no-trace", OPT_NO_TRACE, 0, 0, "Do not capture worst-case event traces (lowest overhead)", 1 },
	{ "trace-events", OPT_TRACE_EVENTS, "N", 0, "Events kept per CPU for the capture (power of 2, default 2048)", 1 },
	{ "json", 'j', "FILE|-", 0, "Also write the report as JSON to FILE (- for stdout)", 2 },
	{ "format", OPT_FORMAT, "text|seed", 0, "Text report style; seed prints the old module's lines", 2 },
	{ "interval", 'i', "DURATION", 0, "Continuous mode: print a summary every DURATION", 2 },
	{ "prom-file", OPT_PROM, "FILE", 0, "Prometheus text file (node_exporter textfile collector), rewritten every interval and at the end", 2 },
	{ "perfetto", OPT_PERFETTO, "FILE", 0, "Write the captured worst-case windows as a Perfetto/Chrome JSON trace", 2 },
	{ "html", OPT_HTML, "FILE", 0, "Also write a self-contained HTML report (histograms, timelines) to FILE", 2 },
	{ "json-lines", OPT_JSON_LINES, "FILE|-", 0, "With -i: one JSON object per interval to FILE", 2 },
	{ "housekeeping", OPT_HOUSEKEEPING, "CPULIST", 0, "Run rttrace itself on these CPUs (default: CPUs no tracked task may use, else the one they use least)", 3 },
	{ "max-tasks", OPT_MAX_TASKS, "N", 0, "Room for N live tracked tasks (default: targets + 512 for -t/COMMAND); exited threads' slots are reused", 3 },
	{ "keep-exited", OPT_KEEP_EXITED, "N", 0, "Report the first N exited threads one by one (default 256), merge the rest per thread name", 3 },
	{ "irq-mode", OPT_IRQ_MODE, "auto|fentry|kprobe|tracepoint|sched", 0,
	  "How to time threaded IRQ handlers (default: the best the kernel allows)", 3 },
	{ "btf", OPT_BTF, "FILE", 0, "Kernel BTF to use when the kernel has none (/sys/kernel/btf/vmlinux missing)", 3 },
	{ "backend", OPT_BACKEND, "auto|tp_btf|raw_tp", 0, "Force the probe/storage backend (for testing)", 3 },
	{ "verbose", 'v', 0, 0, "Print libbpf debug output and the chosen kernel features", 3 },
	{ 0 },
};

static void die_usage(struct argp_state *state, const char *fmt, const char *arg,
		      const char *why)
{
	fprintf(stderr, "rttrace: ");
	fprintf(stderr, fmt, arg);
	if (why)
		fprintf(stderr, ": %s", why);
	fprintf(stderr, "\n");
	(void)state;
	exit(RT_EXIT_USAGE);
}

/* An output file (--json FILE and the like) is checked before tracing
 * starts: its directory must exist and be writable, and the path must not
 * be a directory (the file itself is written atomically at the end). */
static void check_output(struct argp_state *state, const char *opt, const char *path)
{
	char *copy, *dir;
	struct stat st;
	int err = 0;

	if (!path || !strcmp(path, "-"))
		return;
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		die_usage(state, "cannot write %s", path, "it is a directory");
	copy = strdup(path);
	if (!copy)
		return;
	dir = dirname(copy);
	if (access(dir, W_OK | X_OK))
		err = errno;
	free(copy);
	if (err) {
		fprintf(stderr, "rttrace: cannot write %s (%s): %s; give a path in a writable "
			"directory\n", path, opt, strerror(err));
		exit(RT_EXIT_USAGE);
	}
}

int rt_parse_id_list(const char *s, uint32_t **ids, int *n, const char **why)
{
	char *dup = strdup(s), *tok, *save = NULL, *end;
	long v;

	if (!dup) {
		*why = "out of memory";
		return -1;
	}
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		errno = 0;
		v = strtol(tok, &end, 10);
		if (errno || *end || end == tok || v <= 0 || v > INT_MAX) {
			*why = "expected positive numeric ids separated by commas";
			free(dup);
			return -1;
		}
		*ids = realloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = (uint32_t)v;
	}
	free(dup);
	if (!*n) {
		*why = "empty list";
		return -1;
	}
	return 0;
}

int rt_parse_slo_arg(const char *s, uint32_t *id, uint64_t *ns, const char **why)
{
	const char *eq = strchr(s, '=');
	char *end;
	long v;

	*id = 0;
	if (eq) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end != eq || v <= 0 || v > INT_MAX) {
			*why = "expected DURATION or ID=DURATION";
			return -1;
		}
		*id = (uint32_t)v;
		s = eq + 1;
	}
	return rt_parse_duration(s, 0, ns, why);
}

static error_t parse_run_arg(int key, char *arg, struct argp_state *state)
{
	struct rt_opts *o = state->input;
	const char *why = NULL;
	uint32_t id;
	uint64_t ns;
	int metric;
	long v;
	char *end;

	switch (key) {
	case 'p':
		if (rt_parse_id_list(arg, &o->tids, &o->ntids, &why))
			die_usage(state, "bad -p '%s'", arg, why);
		break;
	case 't':
		if (rt_parse_id_list(arg, &o->tgids, &o->ntgids, &why))
			die_usage(state, "bad -t '%s'", arg, why);
		break;
	case 'd':
		if (rt_parse_duration(arg, RT_DUR_BARE_SECONDS, &o->duration_ns, &why))
			die_usage(state, "bad duration '%s'", arg, why);
		if (!o->duration_ns)
			die_usage(state, "bad duration '%s'", arg, "must be greater than 0");
		break;
	case OPT_SLO_LATENCY:
	case OPT_SLO_RESPONSE:
	case OPT_SLO_RELIEF:
	case OPT_SLO_IRQ:
		metric = key == OPT_SLO_LATENCY ? RT_LATENCY :
			 key == OPT_SLO_RESPONSE ? RT_RESPONSE :
			 key == OPT_SLO_RELIEF ? RT_RELIEF : RT_IRQ;
		if (rt_parse_slo_arg(arg, &id, &ns, &why))
			die_usage(state, "bad SLO bound '%s'", arg, why);
		if (!id) {
			o->slo_default[metric] = ns;
		} else {
			o->slos = realloc(o->slos, (o->nslos + 1) * sizeof(*o->slos));
			o->slos[o->nslos++] = (struct rt_slo_override){ id, metric, ns };
		}
		break;
	case 'j':
		o->json_path = arg;
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "text"))
			o->format = RT_FMT_TEXT;
		else if (!strcmp(arg, "seed"))
			o->format = RT_FMT_SEED;
		else
			die_usage(state, "bad --format '%s'", arg, "use text or seed");
		break;
	case OPT_FAIL:
		o->fail_on_violation = true;
		break;
	case OPT_MAX_TASKS:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v <= 0 || v > RT_MAX_TASKS_LIMIT)
			die_usage(state, "bad --max-tasks '%s'", arg, "expected 1..1048576");
		o->max_tasks = (int)v;
		break;
	case OPT_KEEP_EXITED:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 0 || v > RT_MAX_TASKS_LIMIT)
			die_usage(state, "bad --keep-exited '%s'", arg, "expected 0..1048576");
		o->keep_exited = (int)v;
		break;
	case 'i':
		if (rt_parse_duration(arg, RT_DUR_BARE_SECONDS, &o->interval_ns, &why))
			die_usage(state, "bad interval '%s'", arg, why);
		if (o->interval_ns < RT_MIN_INTERVAL_NS)
			die_usage(state, "bad interval '%s'", arg, "must be at least 10ms");
		break;
	case OPT_JSON_LINES:
		o->json_lines_path = arg;
		break;
	case OPT_IRQ:
		o->irq_specs = realloc(o->irq_specs, (o->nirq_specs + 1) * sizeof(*o->irq_specs));
		o->irq_specs[o->nirq_specs++] = arg;
		break;
	case OPT_IRQ_MODE:
		o->irq_mode = rt_irq_mode_parse(arg);
		if (o->irq_mode < 0)
			die_usage(state, "bad --irq-mode '%s'", arg,
				  "use auto, fentry, kprobe, tracepoint or sched");
		break;
	case OPT_PROM:
		o->prom_path = arg;
		break;
	case OPT_PERFETTO:
		o->perfetto_path = arg;
		break;
	case OPT_HTML:
		o->html_path = arg;
		break;
	case OPT_HOUSEKEEPING: {
		cpu_set_t set;

		if (rt_cpulist_parse(arg, &set, &why))
			die_usage(state, "bad --housekeeping '%s' (a CPU list, e.g. 0 or 0-1,4)", arg, why);
		o->housekeeping = arg;
		break;
	}
	case OPT_BTF:
		o->btf_path = arg;
		break;
	case OPT_NO_TRACE:
		o->no_trace = true;
		break;
	case OPT_TRACE_EVENTS:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < RT_TRACE_EVENTS_MIN || v > RT_TRACE_EVENTS_MAX ||
		    (v & (v - 1)))
			die_usage(state, "bad --trace-events '%s'", arg,
				  "expected a power of 2 from 64 to 1048576");
		o->ring_size = (uint32_t)v;
		break;
	case OPT_BACKEND:
		if (!strcmp(arg, "auto"))
			o->backend = RT_BACKEND_AUTO;
		else if (!strcmp(arg, "tp_btf"))
			o->backend = RT_BACKEND_TP_BTF;
		else if (!strcmp(arg, "raw_tp"))
			o->backend = RT_BACKEND_RAW_TP;
		else
			die_usage(state, "bad --backend '%s'", arg, "use auto, tp_btf or raw_tp");
		break;
	case 'v':
		o->verbose++;
		break;
	case ARGP_KEY_ARGS:
		o->command = state->argv + state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (o->perfetto_path && o->no_trace)
			die_usage(state, "%s", "--perfetto", "needs the capture (drop --no-trace)");
		if (o->json_lines_path && !o->interval_ns)
			die_usage(state, "%s", "--json-lines", "needs -i DURATION");
		if (!o->ntids && !o->ntgids && !o->command && !o->nirq_specs)
			die_usage(state, "%s", "nothing to trace",
				  "give -p TID, -t PID, --irq IRQ or -- COMMAND (see rttrace run --help)");
		check_output(state, "--json", o->json_path);
		check_output(state, "--json-lines", o->json_lines_path);
		check_output(state, "--html", o->html_path);
		check_output(state, "--perfetto", o->perfetto_path);
		check_output(state, "--prom-file", o->prom_path);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void rt_parse_run_args(int argc, char **argv, struct rt_opts *o)
{
	static const struct argp argp = {
		.options = run_options,
		.parser = parse_run_arg,
		.args_doc = run_args_doc,
		.doc = run_doc,
	};
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < RT_NR_METRICS; i++)
		o->slo_default[i] = RT_SLO_UNSET;
	o->keep_exited = RT_EXITED_KEEP_DEFAULT;
	/* Unknown options and extra arguments exit 2 through argp_error (64 is
	 * argp's default; we make it the documented usage code). */
	argp_err_exit_status = RT_EXIT_USAGE;
	argp_parse(&argp, argc, argv, ARGP_IN_ORDER * 0, NULL, o);
}

/* ---- the persistent session's commands ---------------------------------- */

struct session_parse {
	enum rt_session_cmd cmd;
	struct rt_session_opts *o;
	char *pos[3];  /* the positional arguments */
	int npos;
};

/* Positional arguments of each command: exactly this many. */
static const int session_npos[] = {
	[RT_CMD_START] = 0, [RT_CMD_ADD] = 1, [RT_CMD_SLO] = 3,
	[RT_CMD_DEL] = 1, [RT_CMD_REPORT] = 0, [RT_CMD_STOP] = 0,
};

/* The line a command's misuse prints (start has options to explain). */
static const char *const session_usage[] = {
	[RT_CMD_ADD] = "usage: rttrace add PID [--no-trace]",
	[RT_CMD_SLO] = "usage: rttrace slo PID latency|response|relief|irq DURATION",
	[RT_CMD_DEL] = "usage: rttrace del PID [--json FILE] [--html FILE]",
	[RT_CMD_REPORT] = "usage: rttrace report [--json FILE] [--html FILE]",
	[RT_CMD_STOP] = "usage: rttrace stop [--json FILE] [--html FILE]",
};

static void session_die(const char *fmt, const char *arg, const char *why)
{
	die_usage(NULL, fmt, arg, why);
}

static void session_usage_error(enum rt_session_cmd cmd)
{
	session_die("%s", session_usage[cmd], NULL);
}

/* One TID ("1234"); -1 on anything else. */
static int parse_one_tid(const char *s, uint32_t *tid)
{
	uint32_t *ids = NULL;
	const char *why;
	int n = 0, err;

	err = rt_parse_id_list(s, &ids, &n, &why) || n != 1 ? -1 : 0;
	if (!err)
		*tid = ids[0];
	free(ids);
	return err;
}

/* slo's METRIC and DURATION, after its PID. */
static void parse_slo_bound(struct rt_session_opts *o, const char *metric, const char *dur)
{
	const char *why;
	int m;

	/* irq_delay has no bound of its own */
	for (m = 0; m < RT_IRQ_DELAY; m++)
		if (!strcmp(metric, rt_metric_names[m]))
			break;
	if (m == RT_IRQ_DELAY)
		session_die("%s", "unknown metric: use latency, response, relief or irq", NULL);
	if (rt_parse_duration(dur, 0, &o->slo_ns, &why))
		session_die("bad duration '%s'", dur, why);
	o->metric = m;
	o->slo_text = dur;
}

static error_t parse_session_arg(int key, char *arg, struct argp_state *state)
{
	struct session_parse *p = state->input;
	struct rt_session_opts *o = p->o;
	long v;
	char *end;

	switch (key) {
	case OPT_MAX_TASKS:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v <= 0 || v > RT_MAX_TASKS_LIMIT)
			session_die("%s", "bad --max-tasks", "expected 1..1048576");
		o->max_tasks = (int)v;
		break;
	case OPT_BTF:
		o->btf_path = arg;
		break;
	case 'v':
		o->verbose++;
		break;
	case 'h': /* start has always taken -h too */
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case OPT_NO_TRACE:
		break; /* a session never captures (nothing runs to copy the windows) */
	case 'j':
		o->json_path = arg;
		break;
	case OPT_HTML:
		o->html_path = arg;
		break;
	case ARGP_KEY_ARG:
		if (p->cmd == RT_CMD_START) {
			fprintf(stderr, "rttrace start: unknown argument '%s' (try rttrace start --help)\n",
				arg);
			exit(RT_EXIT_USAGE);
		}
		if (p->npos == session_npos[p->cmd])
			session_usage_error(p->cmd);
		p->pos[p->npos++] = arg;
		break;
	case ARGP_KEY_END:
		if (p->npos != session_npos[p->cmd] ||
		    (p->npos && parse_one_tid(p->pos[0], &o->tid)))
			session_usage_error(p->cmd);
		if (p->cmd == RT_CMD_SLO)
			parse_slo_bound(o, p->pos[1], p->pos[2]);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

_Static_assert(RT_SESSION_TASKS == 256, "start --help states the default");

static const struct argp_option start_options[] = {
	{ "max-tasks", OPT_MAX_TASKS, "N", 0, "Room for N tracked tasks (default 256)", 0 },
	{ "btf", OPT_BTF, "FILE", 0, "Kernel BTF to use when the kernel has none", 0 },
	{ "verbose", 'v', 0, 0, "Print libbpf debug output and the chosen kernel features", 0 },
	{ NULL, 'h', 0, OPTION_HIDDEN, "Give this help list", 0 },
	{ 0 },
};

static const struct argp_option add_options[] = {
	{ "no-trace", OPT_NO_TRACE, 0, 0, "Accepted for `run` compatibility: a session never captures", 0 },
	{ 0 },
};

static const struct argp_option json_options[] = {
	{ "json", 'j', "FILE|-", 0, "Also write the report as JSON to FILE (- for stdout)", 0 },
	{ "html", OPT_HTML, "FILE", 0, "Also write the report as a self-contained HTML page to FILE", 0 },
	{ 0 },
};

static const struct argp_option no_options[] = {
	{ 0 },
};

static const struct argp session_argps[] = {
	[RT_CMD_START] = { start_options, parse_session_arg, NULL,
		"Load rttrace and leave it running (pinned under " RT_PIN_DIR ").\v"
		"Then: rttrace add PID, rttrace slo PID METRIC DURATION, rttrace del PID,\n"
		"rttrace report [--json FILE], rttrace stop [--json FILE].", NULL, NULL, NULL },
	[RT_CMD_ADD] = { add_options, parse_session_arg, "PID",
		"Track thread PID (a TID) in the running session.", NULL, NULL, NULL },
	[RT_CMD_SLO] = { no_options, parse_session_arg, "PID latency|response|relief|irq DURATION",
		"Set a bound for the samples of PID completed from now on.", NULL, NULL, NULL },
	[RT_CMD_DEL] = { json_options, parse_session_arg, "PID",
		"Stop tracking PID and print its report.", NULL, NULL, NULL },
	[RT_CMD_REPORT] = { json_options, parse_session_arg, NULL,
		"Print the report of every task of the session.", NULL, NULL, NULL },
	[RT_CMD_STOP] = { json_options, parse_session_arg, NULL,
		"Print every report, then unload rttrace.", NULL, NULL, NULL },
};

void rt_parse_session_args(enum rt_session_cmd cmd, int argc, char **argv,
			   struct rt_session_opts *o)
{
	struct session_parse p = { .cmd = cmd, .o = o };

	memset(o, 0, sizeof(*o));
	o->max_tasks = RT_SESSION_TASKS;
	argp_err_exit_status = RT_EXIT_USAGE;
	argp_parse(&session_argps[cmd], argc, argv, 0, NULL, &p);
}
