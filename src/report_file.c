// SPDX-License-Identifier: GPL-2.0
/* Saved JSON reports: read one back (rttrace diff, rttrace html), write
 * one atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "atomic_file.h"
#include "report_file.h"

json_object *rt_report_file_load(const char *path, const char **why)
{
	static char msg[256];
	json_object *r, *v = NULL, *x = NULL;
	int schema;

	if (access(path, R_OK)) {
		snprintf(msg, sizeof(msg), "cannot read it: %s", strerror(errno));
		*why = msg;
		return NULL;
	}
	r = json_object_from_file(path);
	if (!r) {
		snprintf(msg, sizeof(msg), "not a JSON file, or cut short (%s)",
			 json_util_get_last_err() ? json_util_get_last_err() : "parse error");
		msg[strcspn(msg, "\n")] = 0;
		*why = msg;
		return NULL;
	}
	if (!json_object_is_type(r, json_type_object) ||
	    !json_object_object_get_ex(r, "schema_version", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		*why = "not an rttrace JSON report (no schema_version): write one with rttrace run --json";
		json_object_put(r);
		return NULL;
	}
	schema = json_object_get_int(v);
	if (schema < 1 || schema > RT_JSON_SCHEMA) {
		snprintf(msg, sizeof(msg),
			 "report schema version %d, this rttrace reads 1 to %d: use the rttrace that "
			 "wrote it", schema, RT_JSON_SCHEMA);
		*why = msg;
		json_object_put(r);
		return NULL;
	}
	if (!json_object_object_get_ex(r, "tasks", &x) || !json_object_is_type(x, json_type_array) ||
	    !json_object_object_get_ex(r, "system", &x) || !json_object_is_type(x, json_type_object) ||
	    !json_object_object_get_ex(r, "session", &x) || !json_object_is_type(x, json_type_object)) {
		*why = "an rttrace report without system, session or tasks[]: is it complete?";
		json_object_put(r);
		return NULL;
	}
	return r;
}

int rt_report_file_write(const char *path, json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!strcmp(path, "-")) {
		printf("%s\n", text);
		return fflush(stdout) ? -1 : 0;
	}
	if (rt_write_atomic(path, text, strlen(text))) {
		fprintf(stderr, "rttrace: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

size_t rt_json_alen(json_object *a)
{
	return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

json_object *rt_json_aget(json_object *a, size_t i)
{
	return i < rt_json_alen(a) ? json_object_array_get_idx(a, i) : NULL;
}
