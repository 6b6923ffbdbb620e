/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_VERSION_H
#define RTTRACE_VERSION_H
#ifndef RTTRACE_VERSION
#define RTTRACE_VERSION "0.1.0"
#endif
#endif
