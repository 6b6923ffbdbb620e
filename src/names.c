// SPDX-License-Identifier: GPL-2.0
/* Names of the metrics and of the IRQ modes (see names.h). */
#include <string.h>
#include "names.h"

const char *rt_metric_names[RT_NR_METRICS] = {
	[RT_LATENCY] = "latency",
	[RT_RESPONSE] = "response",
	[RT_RELIEF] = "relief",
	[RT_IRQ] = "irq",
	[RT_IRQ_DELAY] = "irq_delay",
};

static const char *const irq_mode_names[] = {
	[RT_IRQM_NONE] = "none",
	[RT_IRQM_FENTRY] = "fentry",
	[RT_IRQM_KPROBE] = "kprobe",
	[RT_IRQM_TRACEPOINT] = "tracepoint",
	[RT_IRQM_SCHED] = "sched",
};

#define NR_IRQ_MODES ((int)(sizeof(irq_mode_names) / sizeof(irq_mode_names[0])))

const char *rt_irq_mode_name(int mode)
{
	return mode >= 0 && mode < NR_IRQ_MODES ? irq_mode_names[mode] : "?";
}

int rt_irq_mode_parse(const char *s)
{
	int mode;

	if (!strcmp(s, "auto"))
		return RT_IRQM_NONE;
	for (mode = RT_IRQM_NONE + 1; mode < NR_IRQ_MODES; mode++)
		if (!strcmp(s, irq_mode_names[mode]))
			return mode;
	return -1;
}
