// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "procfs.h"

int rt_proc_task(uint32_t tid, struct rt_proc_task *t)
{
	char path[64], line[256];
	FILE *f;
	struct sched_param sp;
	int pol;

	memset(t, 0, sizeof(*t));
	t->tid = tid;
	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:\t", 6)) {
			line[strcspn(line, "\n")] = 0;
			memcpy(t->comm, line + 6, strnlen(line + 6, sizeof(t->comm) - 1));
		} else if (!strncmp(line, "Tgid:\t", 6)) {
			t->tgid = (uint32_t)strtoul(line + 6, NULL, 10);
		}
	}
	fclose(f);
	/* Name: escapes some bytes; the stat file holds the raw comm. */
	snprintf(path, sizeof(path), "/proc/%u/comm", tid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			size_t l = strlen(line);
			if (l && line[l - 1] == '\n')
				line[--l] = 0;
			memset(t->comm, 0, sizeof(t->comm));
			memcpy(t->comm, line, strnlen(line, sizeof(t->comm) - 1));
		}
		fclose(f);
	}
	/* SCHED_RESET_ON_FORK is a flag on the policy, not one */
	pol = sched_getscheduler((pid_t)tid);
	t->policy = pol < 0 ? 0 : pol & ~SCHED_RESET_ON_FORK;
	if (!sched_getparam((pid_t)tid, &sp))
		t->rt_priority = sp.sched_priority;
	t->prio = (t->policy == SCHED_FIFO || t->policy == SCHED_RR) ?
			  rt_prio_of(t->rt_priority) : RT_DEFAULT_PRIO;
	return t->tgid ? 0 : -1;
}

int rt_proc_threads(uint32_t pid, uint32_t **tids, int *n)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		unsigned long v = strtoul(de->d_name, &end, 10);

		if (*end || !v)
			continue;
		*tids = realloc(*tids, (*n + 1) * sizeof(**tids));
		(*tids)[(*n)++] = (uint32_t)v;
	}
	closedir(d);
	return 0;
}

bool rt_proc_alive(uint32_t tgid, uint32_t tid)
{
	char path[80], buf[512], *p;
	FILE *f;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		alive = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	}
	fclose(f);
	return alive;
}

const char *rt_policy_name(int policy)
{
	switch (policy) {
	case SCHED_OTHER: return "SCHED_OTHER";
	case SCHED_FIFO: return "SCHED_FIFO";
	case SCHED_RR: return "SCHED_RR";
	case SCHED_BATCH: return "SCHED_BATCH";
	case SCHED_IDLE: return "SCHED_IDLE";
	case SCHED_DEADLINE: return "SCHED_DEADLINE";
	default: return "SCHED_UNKNOWN";
	}
}

/* The comm of an IRQ thread is "irq/<N>-<name>" (secondary: "irq/<N>-s-<name>"),
 * cut to RT_COMM_LEN - 1 bytes: does it belong to interrupt `num` (>= 0) or `name`? */
static bool irq_comm_matches(const char *comm, long num, const char *name)
{
	const char *num_at = comm + sizeof(RT_IRQ_COMM_PREFIX) - 1, *rest;
	char *end;
	long n;
	size_t l;

	if (!rt_comm_is_irq_thread(comm))
		return false;
	n = strtol(num_at, &end, 10);
	if (end == num_at || *end != '-')
		return false;
	if (num >= 0)
		return n == num;
	rest = end + 1;
	if (!strncmp(rest, "s-", 2) && strncmp(name, "s-", 2))
		rest += 2;
	l = strlen(rest);
	/* the name may have been cut: it must be a prefix of NAME, and as long
	 * as the comm allowed */
	return l && !strncmp(name, rest, l) &&
	       (l == strlen(name) || (size_t)(rest - comm) + l >= RT_COMM_LEN - 1);
}

int rt_proc_irq_threads(const char *spec, uint32_t **tids, int *n)
{
	struct dirent *de;
	char *end;
	long num = strtol(spec, &end, 10);
	DIR *d;

	if (end == spec || *end)
		num = -1;
	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct rt_proc_task t;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || rt_proc_task((uint32_t)pid, &t))
			continue;
		if (!irq_comm_matches(t.comm, num, spec))
			continue;
		*tids = realloc(*tids, (*n + 1) * sizeof(**tids));
		(*tids)[(*n)++] = (uint32_t)pid;
	}
	closedir(d);
	return 0;
}
