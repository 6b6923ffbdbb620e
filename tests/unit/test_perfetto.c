// SPDX-License-Identifier: GPL-2.0
/* Perfetto JSON trace (parsed back with json-c: structure and nesting),
 * and the renderers' one source: the report model's analysed windows. */
#include "report_fixture.h"

struct slice { int pid; long tid; double ts, end; };

static double num(json_object *o, const char *k)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	assert_true(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int));
	return json_object_get_double(v);
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *arg(json_object *o, const char *k)
{
	json_object *a, *v;

	if (!json_object_object_get_ex(o, "args", &a) || !json_object_object_get_ex(a, k, &v))
		return NULL;
	return v;
}

static void test_perfetto(void **state)
{
	struct fixture *fx = *state;
	json_object *root, *evs, *v;
	double wstart[8] = { 0 }, wend[8] = { 0 }, prev_ts = -1e18;
	struct slice *sl;
	int n, i, j, nsl = 0, nwin = 0, hog = 0, irq = 0, softirq = 0, wake = 0, mig = 0, verdicts = 0;
	bool named1 = false, cpu1 = false;
	char *text, cmd[256];

	assert_int_equal(rt_export_perfetto(fx->perf, &fx->r), 0);
	text = slurp(fx->perf);
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "traceEvents", &evs));
	assert_true(json_object_is_type(evs, json_type_array));
	assert_string_equal(str(root, "displayTimeUnit"), "ns");
	n = json_object_array_length(evs);
	sl = calloc(n, sizeof(*sl));

	/* Pass 1: every event's fields; the windows' extents. */
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(evs, i);
		const char *ph = str(e, "ph");
		int pid;

		assert_non_null(ph);
		assert_non_null(str(e, "name"));
		num(e, "ts");
		pid = (int)num(e, "pid");
		num(e, "tid");
		assert_true(pid >= 1 && pid < 8);
		assert_true(!strcmp(ph, "M") || !strcmp(ph, "X") || !strcmp(ph, "i"));
		if (!strcmp(ph, "M")) {
			assert_non_null(json_object_object_get_ex(e, "args", &v) ? v : NULL);
			if (!strcmp(str(e, "name"), "process_name") && pid == 1) {
				assert_string_equal(json_object_get_string(arg(e, "name")),
						    "TID 1234 control_loop: worst (and last violating) latency 250.00 us");
				named1 = true;
			}
			if (!strcmp(str(e, "name"), "thread_name") &&
			    !strcmp(json_object_get_string(arg(e, "name")), "CPU 1") && pid == 1)
				cpu1 = true;
			continue;
		}
		/* timed events sorted by ts */
		assert_true(num(e, "ts") >= prev_ts);
		prev_ts = num(e, "ts");
		if (!strcmp(str(e, "cat"), "window")) {
			nwin++;
			wstart[pid] = (json_object_get_int64(arg(e, "start_ns")) - (int64_t)S0) / 1e3;
			wend[pid] = (json_object_get_int64(arg(e, "end_ns")) - (int64_t)S0) / 1e3;
			assert_true(fabs(num(e, "ts") - wstart[pid]) < 1e-6);
			assert_true(fabs(num(e, "dur") - (wend[pid] - wstart[pid])) < 1e-6);
			assert_non_null(arg(e, "verdict"));
		}
	}
	assert_true(named1);
	assert_true(cpu1);
	/* latency worst (== last violation: once) and response worst; the
	 * mismatching window of task 1240 is left out */
	assert_int_equal(nwin, 2);

	/* Pass 2: X durations, ts within the window, contents. */
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(evs, i);
		const char *ph = str(e, "ph"), *name = str(e, "name");
		int pid = (int)num(e, "pid");
		double ts = num(e, "ts"), dur = 0;

		if (!strcmp(ph, "M"))
			continue;
		if (!strcmp(ph, "X")) {
			dur = num(e, "dur");
			assert_true(dur >= 0);
			sl[nsl++] = (struct slice){ pid, (long)num(e, "tid"), ts, ts + dur };
		} else {
			assert_string_equal(str(e, "s"), "t");
		}
		assert_true(ts >= wstart[pid] - 1e-6);
		assert_true(ts + dur <= wend[pid] + 1e-6);
		if (!strcmp(name, "hog [500]")) {
			/* kworker -> hog at +50 us, hog preempted at the end */
			assert_true(fabs(ts - (wstart[pid] + 50)) < 1e-6 && fabs(dur - 200) < 1e-6);
			assert_string_equal(json_object_get_string(arg(e, "until")), "preempted");
			hog++;
		}
		if (!strcmp(name, "irq 24 (?)") || !strncmp(name, "irq 24 ", 7)) {
			assert_true(fabs(dur - 10) < 1e-6);
			irq++;
		}
		if (!strcmp(name, "softirq NET_RX")) { /* exit without entry: from the start */
			assert_true(fabs(ts - wstart[pid]) < 1e-6 && fabs(dur - 30) < 1e-6);
			softirq++;
		}
		if (!strcmp(name, "softirq TIMER")) { /* closed by its exit, around irq 30 */
			assert_true(fabs(dur - 30) < 1e-6);
			softirq++;
		}
		if (!strncmp(name, "wakeup control_loop [1234]", 26)) {
			assert_string_equal(json_object_get_string(arg(e, "waker")), "waker");
			wake++;
		}
		if (!strncmp(name, "migrate mover [777]", 19)) {
			/* on the destination CPU's track */
			assert_int_equal((long)num(e, "tid") % 1000, 1 + 2 * 0);
			mig++;
		}
		if (!strcmp(name, "verdict")) {
			assert_non_null(arg(e, "verdict"));
			verdicts++;
		}
	}
	assert_int_equal(hog, 1);
	assert_int_equal(irq, 1);
	assert_int_equal(softirq, 2);
	assert_int_equal(wake, 2);
	assert_int_equal(mig, 1);
	assert_int_equal(verdicts, 2);

	/* Slices on one track nest properly: never a partial overlap. */
	for (i = 0; i < nsl; i++)
		for (j = 0; j < nsl; j++) {
			const struct slice *a = &sl[i], *b = &sl[j];

			if (i == j || a->pid != b->pid || a->tid != b->tid)
				continue;
			assert_false(a->ts < b->ts && b->ts < a->end && a->end < b->end);
		}
	free(sl);
	json_object_put(root);
	free(text);

	/* The stdlib checker the live tests use agrees. */
	if (!access("tests/tools/check_perfetto.py", R_OK) &&
	    !system("command -v python3 >/dev/null 2>&1")) {
		snprintf(cmd, sizeof(cmd), "python3 tests/tools/check_perfetto.py '%s'", fx->perf);
		assert_int_equal(system(cmd), 0);
	} else {
		print_message("tests/tools/check_perfetto.py or python3 not found from %s: skipping it\n",
			      getcwd(cmd, sizeof(cmd)) ? cmd : "?");
	}
}

