/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_TEST_HOOK_H
#define RTTRACE_TEST_HOOK_H

/*
 * Test hook, not a user feature: with RTTRACE_TEST_STOP_AT=PHASE in the
 * environment, rt_test_stop_at(PHASE) prints "rttrace: test hook: stopped
 * at PHASE (pid N)" to stderr and stops the process (SIGSTOP), so a test
 * (tests/live/test_faults.py) can kill -9 it at that exact point.  Without
 * the variable, or for another phase, it does nothing.  Phases:
 *   load      BPF programs loaded (verified), not attached (tracer.c)
 *   attached  tracing: `run` before it releases COMMAND, `start` before pinning
 *   drain     `run` after tracing ended, before the last capture drain
 *   write     an output file half written (atomic_file.c)
 *   pin       `start`: some of the session's pins made, not all
 *   unpin     `stop`: the session being removed
 */
void rt_test_stop_at(const char *phase);

#endif
