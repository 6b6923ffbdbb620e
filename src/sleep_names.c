// SPDX-License-Identifier: GPL-2.0
/*
 * Names for where a task slept: system calls, futex operations, sleep
 * states.  System call numbers are the ones of the architecture rttrace is
 * built for (<sys/syscall.h>), which is the one it traces; 32-bit compat
 * tasks are named by number.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include "sleep_names.h"

struct sys_name {
	long nr;
	const char *name;
};

/* The system calls a task blocks in (and a few it faults or waits in). */
#define S(x) { SYS_##x, #x }
static const struct sys_name sys_names[] = {
	S(read), S(write), S(readv), S(writev), S(pread64), S(pwrite64),
	S(preadv), S(pwritev), S(openat), S(close), S(ioctl), S(fsync), S(fdatasync),
	S(sync), S(sync_file_range), S(fcntl), S(flock),
	S(futex), S(futex_waitv), S(nanosleep), S(clock_nanosleep),
	S(ppoll), S(pselect6), S(epoll_pwait), S(epoll_pwait2),
	S(recvfrom), S(recvmsg), S(recvmmsg), S(sendto), S(sendmsg), S(sendmmsg),
	S(accept), S(accept4), S(connect), S(shutdown),
	S(wait4), S(waitid), S(msgrcv), S(msgsnd), S(semop), S(semtimedop),
	S(mq_timedreceive), S(mq_timedsend), S(io_getevents), S(io_pgetevents),
	S(io_uring_enter), S(rt_sigtimedwait), S(rt_sigsuspend),
	S(sched_yield), S(mmap), S(munmap), S(mprotect), S(mremap), S(madvise),
	S(brk), S(mlock), S(mlockall), S(munlock), S(clone), S(clone3), S(execve),
	S(exit), S(exit_group), S(getrandom), S(splice), S(tee), S(vmsplice),
	S(copy_file_range), S(sendfile), S(fallocate), S(ftruncate), S(unlinkat),
	S(renameat2), S(mkdirat), S(newfstatat), S(statx), S(getdents64),
	S(clock_gettime), S(gettimeofday), S(membarrier), S(rseq),
#ifdef SYS_poll
	S(poll),
#endif
#ifdef SYS_select
	S(select),
#endif
#ifdef SYS_epoll_wait
	S(epoll_wait),
#endif
#ifdef SYS_open
	S(open),
#endif
#ifdef SYS_pause
	S(pause),
#endif
#ifdef SYS_fork
	S(fork), S(vfork),
#endif
};
#undef S

const char *rt_syscall_name(long nr, bool compat, char *buf, size_t len)
{
	size_t i;

	if (nr < 0)
		return NULL;
	if (!compat)
		for (i = 0; i < sizeof(sys_names) / sizeof(sys_names[0]); i++)
			if (sys_names[i].nr == nr)
				return sys_names[i].name;
	snprintf(buf, len, "%s%ld", compat ? "compat_syscall_" : "syscall_", nr);
	return buf;
}

bool rt_syscall_is_futex(long nr, bool compat)
{
	/* compat: futex (240 on ia32 and arm) and futex_time64 (422, the
	 * generic table) */
	if (compat)
		return nr == 240 || nr == 422;
	return nr == SYS_futex;
}

/* include/uapi/linux/futex.h */
static const char *const futex_cmds[] = {
	"FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE",
	"FUTEX_WAKE_OP", "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI",
	"FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
	"FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2",
};
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_RT 256
#define FUTEX_CMD(op) ((op) & 0x7f)

const char *rt_futex_op_name(uint64_t op, char *buf, size_t len)
{
	unsigned int cmd = FUTEX_CMD(op);

	if (cmd >= sizeof(futex_cmds) / sizeof(futex_cmds[0])) {
		snprintf(buf, len, "FUTEX_OP_%u", cmd);
		return buf;
	}
	snprintf(buf, len, "%s%s%s", futex_cmds[cmd], (op & FUTEX_PRIVATE) ? "_PRIVATE" : "",
		 (op & FUTEX_CLOCK_RT) ? "|FUTEX_CLOCK_REALTIME" : "");
	return buf;
}

bool rt_futex_op_pi(uint64_t op)
{
	unsigned int cmd = FUTEX_CMD(op);

	/* LOCK_PI, TRYLOCK_PI, WAIT_REQUEUE_PI, LOCK_PI2 */
	return cmd == 6 || cmd == 8 || cmd == 11 || cmd == 13;
}

/* Kernel task state bits (see bpf/core_fixes.bpf.h) and
 * TASK_FREEZABLE (0x2000 since 6.1; a flag, not a state). */
const char *rt_sleep_state_name(uint32_t state)
{
	uint32_t s = state & ~0x2000u;

	if (s == 0x0001)
		return "interruptible";
	if (s == 0x0402)
		return "idle"; /* TASK_IDLE: uninterruptible, not counted as load */
	if (s == 0x0102)
		return "killable"; /* TASK_KILLABLE: TASK_WAKEKILL | uninterruptible */
	if (s & 0x0002)
		return "uninterruptible";
	if (s & 0x0040)
		return "parked";
	if (s & 0x0080)
		return "dead";
	if (s & 0x0001)
		return "interruptible";
	return "other";
}
