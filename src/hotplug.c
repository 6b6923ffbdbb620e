// SPDX-License-Identifier: GPL-2.0
/* CPU hotplug during a session: notice it, record it, re-place rttrace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hotplug.h"
#include "rttrace/rttrace.h"

#define ONLINE_PATH "/sys/devices/system/cpu/online"

/* The online list: 0, or -1 when it cannot be read or parsed. */
static int read_online(struct rt_hotplug *h, cpu_set_t *set)
{
	char buf[4096];
	ssize_t len;

	if (h->fd < 0)
		h->fd = open(ONLINE_PATH, O_RDONLY | O_CLOEXEC);
	if (h->fd < 0)
		return -1;
	/* sysfs makes the text anew for a read at offset 0 */
	len = pread(h->fd, buf, sizeof(buf) - 1, 0);
	if (len <= 0) {
		close(h->fd);
		h->fd = -1;
		return -1;
	}
	buf[len] = 0;
	buf[strcspn(buf, " \n")] = 0;
	return rt_cpulist_parse(buf, set, NULL);
}

void rt_hotplug_start(struct rt_hotplug *h, const struct rt_housekeeper *hk)
{
	h->fd = -1;
	h->n = 0;
	h->unlisted = 0;
	h->allowed0 = hk->allowed;
	CPU_ZERO(&h->user);
	if (hk->reason == RT_HK_USER)
		h->user = hk->current;
	h->watching = !read_online(h, &h->online);
	h->online0 = h->online;
}

int rt_hotplug_diff(struct rt_hotplug *h, const cpu_set_t *now, uint64_t t_ns)
{
	cpu_set_t changed;
	int cpu, n = 0;

	CPU_XOR(&changed, &h->online, now);
	for (cpu = 0; cpu < CPU_SETSIZE && CPU_COUNT(&changed); cpu++) {
		if (!CPU_ISSET(cpu, &changed))
			continue;
		CPU_CLR(cpu, &changed);
		n++;
		if (h->n >= RT_HOTPLUG_MAX) {
			h->unlisted++;
			continue;
		}
		h->changes[h->n].cpu = cpu;
		h->changes[h->n].online = CPU_ISSET(cpu, now);
		h->changes[h->n++].t_ns = t_ns;
	}
	h->online = *now;
	return n;
}

bool rt_hotplug_poll(struct rt_hotplug *h, uint64_t now_ns)
{
	cpu_set_t now;

	/* an unreadable list (or one read mid-change) changes nothing */
	if (!h->watching || read_online(h, &now) || !CPU_COUNT(&now))
		return false;
	return rt_hotplug_diff(h, &now, now_ns) > 0;
}

void rt_hotplug_allowed(const cpu_set_t *allowed0, const cpu_set_t *online0,
			const cpu_set_t *online, cpu_set_t *out)
{
	cpu_set_t came_up, common;

	/* came_up = online minus online0 */
	CPU_AND(&common, online, online0);
	CPU_XOR(&came_up, online, &common);
	CPU_OR(out, allowed0, &came_up);
	CPU_AND(out, out, online);
}

void rt_hotplug_rehome(struct rt_hotplug *h, struct rt_housekeeper *hk,
		       const struct rt_slot *slots, uint32_t nslots)
{
	cpu_set_t actual, set, *masks = calloc(nslots ? nslots : 1, sizeof(*masks));
	struct rt_hk_input in = { 0 };
	enum rt_hk_reason r;
	char b[256];
	uint32_t i;

	rt_hotplug_allowed(&h->allowed0, &h->online0, &h->online, &hk->allowed);
	/* Where the kernel left rttrace: off a CPU that went away, its
	 * affinity is broken (every online CPU), and it has run there. */
	if (!sched_getaffinity(0, sizeof(actual), &actual))
		CPU_OR(&hk->ran_on, &hk->ran_on, &actual);
	else
		actual = hk->current;
	if (CPU_COUNT(&h->user)) {
		/* the user's CPUs, those of them online */
		CPU_AND(&set, &h->user, &h->online);
		if (CPU_COUNT(&set) && !CPU_EQUAL(&set, &actual) && !rt_hk_apply(&set)) {
			CPU_OR(&hk->ran_on, &hk->ran_on, &set);
			if (hk->verbose)
				fprintf(stderr, "rttrace: back on CPU %s (--housekeeping, after CPU hotplug)\n",
					rt_cpulist_format(&set, b, sizeof(b)));
		}
		free(masks);
		return;
	}
	hk->current = actual;
	if (!masks)
		return;
	in.allowed = hk->allowed;
	in.avoid = hk->avoid;
	in.task_masks = masks;
	for (i = 0; i < nslots; i++) {
		uint32_t flags = __atomic_load_n(&slots[i].flags, __ATOMIC_ACQUIRE);

		if ((flags & RT_SLOT_VALID) && !(flags & RT_SLOT_EXITED) &&
		    !rt_hk_task_mask(slots[i].tid, &masks[in.ntasks]))
			in.ntasks++;
	}
	/* No usage: the next look of the housekeeper (within a second)
	 * weighs it, as it does after any placement. */
	r = rt_hk_choose(&in, &set);
	if (r != RT_HK_NONE && rt_hk_should_move(&actual, hk->reason, &set, r, &in, 0) &&
	    !rt_hk_apply(&set)) {
		hk->current = set;
		hk->reason = r;
		CPU_OR(&hk->ran_on, &hk->ran_on, &set);
		hk->moves++;
		if (hk->verbose)
			fprintf(stderr, "rttrace: moved to CPU %s (%s, after CPU hotplug)\n",
				rt_cpulist_format(&set, b, sizeof(b)), rt_hk_reason_name(r));
	}
	free(masks);
}

int rt_hotplug_sentences(const struct rt_hotplug_change *c, int n, bool complete,
			 uint64_t start_ns, void (*emit)(void *arg, const char *sentence), void *arg)
{
	bool *used = calloc(n > 0 ? (size_t)n : 1, sizeof(*used));
	char s[160];
	int i, j, count = 0;

	if (!used)
		return 0;
	for (i = 0; i < n; i++) {
		double t = c[i].t_ns > start_ns ? (c[i].t_ns - start_ns) / 1e9 : 0;

		if (used[i])
			continue;
		used[i] = true;
		if (c[i].online) {
			snprintf(s, sizeof(s), "CPU %d came online at +%.2f s", c[i].cpu, t);
		} else {
			/* the next change of this CPU: it coming back */
			for (j = i + 1; j < n && c[j].cpu != c[i].cpu; j++)
				;
			if (j < n && c[j].online) {
				used[j] = true;
				snprintf(s, sizeof(s), "CPU %d went offline at +%.2f s and came back at +%.2f s",
					 c[i].cpu, t,
					 c[j].t_ns > start_ns ? (c[j].t_ns - start_ns) / 1e9 : 0);
			} else if (complete) {
				snprintf(s, sizeof(s), "CPU %d went offline at +%.2f s and was still "
					 "offline at the end", c[i].cpu, t);
			} else {
				snprintf(s, sizeof(s), "CPU %d went offline at +%.2f s", c[i].cpu, t);
			}
		}
		emit(arg, s);
		count++;
	}
	free(used);
	return count;
}
