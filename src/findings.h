/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_FINDINGS_H
#define RTTRACE_FINDINGS_H

#include "capture.h"

/* "non_pi_futex", "page_faults", ...: the JSON kinds (enum rt_finding_kind) */
extern const char *rt_finding_names[RT_FK_NR];

/* At a drain: look at every where record written since the last one and
 * count the findings among them (struct rt_finding_seen); records
 * overwritten before that are counted in c->wheres_lost. */
void rt_findings_scan(struct rt_capture *c);

#endif
