/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_SLEEP_NAMES_H
#define RTTRACE_SLEEP_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "futex", "clock_nanosleep", ...; an unnamed one "syscall_NR" (in buf);
 * NULL when nr < 0 (not in a system call). */
const char *rt_syscall_name(long nr, bool compat, char *buf, size_t len);
bool rt_syscall_is_futex(long nr, bool compat);
/* "FUTEX_WAIT_BITSET_PRIVATE", "FUTEX_LOCK_PI_PRIVATE", ... (in buf) */
const char *rt_futex_op_name(uint64_t op, char *buf, size_t len);
/* Does the futex operation inherit priority (an rt_mutex behind it)? */
bool rt_futex_op_pi(uint64_t op);
/* "interruptible", "uninterruptible", "killable", "idle", ... */
const char *rt_sleep_state_name(uint32_t state);

#endif
