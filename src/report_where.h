/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_REPORT_WHERE_H
#define RTTRACE_REPORT_WHERE_H

#include <stdio.h>
#include <json-c/json.h>
#include "analysis.h"
#include "report.h"

/* A window's block, waker, holder, faults and steal (text lines). */
void rt_report_text_where(FILE *f, const struct rt_analysis *a);
/* Task i's findings block (nothing when it has none). */
void rt_report_text_findings(FILE *f, const struct rt_report *r, int i);

/* The window's "blocked", "waker", "holder", "faults", "steal_ns". */
void rt_report_json_where(json_object *win, const struct rt_analysis *a);
/* Task i's "findings" array (NULL without capture). */
json_object *rt_report_json_findings(const struct rt_report *r, int i);
/* {"user": [FRAME], "kernel": [FRAME]}, NULL for no record. */
json_object *rt_stack_json(const struct rt_where_info *wi);

#endif
