/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_CLI_H
#define RTTRACE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include "rttrace/rttrace.h"

/* Exit codes: the contract scripts rely on. */
#define RT_EXIT_OK 0
#define RT_EXIT_RUNTIME 1
#define RT_EXIT_USAGE 2
#define RT_EXIT_VIOLATION 3

/* Bounds of the command line's numbers. */
#define RT_MAX_TASKS_LIMIT (1 << 20)    /* --max-tasks: 1..this */
#define RT_TRACE_EVENTS_MIN 64          /* --trace-events: a power of 2 in */
#define RT_TRACE_EVENTS_MAX (1 << 20)   /*   [min, max] */
/* -i: the shortest interval (each summary wakes rttrace and prints a table) */
#define RT_MIN_INTERVAL_NS (10ULL * 1000 * 1000)
#define RT_SESSION_TASKS 256            /* rttrace start: default --max-tasks */

enum rt_format { RT_FMT_TEXT, RT_FMT_SEED };
enum rt_backend { RT_BACKEND_AUTO, RT_BACKEND_TP_BTF, RT_BACKEND_RAW_TP };

struct rt_slo_override {
	uint32_t id; /* TID, or TGID of a -t process */
	int metric;
	uint64_t ns;
};

struct rt_opts {
	uint32_t *tids;
	int ntids;
	uint32_t *tgids;
	int ntgids;
	uint64_t duration_ns; /* 0: until Ctrl-C or every task exited */
	uint64_t slo_default[RT_NR_METRICS];
	struct rt_slo_override *slos;
	int nslos;
	const char *json_path;
	enum rt_format format;
	enum rt_backend backend;
	bool fail_on_violation;
	int verbose;
	int max_tasks; /* 0: sized from the targets */
	int keep_exited; /* --keep-exited: exited threads reported one by one */
	bool no_trace; /* --no-trace: no worst-case capture */
	uint32_t ring_size; /* --trace-events: per-CPU ring entries (power of 2) */
	char **command; /* -- COMMAND [ARGS...], NULL-terminated */
	uint64_t interval_ns; /* -i: continuous mode, 0 = off */
	const char *json_lines_path; /* --json-lines FILE|- */
	const char *btf_path; /* --btf FILE: kernel types when the kernel has no BTF */
	char **irq_specs;     /* --irq NAME|NUMBER (IRQ threads to track) */
	int nirq_specs;
	int irq_mode;         /* --irq-mode: RT_IRQM_NONE = auto */
	bool irq_tracking;    /* set by run: an IRQ thread is among the targets */
	const char *prom_path;     /* --prom-file: node_exporter textfile */
	const char *perfetto_path; /* --perfetto: captured windows as a trace */
	const char *html_path;     /* --html: the HTML report */
	const char *housekeeping;  /* --housekeeping CPULIST: where rttrace runs (NULL: chosen) */
};

/* Parse `rttrace run ...` (argv[0] is "run").  Exits with RT_EXIT_USAGE and
 * one line on stderr on bad input. */
void rt_parse_run_args(int argc, char **argv, struct rt_opts *o);

/* Parse a comma-separated list of positive ids; -1 on bad input. */
int rt_parse_id_list(const char *s, uint32_t **ids, int *n, const char **why);

/* Parse "D" or "ID=D" for --slo-*; -1 on bad input. */
int rt_parse_slo_arg(const char *s, uint32_t *id, uint64_t *ns, const char **why);

/* The persistent session's commands (session.c). */
enum rt_session_cmd {
	RT_CMD_START,
	RT_CMD_ADD,
	RT_CMD_SLO,
	RT_CMD_DEL,
	RT_CMD_REPORT,
	RT_CMD_STOP,
};

struct rt_session_opts {
	int max_tasks;         /* start --max-tasks N (default RT_SESSION_TASKS) */
	const char *btf_path;  /* start --btf FILE */
	int verbose;           /* start -v */
	uint32_t tid;          /* add, slo, del: PID (a TID) */
	int metric;            /* slo: RT_LATENCY .. RT_IRQ */
	uint64_t slo_ns;       /* slo: DURATION */
	const char *slo_text;  /* slo: DURATION as given */
	const char *json_path; /* del, report, stop: --json FILE */
	const char *html_path; /* del, report, stop: --html FILE */
};

/* Parse `rttrace start|add|slo|del|report|stop ...` (argv[0] names the
 * command, as for run).  Exits with RT_EXIT_USAGE and a line on stderr on
 * bad input, with 0 after --help. */
void rt_parse_session_args(enum rt_session_cmd cmd, int argc, char **argv,
			   struct rt_session_opts *o);

#endif
