/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_EXPORT_PROM_H
#define RTTRACE_EXPORT_PROM_H

#include "report.h"

/*
 * Prometheus text exposition (format 0.0.4, as node_exporter's textfile
 * collector reads it) of the report's statistics.  Written to "PATH.tmp",
 * then rename()d over PATH, so a scraper never sees a partial file (give
 * PATH a ".prom" suffix for the textfile collector; the ".tmp" file is then
 * ignored by it).  Returns 0, or -1 with errno set; prints nothing.
 *
 * Families (each once, HELP and TYPE first; only families with samples):
 *   rttrace_<metric>_seconds          histogram {pid,tgid,comm}
 *   rttrace_<metric>_max_seconds      gauge     {pid,tgid,comm}   (count > 0)
 *   rttrace_slo_seconds               gauge     {pid,tgid,comm,metric} (bound set)
 *   rttrace_slo_violations_total      counter   {pid,tgid,comm,metric}
 *   rttrace_task_exited               gauge     {pid,tgid,comm}
 *   rttrace_session_duration_seconds  gauge
 *   rttrace_lost_events_total         counter
 *   rttrace_tasks_dropped_total       counter
 * <metric> is latency, response, relief (and irq when it has samples).
 * comm is made valid UTF-8 (rt_comm_utf8) and escaped (\\, \", \n).  When
 * a recycled TID left two tasks with the same pid, tgid and comm, only the
 * newest is exported (duplicate series would void the whole file).
 */
int rt_export_prom(const char *path, const struct rt_report *r);

/* Bucket boundaries ("le") of the exported histograms, in ns, ascending;
 * +Inf follows the last one.  Exposed for the tests. */
extern const uint64_t rt_prom_le_ns[];
extern const int rt_prom_nle;

#endif