static void test_perfetto_no_capture(void **state)
{
	struct fixture *fx = *state;
	json_object *root, *evs;
	char *text;

	fx->r.capture = NULL; /* a report built without capture */
	assert_int_equal(rt_report_add_windows(&fx->r), 0);
	assert_null(rt_report_window(&fx->r, 0, RT_LATENCY, RT_WIN_WORST));
	assert_int_equal(rt_export_perfetto(fx->perf, &fx->r), 0);
	fx->r.capture = &fx->cap;
	assert_int_equal(rt_report_add_windows(&fx->r), 0);
	text = slurp(fx->perf);
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "traceEvents", &evs));
	assert_int_equal(json_object_array_length(evs), 0);
	json_object_put(root);
	free(text);
	errno = 0;
	assert_int_equal(rt_export_perfetto("/nonexistent-dir/x.json", &fx->r), -1);
	assert_int_equal(errno, ENOENT);
}

/* ---- the report model ------------------------------------------------ */

/* The windows are analysed once, when the report is built; the renderers
 * (text, JSON, Perfetto) show that analysis and compute none of their own. */
static void test_renderers_read_the_model(void **state)
{
	struct fixture *fx = *state;
	static const struct rt_features feat = { .tp_btf = true };
	struct rt_report_window *w;
	char *text, path[160], *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_null(rt_report_window(&fx->r, 1, RT_LATENCY, RT_WIN_WORST)); /* mismatch: not kept */
	assert_null(rt_report_window(&fx->r, 0, RT_RELIEF, RT_WIN_WORST));  /* none captured */
	assert_null(rt_report_window(&fx->r, 2, RT_LATENCY, RT_WIN_WORST)); /* no such task */
	w = (struct rt_report_window *)rt_report_window(&fx->r, 0, RT_LATENCY, RT_WIN_WORST);
	assert_non_null(w);
	assert_ptr_equal(w->trace, &fx->cap.traces[0][RT_LATENCY][RT_WIN_WORST]);
	assert_int_equal(w->a.value_ns, W1 - W0);
	assert_non_null(strstr(w->a.verdict, "latency 250.00 us"));
	snprintf(w->a.verdict, sizeof(w->a.verdict), "verdict from the model");
	w->a.parts[0].ns = 123456;

	assert_int_equal(rt_export_perfetto(fx->perf, &fx->r), 0);
	text = slurp(fx->perf);
	assert_non_null(strstr(text, "\"verdict\":\"verdict from the model\""));
	assert_non_null(strstr(text, "\"ns\":123456"));
	free(text);

	snprintf(path, sizeof(path), "%s/report.json", fx->dir);
	fx->r.feat = &feat;
	assert_int_equal(rt_report_json(path, &fx->r), 0);
	text = slurp(path);
	assert_non_null(strstr(text, "\"verdict\":\"verdict from the model\""));
	free(text);

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	rt_report_text_windows(f, &fx->r, 0, RT_LATENCY);
	fclose(f);
	assert_non_null(strstr(buf, "worst latency at +0.001 s: verdict from the model\n"));
	assert_non_null(strstr(buf, "123.46 us"));
	free(buf);

	/* a report built for Prometheus only (no RT_REPORT_WINDOWS) has none */
	rt_report_free_windows(&fx->r);
	assert_null(rt_report_window(&fx->r, 0, RT_LATENCY, RT_WIN_WORST));
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_perfetto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perfetto_no_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renderers_read_the_model, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
