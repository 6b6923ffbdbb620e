/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_EXPORT_PERFETTO_H
#define RTTRACE_EXPORT_PERFETTO_H

#include "report.h"

/*
 * Chrome/Perfetto JSON trace-event file of every captured window (worst and
 * last violation of every task and metric, as the report holds them
 * analysed: rt_report_window()), for
 * ui.perfetto.dev or chrome://tracing.  Written to "PATH.tmp", then
 * rename()d over PATH.  Returns 0, or -1 with errno set; prints nothing.
 * A report without capture (or without windows) gives a valid file with
 * no slices.
 *
 * Layout: {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}
 *   - one process per window: pid = window number (1, 2, ... in report
 *     order), process_name "TID 1234 control_loop: worst latency 1.65 ms",
 *     process_sort_index = pid;
 *   - in it, threads (tracks) with tids that are unique in the file (Perfetto
 *     merges equal tids of different processes and mishandles tid 0):
 *       tid = pid*1000          "window": one X slice over the whole window,
 *                               args: verdict, value, breakdown; an "i"
 *                               instant "verdict" at its end;
 *       tid = pid*1000+1+2*cpu  "CPU n": X slices of the task on the CPU,
 *                               from sched_switch pairs (the task on the CPU
 *                               at the window start runs from the start),
 *                               "i" instants for wakeups (on the target
 *                               CPU, args: waker) and migrations (on the
 *                               destination CPU);
 *       tid = pid*1000+2+2*cpu  "CPU n irq": X slices for hard IRQs and
 *                               softirqs (entry -> exit, clipped to the window).
 *   - ts and dur in microseconds (3 decimals, i.e. ns) relative to the
 *     session start (r->start_ns); otherData.session_start_ns gives it back.
 * Events outside [window start, window end] are left out.
 */
int rt_export_perfetto(const char *path, const struct rt_report *r);

#endif
