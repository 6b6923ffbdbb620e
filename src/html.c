// SPDX-License-Identifier: GPL-2.0
/* rttrace html REPORT.json [-o FILE]: the HTML page of a saved JSON report
 * (trace on the target, look on a laptop). */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "report_file.h"
#include "report_html.h"

struct html_opts {
	const char *in, *out;
};

static const struct argp_option html_options[] = {
	{ "output", 'o', "FILE", 0, "Write the page to FILE (default: REPORT with .html for .json; - for stdout)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct html_opts *o = state->input;

	switch (key) {
	case 'o':
		o->out = arg;
		break;
	case ARGP_KEY_ARG:
		if (o->in) {
			fprintf(stderr, "rttrace html: one report, not also '%s' (try rttrace html --help)\n",
				arg);
			exit(RT_EXIT_USAGE);
		}
		o->in = arg;
		break;
	case ARGP_KEY_END:
		if (!o->in) {
			fprintf(stderr, "rttrace html: give the JSON report to show (try rttrace html --help)\n");
			exit(RT_EXIT_USAGE);
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp html_argp = {
	html_options, parse_opt, "REPORT.json",
	"Make the self-contained HTML page of a saved JSON report (rttrace run --json): the same "
	"page as rttrace run --html.\v"
	"Exit status: 0, 1 when the page cannot be written, 2 for a report rttrace cannot read.\n\n"
	"Example:\n  rttrace html report.json -o report.html",
	NULL, NULL, NULL,
};

int rt_cmd_html(int argc, char **argv)
{
	struct html_opts o = { 0 };
	char *def = NULL;
	const char *why;
	json_object *r;
	int rc;

	argp_parse(&html_argp, argc, argv, 0, NULL, &o);
	r = rt_report_file_load(o.in, &why);
	if (!r) {
		fprintf(stderr, "rttrace html: %s: %s\n", o.in, why);
		return RT_EXIT_USAGE;
	}
	if (!o.out) {
		size_t n = strlen(o.in);

		def = malloc(n + 6);
		if (!def)
			return RT_EXIT_RUNTIME;
		strcpy(def, o.in);
		if (n > 5 && !strcmp(def + n - 5, ".json"))
			def[n - 5] = 0;
		strcat(def, ".html");
		o.out = def;
	}
	rc = rt_html_write(o.out, r) ? RT_EXIT_RUNTIME : RT_EXIT_OK;
	json_object_put(r);
	free(def);
	return rc;
}
