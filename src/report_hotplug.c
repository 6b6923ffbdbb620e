// SPDX-License-Identifier: GPL-2.0
/* CPU hotplug during the session, in the text, JSON and HTML reports. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "hotplug.h"
#include "report_hotplug.h"

static void text_line(void *arg, const char *sentence)
{
	fprintf(arg, "%s\n", sentence);
}

void rt_report_text_hotplug(FILE *f, const struct rt_report *r)
{
	const struct rt_hotplug *h = r->hotplug;

	if (!h || !h->watching)
		return;
	rt_hotplug_sentences(h->changes, h->n, !h->unlisted, r->start_ns, text_line, f);
	if (h->unlisted)
		fprintf(f, "%" PRIu64 " more CPU hotplug changes (not listed)\n", h->unlisted);
}

void rt_report_json_hotplug(json_object *sys, const struct rt_report *r)
{
	const struct rt_hotplug *h = r->hotplug;
	json_object *a;
	int i;

	if (!h || !h->watching) {
		json_object_object_add(sys, "cpu_hotplug", NULL);
		return;
	}
	a = json_object_new_array();
	for (i = 0; i < h->n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "cpu", json_object_new_int(h->changes[i].cpu));
		json_object_object_add(o, "online", json_object_new_boolean(h->changes[i].online));
		json_object_object_add(o, "t_ns", json_object_new_int64((int64_t)h->changes[i].t_ns));
		json_object_array_add(a, o);
	}
	json_object_object_add(sys, "cpu_hotplug", a);
	if (h->unlisted)
		json_object_object_add(sys, "cpu_hotplug_unlisted",
				       json_object_new_int64((int64_t)h->unlisted));
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

struct html_row {
	FILE *f;
	int n;
};

/* the sentences hold digits, letters, '+', '.' and spaces: nothing to escape */
static void html_line(void *arg, const char *sentence)
{
	struct html_row *row = arg;

	fprintf(row->f, "%s%s", row->n++ ? "<br>" : "", sentence);
}

void rt_report_html_hotplug(FILE *f, json_object *report)
{
	json_object *sys = get(report, "system"), *a = get(sys, "cpu_hotplug");
	json_object *start = get(get(report, "session"), "start_ns"), *more;
	struct html_row row = { f, 0 };
	struct rt_hotplug_change *c;
	size_t i, n, nc = 0;

	if (!a || !json_object_is_type(a, json_type_array) || !json_object_array_length(a))
		return;
	n = json_object_array_length(a);
	if (n > RT_HOTPLUG_MAX)
		n = RT_HOTPLUG_MAX;
	c = calloc(n, sizeof(*c));
	if (!c)
		return;
	/* a saved report's entries of the wrong type are left out */
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		json_object *cpu = get(e, "cpu"), *on = get(e, "online"), *t = get(e, "t_ns");

		if (!json_object_is_type(cpu, json_type_int) ||
		    !json_object_is_type(on, json_type_boolean) ||
		    !json_object_is_type(t, json_type_int) || json_object_get_int64(t) < 0)
			continue;
		c[nc].cpu = json_object_get_int(cpu);
		c[nc].online = json_object_get_boolean(on);
		c[nc++].t_ns = (uint64_t)json_object_get_int64(t);
	}
	if (!nc) {
		free(c);
		return;
	}
	more = get(sys, "cpu_hotplug_unlisted");
	fprintf(f, "<tr><th>CPU hotplug</th><td>");
	rt_hotplug_sentences(c, (int)nc, !more && nc == json_object_array_length(a),
			     start ? (uint64_t)json_object_get_int64(start) : 0, html_line, &row);
	if (more)
		fprintf(f, "<br>%" PRId64 " more changes (not listed)", json_object_get_int64(more));
	fprintf(f, "</td></tr>\n");
	free(c);
}
