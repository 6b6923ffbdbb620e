// SPDX-License-Identifier: GPL-2.0
/*
 * pidfd_probe - does this kernel give a thread that is not a group leader a
 * pidfd (pidfd_open(TID, PIDFD_THREAD), 6.9+)?  rttrace attaches task
 * storage through one when it can (src/tracer.c), else its adopt_tasks
 * iterator does.  The arm64 guest has no strace to watch rttrace's own
 * call, so the features test asks the kernel the same question with this.
 * Prints "thread_pidfd=yes" or "thread_pidfd=no (ERRNO-TEXT)".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

static volatile pid_t tid;
static int gate[2];

static void *thread(void *arg)
{
	char c;
	ssize_t n;

	(void)arg;
	tid = (pid_t)syscall(SYS_gettid);
	n = read(gate[0], &c, 1); /* until main is done */
	(void)n;
	return NULL;
}

int main(void)
{
	pthread_t th;
	int fd, err;

	if (pipe(gate) || pthread_create(&th, NULL, thread, NULL))
		return 2;
	while (!tid)
		usleep(1000);
	fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	err = errno;
	if (fd >= 0)
		printf("thread_pidfd=yes\n");
	else
		printf("thread_pidfd=no (%s)\n", strerror(err));
	close(gate[1]);
	pthread_join(th, NULL);
	return 0;
}
