/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_RUN_H
#define RTTRACE_RUN_H
int rt_cmd_run(int argc, char **argv);
#endif
