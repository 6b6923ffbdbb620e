// SPDX-License-Identifier: GPL-2.0
/* Prometheus text file: parsed back (families, histograms, labels, SLOs),
 * and checked by promtool when it is installed. */
#include "report_fixture.h"

#define MAXL 8
struct sample {
	char name[96];
	int nl;
	char key[MAXL][16];
	char val[MAXL][128]; /* unescaped */
	double v;
};

/* Parse one sample line of the text format; label values unescaped. */
static void parse_sample(const char *line, struct sample *s)
{
	const char *p = line;
	char *end;
	int n = 0;

	memset(s, 0, sizeof(*s));
	while (*p && *p != '{' && *p != ' ')
		s->name[n++] = *p++;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			int k = 0, o = 0;

			assert_true(s->nl < MAXL);
			while (*p != '=')
				s->key[s->nl][k++] = *p++;
			assert_int_equal(p[1], '"');
			p += 2;
			while (*p != '"') {
				assert_true(*p && *p != '\n');
				if (*p == '\\') {
					p++;
					assert_true(*p == '\\' || *p == '"' || *p == 'n');
					s->val[s->nl][o++] = *p == 'n' ? '\n' : *p;
				} else {
					s->val[s->nl][o++] = *p;
				}
				p++;
			}
			p++;
			s->nl++;
			if (*p == ',')
				p++;
			else
				assert_int_equal(*p, '}');
		}
		p++;
	}
	assert_int_equal(*p, ' ');
	s->v = strcmp(p + 1, "+Inf") ? strtod(p + 1, &end) : INFINITY;
	assert_true(end > p + 1 && *end == 0);
}

static const char *label(const struct sample *s, const char *k)
{
	int i;

	for (i = 0; i < s->nl; i++)
		if (!strcmp(s->key[i], k))
			return s->val[i];
	return NULL;
}

/* All samples of a file, with the family each belongs to. */
struct parsed {
	struct sample *s;
	int n;
	char fam[64][96];
	int nfam;
};

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static void parse_prom(const char *text, struct parsed *p)
{
	char *copy = strdup(text), *line, *save = NULL;
	char cur[96] = "", type[32] = "";

	p->s = calloc(4096, sizeof(*p->s));
	p->n = p->nfam = 0;
	assert_true(text[strlen(text) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[96], word[32];
		int i;

		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%95s", name), 1);
			/* each family once */
			for (i = 0; i < p->nfam; i++)
				assert_string_not_equal(p->fam[i], name);
			assert_true(p->nfam < 64);
			strcpy(p->fam[p->nfam++], name);
			strcpy(cur, name);
			type[0] = 0;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(sscanf(line + 7, "%95s %31s", name, word), 2);
			assert_string_equal(name, cur);
			assert_string_equal(type, "");
			strcpy(type, word);
			continue;
		}
		assert_true(line[0] != '#');
		assert_true(p->n < 4096);
		parse_sample(line, &p->s[p->n]);
		/* a sample belongs to the family whose header came last */
		assert_string_not_equal(type, "");
		if (!strcmp(type, "histogram")) {
			char base[96];

			snprintf(base, sizeof(base), "%s", p->s[p->n].name);
			assert_true(has_suffix(base, "_bucket") || has_suffix(base, "_sum") ||
				    has_suffix(base, "_count"));
			*strrchr(base, '_') = 0;
			assert_string_equal(base, cur);
		} else {
			assert_string_equal(p->s[p->n].name, cur);
		}
		p->n++;
	}
	free(copy);
}

static bool family(const struct parsed *p, const char *name)
{
	int i;

	for (i = 0; i < p->nfam; i++)
		if (!strcmp(p->fam[i], name))
			return true;
	return false;
}

