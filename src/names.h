/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_NAMES_H
#define RTTRACE_NAMES_H

#include "rttrace/rttrace.h"

/* Names shared by the command line, the loader and the reports. */

/* "latency", "response", "relief", "irq", "irq_delay": the JSON keys and
 * the text report's rows. */
extern const char *rt_metric_names[RT_NR_METRICS];

/* How threaded IRQ handlers are timed (enum rt_irq_mode): "none", "fentry",
 * "kprobe", "tracepoint", "sched"; "?" for anything else. */
const char *rt_irq_mode_name(int mode);

/* --irq-mode: "auto" (RT_IRQM_NONE: the best the kernel allows) or a mode's
 * name; -1 for anything else. */
int rt_irq_mode_parse(const char *s);

#endif
