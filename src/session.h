/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_SESSION_H
#define RTTRACE_SESSION_H

/* Persistent session (the seed's workflow): programs and maps pinned under
 * RT_PIN_DIR, driven by short commands (their arguments: cli.c). */
#define RT_PIN_DIR "/sys/fs/bpf/rttrace"

int rt_cmd_start(int argc, char **argv);
int rt_cmd_add(int argc, char **argv);
int rt_cmd_slo(int argc, char **argv);
int rt_cmd_del(int argc, char **argv);
int rt_cmd_report(int argc, char **argv);
int rt_cmd_stop(int argc, char **argv);

#endif
