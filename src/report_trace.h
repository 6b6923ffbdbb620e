/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_REPORT_TRACE_H
#define RTTRACE_REPORT_TRACE_H

#include <stdio.h>
#include <json-c/json.h>
#include "report.h"

/* Text: verdict, breakdown and event trace of task i's metric m windows. */
void rt_report_text_windows(FILE *f, const struct rt_report *r, int i, int m);
/* JSON: "worst" and "last_violation" objects (null when not captured). */
void rt_report_json_windows(json_object *metric, const struct rt_report *r, int i, int m);

#endif