/* Check one histogram; returns the number of samples (count). */
static double check_histogram(const struct parsed *p, const char *metric, const char *pid,
			      const struct rt_metric_stats *ms, double le_out[], double cum_out[], int *nb)
{
	char b[96], su[96], co[96];
	double last_le = -1, last = -1, count = -1, sum = -1;
	int i;

	snprintf(b, sizeof(b), "rttrace_%s_seconds_bucket", metric);
	snprintf(su, sizeof(su), "rttrace_%s_seconds_sum", metric);
	snprintf(co, sizeof(co), "rttrace_%s_seconds_count", metric);
	*nb = 0;
	for (i = 0; i < p->n; i++) {
		const struct sample *s = &p->s[i];
		const char *sp = label(s, "pid");

		if (!sp || strcmp(sp, pid))
			continue;
		if (!strcmp(s->name, b)) {
			const char *le = label(s, "le");
			double l = strcmp(le, "+Inf") ? strtod(le, NULL) : INFINITY;

			assert_true(l > last_le);  /* le ascending */
			assert_true(s->v >= last); /* cumulative */
			last_le = l;
			last = s->v;
			le_out[*nb] = l;
			cum_out[(*nb)++] = s->v;
		} else if (!strcmp(s->name, su)) {
			sum = s->v;
		} else if (!strcmp(s->name, co)) {
			count = s->v;
		}
	}
	assert_true(isinf(last_le));
	assert_true(last == count);             /* +Inf == _count */
	assert_true(count == (double)ms->count);
	assert_true(fabs(sum - ms->sum_ns / 1e9) < 1e-9 * (1 + sum));
	assert_int_equal(*nb, rt_prom_nle + 1);
	return count;
}

static double find(const struct parsed *p, const char *name, const char *pid, const char *metric,
		   const char *le)
{
	int i;

	for (i = 0; i < p->n; i++) {
		const struct sample *s = &p->s[i];

		if (strcmp(s->name, name) || (pid && strcmp(label(s, "pid"), pid)))
			continue;
		if (metric && strcmp(label(s, "metric"), metric))
			continue;
		if (le && strcmp(label(s, "le"), le))
			continue;
		return s->v;
	}
	return NAN;
}

static void test_prom_format(void **state)
{
	struct fixture *fx = *state;
	struct parsed p;
	double le[64], cum[64];
	char *text, tmp[160];
	int nb, i;

	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->prom);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed away */
	text = slurp(fx->prom);
	parse_prom(text, &p);

	check_histogram(&p, "latency", "1234", &fx->tasks[0].m[RT_LATENCY], le, cum, &nb);
	/* le=X counts the fine buckets whose upper bound is <= X */
	assert_true(le[0] == 1e-6 && cum[0] == 1);         /* 800 */
	assert_true(le[1] == 2e-6 && cum[1] == 3);         /* 1500 x2 */
	assert_true(le[2] == 5e-6 && cum[2] == 4);         /* 3000 */
	assert_true(le[4] == 2e-5 && cum[4] == 5);         /* 12000 */
	assert_true(le[7] == 2e-4 && cum[7] == 5);
	assert_true(le[8] == 5e-4 && cum[8] == 6);         /* 250000 */
	check_histogram(&p, "response", "1234", &fx->tasks[0].m[RT_RESPONSE], le, cum, &nb);
	check_histogram(&p, "relief", "1234", &fx->tasks[0].m[RT_RELIEF], le, cum, &nb);
	check_histogram(&p, "latency", "1240", &fx->tasks[1].m[RT_LATENCY], le, cum, &nb);
	/* 1000 ns lies in [992, 1023]: not provably <= 1 us, so counted at 2 us */
	assert_true(cum[0] == 0 && cum[1] == 1);
	/* 2000 s is past every finite boundary */
	assert_true(cum[nb - 2] == 1 && cum[nb - 1] == 2);
	check_histogram(&p, "irq", "1240", &fx->tasks[1].m[RT_IRQ], le, cum, &nb);
	/* the IRQ delay of an IRQ thread is a family of its own, named */
	check_histogram(&p, "irq_delay", "1240", &fx->tasks[1].m[RT_IRQ_DELAY], le, cum, &nb);
	assert_null(strstr(text, "(null)"));
	/* irq only for the task that has irq samples */
	assert_true(isnan(find(&p, "rttrace_irq_seconds_count", "1234", NULL, NULL)));

	assert_true(find(&p, "rttrace_latency_max_seconds", "1234", NULL, NULL) == 0.00025);
	assert_true(find(&p, "rttrace_response_max_seconds", "1234", NULL, NULL) == 0.002);
	assert_true(isnan(find(&p, "rttrace_relief_max_seconds", "1234", NULL, NULL))); /* no samples */
	assert_true(find(&p, "rttrace_slo_violations_total", "1234", "latency", NULL) == 1);
	assert_true(find(&p, "rttrace_slo_violations_total", "1234", "response", NULL) == 0);
	assert_true(find(&p, "rttrace_slo_seconds", "1234", "latency", NULL) == 0.0001);
	assert_true(isnan(find(&p, "rttrace_slo_seconds", "1234", "response", NULL)));
	assert_true(find(&p, "rttrace_task_exited", "1234", NULL, NULL) == 0);
	assert_true(find(&p, "rttrace_task_exited", "1240", NULL, NULL) == 1);
	assert_true(find(&p, "rttrace_session_duration_seconds", NULL, NULL, NULL) == 10);
	assert_true(family(&p, "rttrace_latency_seconds"));
	assert_true(family(&p, "rttrace_slo_violations_total"));
	assert_false(family(&p, "rttrace_relief_max_seconds"));

	/* Escaping: the odd comm round-trips, as valid UTF-8, on every line. */
	for (i = 0; i < p.n; i++) {
		const char *pid = label(&p.s[i], "pid");

		if (pid && !strcmp(pid, "1240")) {
			assert_string_equal(label(&p.s[i], "comm"), odd_comm_utf8);
			assert_string_equal(label(&p.s[i], "tgid"), "1234");
		}
	}
	assert_non_null(strstr(text, "comm=\"a\\\"b\\\\c\\n\xef\xbf\xbd\""));
	free(p.s);
	free(text);
}

