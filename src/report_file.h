/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_REPORT_FILE_H
#define RTTRACE_REPORT_FILE_H

#include <stddef.h>
#include <json-c/json.h>

/* The JSON report's schema version (report_json.c writes it; readers take
 * 1 up to it). */
#define RT_JSON_SCHEMA 2

/* Read a saved JSON report and check it is one rttrace can read: an object
 * with a known schema_version, system, session and tasks[].  NULL with
 * *why set (one phrase) otherwise. */
json_object *rt_report_file_load(const char *path, const char **why);

/* Write o, pretty, to path atomically (a temporary file renamed over it),
 * or to stdout for "-".  0, or -1 after printing why. */
int rt_report_file_write(const char *path, json_object *o);

/* The arrays of a saved report may be anything in a hand-edited file, and
 * json-c asserts on a non-array: readers go through these (a wrong type
 * reads as an empty array). */
size_t rt_json_alen(json_object *a);
json_object *rt_json_aget(json_object *a, size_t i);

#endif
