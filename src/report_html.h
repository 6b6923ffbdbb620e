/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_REPORT_HTML_H
#define RTTRACE_REPORT_HTML_H

#include <json-c/json.h>

/* Write the HTML page of a JSON report (rt_report_json_tree, or a saved
 * one read back) to path, atomically ("-": stdout).  0, or -1 after
 * printing why. */
int rt_html_write(const char *path, json_object *report);

/* `rttrace html REPORT.json [-o FILE]` (argv[0] names the command). */
int rt_cmd_html(int argc, char **argv);

#endif
