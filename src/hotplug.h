/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_HOTPLUG_H
#define RTTRACE_HOTPLUG_H

/*
 * CPU hotplug during a session.  rttrace reads the online CPU list
 * (/sys/devices/system/cpu/online) at each of its own wakeups (no timer of
 * its own, nothing on a traced CPU), keeps every change with the time it
 * noticed it, and puts itself back where it belongs: the kernel moves a
 * task off a CPU that goes offline, rttrace included, and does not move it
 * back when the CPU returns.
 */
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "housekeeping.h"

#ifndef CPU_SETSIZE
#error "hotplug.h needs _GNU_SOURCE defined before the first #include"
#endif

/* One CPU going offline or coming online. */
struct rt_hotplug_change {
	int cpu;
	bool online;       /* false: went offline */
	uint64_t t_ns;     /* CLOCK_MONOTONIC when rttrace noticed it */
};

/* Changes kept; later ones are only counted (a CPU toggled in a loop). */
#define RT_HOTPLUG_MAX 512

struct rt_hotplug {
	bool watching;            /* the online list was readable at the start */
	int fd;                   /* the online list, open (-1: closed) */
	cpu_set_t online;         /* as last read */
	cpu_set_t online0;        /* at the start of the session */
	cpu_set_t allowed0;       /* where rttrace could run at the start */
	cpu_set_t user;           /* --housekeeping's CPUs (empty: none given) */
	int n;                    /* changes[0..n), in time order */
	uint64_t unlisted;        /* changes after the first RT_HOTPLUG_MAX */
	struct rt_hotplug_change changes[RT_HOTPLUG_MAX];
};

/* Read the online list now, at the session start (hk: rttrace's placement,
 * already made).  Without a readable list nothing is watched. */
void rt_hotplug_start(struct rt_hotplug *h, const struct rt_housekeeper *hk);

/* Read the online list again: true when it changed (the changes are
 * recorded at now_ns).  Cheap: one pread of a sysfs file. */
bool rt_hotplug_poll(struct rt_hotplug *h, uint64_t now_ns);

/* After a change: where rttrace may run now, and put it there (or back on
 * the user's --housekeeping CPUs).  slots/nslots: the tracker's slots, whose
 * live tasks it keeps away from. */
struct rt_slot;
void rt_hotplug_rehome(struct rt_hotplug *h, struct rt_housekeeper *hk,
		       const struct rt_slot *slots, uint32_t nslots);

/* ---- the pure parts (unit tested) ---- */

/* Record the difference from h->online to now at t_ns, CPU by CPU in
 * ascending order, and make now the last read.  Returns the number of
 * changes (counted also when no longer kept). */
int rt_hotplug_diff(struct rt_hotplug *h, const cpu_set_t *now, uint64_t t_ns);

/* Where rttrace may run with the CPUs online now: where it could at the
 * start, and any CPU that has come up since (it was offline then, so its
 * affinity could not say), online only. */
void rt_hotplug_allowed(const cpu_set_t *allowed0, const cpu_set_t *online0,
			const cpu_set_t *online, cpu_set_t *out);

/*
 * The changes as sentences, one per call of emit, in the order of their
 * first change: "CPU 1 went offline at +1.20 s and came back at +2.31 s",
 * "CPU 1 went offline at +1.20 s and was still offline at the end" (only
 * when the list is complete: else without the end), "CPU 3 came online at
 * +0.50 s" (offline at the start).  Times are from start_ns.  Returns the
 * number of sentences.
 */
int rt_hotplug_sentences(const struct rt_hotplug_change *c, int n, bool complete,
			 uint64_t start_ns, void (*emit)(void *arg, const char *sentence), void *arg);

#endif
