/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_REPORT_HOTPLUG_H
#define RTTRACE_REPORT_HOTPLUG_H

/* CPU hotplug during the session (hotplug.h) in the reports. */
#include <stdio.h>
#include <json-c/json.h>
#include "report.h"

/* One line per CPU offline period (nothing when no CPU changed). */
void rt_report_text_hotplug(FILE *f, const struct rt_report *r);
/* system.cpu_hotplug (null when not watched: a persistent session, or no
 * readable online list), and
 * system.cpu_hotplug_unlisted when some changes were only counted. */
void rt_report_json_hotplug(json_object *sys, const struct rt_report *r);
/* The HTML header's "CPU hotplug" row, from the JSON report (nothing when
 * no CPU changed). */
void rt_report_html_hotplug(FILE *f, json_object *report);

#endif
