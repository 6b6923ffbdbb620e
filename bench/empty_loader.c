// SPDX-License-Identifier: GPL-2.0
/*
 * Loads and attaches bench/empty.bpf.c (or, built with -DPARTS,
 * bench/parts.bpf.c), prints "ready", and keeps the
 * programs attached until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#ifdef PARTS
#include "parts.skel.h"
#define SKEL parts_bpf
#define open_and_load parts_bpf__open_and_load
#define attach parts_bpf__attach
#define destroy parts_bpf__destroy
#else
#include "empty.skel.h"
#define SKEL empty_bpf
#define open_and_load empty_bpf__open_and_load
#define attach empty_bpf__attach
#define destroy empty_bpf__destroy
#endif

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	struct SKEL *skel;
	int err;

	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	skel = open_and_load();
	if (!skel) {
		fprintf(stderr, "empty_loader: cannot load BPF programs: %s\n", strerror(errno));
		return 1;
	}
	err = attach(skel);
	if (err) {
		fprintf(stderr, "empty_loader: cannot attach: %s\n", strerror(-err));
		destroy(skel);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	destroy(skel);
	return 0;
}