static void test_prom_promtool(void **state)
{
	struct fixture *fx = *state;
	char cmd[256];
	int rc;

	if (system("command -v promtool >/dev/null 2>&1")) {
		print_message("promtool not found (Debian package 'prometheus'): skipping its check\n");
		skip();
	}
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", fx->prom);
	rc = system(cmd);
	if (rc) {
		char *text = slurp(fx->prom);

		fprintf(stderr, "promtool rejected:\n%s", text);
		free(text);
	}
	assert_int_equal(rc, 0);
	/* A report without tasks is valid too. */
	fx->r.ntasks = 0;
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	assert_int_equal(system(cmd), 0);
	fx->r.ntasks = 2;
}

/* A recycled TID (new slot, same pid/tgid/comm) must not duplicate series:
 * the newest task is exported. */
static void test_prom_tid_reuse(void **state)
{
	struct fixture *fx = *state;
	struct parsed p;
	double le[64], cum[64];
	char *text, cmd[256];
	int nb, i, n1234 = 0;

	fx->tasks[0].flags |= RT_SLOT_EXITED;
	fx->tasks[2] = fx->tasks[0];
	memset(fx->tasks[2].m, 0, sizeof(fx->tasks[2].m));
	memset(fx->tasks[2].hist, 0, sizeof(fx->tasks[2].hist));
	fx->tasks[2].flags = RT_SLOT_VALID;
	for (i = 0; i < RT_NR_METRICS; i++)
		fx->tasks[2].m[i].slo_ns = RT_SLO_UNSET;
	add_sample(&fx->tasks[2], RT_LATENCY, 4000);
	fx->slot_idx[2] = 2;
	fx->r.ntasks = 3;
	assert_int_equal(rt_report_add_windows(&fx->r), 0); /* a new report */
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	text = slurp(fx->prom);
	parse_prom(text, &p);
	check_histogram(&p, "latency", "1234", &fx->tasks[2].m[RT_LATENCY], le, cum, &nb);
	for (i = 0; i < p.n; i++)
		if (!strcmp(p.s[i].name, "rttrace_task_exited") && !strcmp(label(&p.s[i], "pid"), "1234")) {
			assert_true(p.s[i].v == 0); /* the new, running one */
			n1234++;
		}
	assert_int_equal(n1234, 1);
	assert_true(isnan(find(&p, "rttrace_slo_seconds", "1234", "latency", NULL)));
	free(p.s);
	free(text);
	if (!system("command -v promtool >/dev/null 2>&1")) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", fx->prom);
		assert_int_equal(system(cmd), 0);
	}
	/* The Perfetto export still has the old task's windows. */
	assert_int_equal(rt_export_perfetto(fx->perf, &fx->r), 0);
	text = slurp(fx->perf);
	assert_non_null(strstr(text, "TID 1234 control_loop: worst response 2.00 ms"));
	free(text);
}

static void test_prom_errors(void **state)
{
	struct fixture *fx = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s/no/such/dir/x.prom", fx->dir);
	errno = 0;
	assert_int_equal(rt_export_prom(path, &fx->r), -1);
	assert_int_equal(errno, ENOENT);
	/* The previous file stays whole when a rewrite fails. */
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	assert_int_equal(chmod(fx->dir, 0500), 0);
	if (geteuid() != 0) /* root ignores the permission */
		assert_int_equal(rt_export_prom(fx->prom, &fx->r), -1);
	assert_int_equal(chmod(fx->dir, 0700), 0);
	assert_int_equal(access(fx->prom, R_OK), 0);
}

/* ---- Perfetto --------------------------------------------------------- */


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prom_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom_promtool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom_tid_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
