// SPDX-License-Identifier: GPL-2.0
/* Option parsing: id lists, SLO arguments, the session's commands, SLO
 * logic and JSON strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "comm.h"
#include "names.h"

static void test_id_list(void **state)
{
	uint32_t *ids = NULL;
	const char *why;
	int n = 0;

	assert_int_equal(rt_parse_id_list("12,34,5", &ids, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 12);
	assert_int_equal(ids[2], 5);
	free(ids);
	ids = NULL;
	n = 0;
	assert_int_equal(rt_parse_id_list("12,x", &ids, &n, &why), -1);
	free(ids);
	ids = NULL;
	n = 0;
	assert_int_equal(rt_parse_id_list("-4", &ids, &n, &why), -1);
	assert_int_equal(rt_parse_id_list("0", &ids, &n, &why), -1);
	assert_int_equal(rt_parse_id_list("99999999999", &ids, &n, &why), -1);
	assert_int_equal(rt_parse_id_list(",", &ids, &n, &why), -1);
	free(ids);
}

static void test_slo_arg(void **state)
{
	const char *why;
	uint32_t id;
	uint64_t ns;

	assert_int_equal(rt_parse_slo_arg("100us", &id, &ns, &why), 0);
	assert_int_equal(id, 0);
	assert_int_equal(ns, 100000);
	assert_int_equal(rt_parse_slo_arg("4321=2ms", &id, &ns, &why), 0);
	assert_int_equal(id, 4321);
	assert_int_equal(ns, 2000000);
	/* Bounds wider than the seed's 2^31 ns work. */
	assert_int_equal(rt_parse_slo_arg("10s", &id, &ns, &why), 0);
	assert_int_equal(ns, 10000000000ULL);
	assert_int_equal(rt_parse_slo_arg("x=2ms", &id, &ns, &why), -1);
	assert_int_equal(rt_parse_slo_arg("12=-2ms", &id, &ns, &why), -1);
	assert_int_equal(rt_parse_slo_arg("12=2", &id, &ns, &why), -1);
	assert_int_equal(rt_parse_slo_arg("=2ms", &id, &ns, &why), -1);
}

static void test_comm_utf8(void **state)
{
	char out[64];
	const char bad[16] = { 'a', (char)0xff, 'b', (char)0xc3, (char)0xa9, (char)0xe2, 0 };

	rt_comm_utf8("plain", 16, out, sizeof(out));
	assert_string_equal(out, "plain");
	rt_comm_utf8(bad, 16, out, sizeof(out));
	/* 0xff -> U+FFFD, é kept, a truncated 3-byte sequence -> U+FFFD */
	assert_string_equal(out, "a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd");
}

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cmd, o, ...) rt_parse_session_args(cmd, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o)

static void test_session_args(void **state)
{
	struct rt_session_opts o;

	PARSE(RT_CMD_START, &o, "rttrace start");
	assert_int_equal(o.max_tasks, RT_SESSION_TASKS);
	PARSE(RT_CMD_START, &o, "rttrace start", "--max-tasks", "12", "-v", "--btf", "/k.btf", "-v");
	assert_int_equal(o.max_tasks, 12);
	assert_int_equal(o.verbose, 2);
	assert_string_equal(o.btf_path, "/k.btf");
	PARSE(RT_CMD_ADD, &o, "rttrace add", "1234", "--no-trace");
	assert_int_equal(o.tid, 1234);
	PARSE(RT_CMD_SLO, &o, "rttrace slo", "77", "irq", "250us");
	assert_int_equal(o.tid, 77);
	assert_int_equal(o.metric, RT_IRQ);
	assert_int_equal(o.slo_ns, 250000);
	assert_string_equal(o.slo_text, "250us");
	PARSE(RT_CMD_DEL, &o, "rttrace del", "5", "--json", "out.json");
	assert_int_equal(o.tid, 5);
	assert_string_equal(o.json_path, "out.json");
	PARSE(RT_CMD_REPORT, &o, "rttrace report");
	assert_null(o.json_path);
	PARSE(RT_CMD_STOP, &o, "rttrace stop", "-j", "-");
	assert_string_equal(o.json_path, "-");
}

/* Run a parse that must exit: its status and what it printed on stderr. */
static int parse_exit(enum rt_session_cmd cmd, int argc, char **argv, char *err, size_t len)
{
	int fd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct rt_session_opts o;

		dup2(fd[1], 2);
		if (!freopen("/dev/null", "w", stdout))
			_exit(99);
		rt_parse_session_args(cmd, argc, argv, &o);
		_exit(98); /* it should not return */
	}
	close(fd[1]);
	while (got < len - 1 && (n = read(fd[0], err + got, len - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = 0;
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define EXITS(cmd, msg, ...) do { \
	char err_[512]; \
	assert_int_equal(parse_exit(cmd, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), err_, sizeof(err_)), \
			 RT_EXIT_USAGE); \
	assert_string_equal(err_, msg); \
} while (0)

/* The session's messages, as they were before argp parsed its commands. */
static void test_session_arg_errors(void **state)
{
	char err[512];

	EXITS(RT_CMD_ADD, "rttrace: usage: rttrace add PID [--no-trace]\n", "rttrace add");
	EXITS(RT_CMD_ADD, "rttrace: usage: rttrace add PID [--no-trace]\n", "rttrace add", "x1");
	EXITS(RT_CMD_ADD, "rttrace: usage: rttrace add PID [--no-trace]\n", "rttrace add", "1", "2");
	EXITS(RT_CMD_SLO, "rttrace: usage: rttrace slo PID latency|response|relief|irq DURATION\n",
	      "rttrace slo", "1", "latency");
	EXITS(RT_CMD_SLO, "rttrace: unknown metric: use latency, response, relief or irq\n",
	      "rttrace slo", "1", "irq_delay", "1ms");
	EXITS(RT_CMD_SLO, "rttrace: bad duration 'soon': not a number\n",
	      "rttrace slo", "1", "latency", "soon");
	EXITS(RT_CMD_DEL, "rttrace: usage: rttrace del PID [--json FILE] [--html FILE]\n", "rttrace del");
	EXITS(RT_CMD_REPORT, "rttrace: usage: rttrace report [--json FILE] [--html FILE]\n",
	      "rttrace report", "--json", "/tmp/x.json", "extra");
	EXITS(RT_CMD_STOP, "rttrace: usage: rttrace stop [--json FILE] [--html FILE]\n", "rttrace stop", "now");
	EXITS(RT_CMD_START, "rttrace: bad --max-tasks: expected 1..1048576\n",
	      "rttrace start", "--max-tasks", "0");
	EXITS(RT_CMD_START, "rttrace start: unknown argument 'now' (try rttrace start --help)\n",
	      "rttrace start", "now");
	/* unknown options: argp's words, as for run */
	assert_int_equal(parse_exit(RT_CMD_ADD, ARGC("rttrace add", "--frob", "1"),
				    ARGV("rttrace add", "--frob", "1"), err, sizeof(err)), RT_EXIT_USAGE);
	assert_non_null(strstr(err, "rttrace add: unrecognized option '--frob'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_list),
		cmocka_unit_test(test_slo_arg),
		cmocka_unit_test(test_comm_utf8),
		cmocka_unit_test(test_session_args),
		cmocka_unit_test(test_session_arg_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
