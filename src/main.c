// SPDX-License-Identifier: GPL-2.0
/*
 * rttrace: per-task real-time latency, response and relief times with SLOs,
 * from eBPF programs on the scheduler tracepoints.  Modes are subcommands,
 * as in rtla.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "diff.h"
#include "report_html.h"
#include "run.h"
#include "session.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rttrace COMMAND [OPTIONS]\n"
		"\n"
		"Tell whether real-time tasks meet their latency bounds, with almost no\n"
		"disturbance.\n"
		"\n"
		"Commands:\n"
		"  run       trace tasks (-p TID, -t PID, --irq IRQ or -- COMMAND) and report\n"
		"  start     load rttrace and leave it running (persistent session)\n"
		"  add PID   track a thread in the session;  slo PID METRIC DURATION  set a bound\n"
		"  del PID   stop tracking it and print its report\n"
		"  report    print every report of the session;  stop  print them and unload\n"
		"  diff BASE.json NEW.json   compare two saved reports (CI: --fail-on-regression)\n"
		"  html REPORT.json          the HTML page of a saved report\n"
		"\n"
		"  rttrace run --help     options and examples\n"
		"  rttrace --version      print the version\n");
}

static const struct {
	const char *name;
	const char *prog; /* how argp names the program in its messages */
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", "rttrace run", rt_cmd_run },
	{ "start", "rttrace start", rt_cmd_start },
	{ "add", "rttrace add", rt_cmd_add },
	{ "slo", "rttrace slo", rt_cmd_slo },
	{ "del", "rttrace del", rt_cmd_del },
	{ "report", "rttrace report", rt_cmd_report },
	{ "stop", "rttrace stop", rt_cmd_stop },
	{ "diff", "rttrace diff", rt_cmd_diff },
	{ "html", "rttrace html", rt_cmd_html },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return RT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("rttrace %s\n", RTTRACE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		argv[1] = (char *)commands[i].prog;
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "rttrace: unknown command '%s' (try rttrace --help)\n", argv[1]);
	return RT_EXIT_USAGE;
}
