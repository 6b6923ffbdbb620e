/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_SESSION_H
#define RTTRACE_SESSION_H

/* Persistent session (the seed's workflow): programs and maps pinned under
 * /sys/fs/bpf/rttrace/, driven by short commands. */
int rt_cmd_start(int argc, char **argv);
int rt_cmd_add(int argc, char **argv);
int rt_cmd_slo(int argc, char **argv);
int rt_cmd_del(int argc, char **argv);
int rt_cmd_report(int argc, char **argv);
int rt_cmd_stop(int argc, char **argv);

#endif
