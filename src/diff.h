/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_DIFF_H
#define RTTRACE_DIFF_H

/* `rttrace diff BASE.json NEW.json` (argv[0] names the command). */
int rt_cmd_diff(int argc, char **argv);

#endif
