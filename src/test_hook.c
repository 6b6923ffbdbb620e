// SPDX-License-Identifier: GPL-2.0
/* Test hook (test_hook.h): RTTRACE_TEST_STOP_AT=PHASE stops rttrace there. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test_hook.h"

void rt_test_stop_at(const char *phase)
{
	const char *want = getenv("RTTRACE_TEST_STOP_AT");

	if (!want || strcmp(want, phase))
		return;
	fprintf(stderr, "rttrace: test hook: stopped at %s (pid %d)\n", phase, (int)getpid());
	fflush(stderr);
	raise(SIGSTOP);
}
