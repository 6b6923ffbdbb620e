// SPDX-License-Identifier: GPL-2.0
/*
 * Loads and attaches bench/empty.bpf.c (or, built with -DPARTS,
 * bench/parts.bpf.c), prints "ready", and keeps the
 * programs attached until SIGINT/SIGTERM.  With program names as
 * arguments only those are loaded: one building block priced alone, so it
 * does not share (or pay for) the cache misses of the others on the same
 * event.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#ifdef PARTS
#include "parts.skel.h"
#define SKEL parts_bpf
#define open parts_bpf__open
#define load parts_bpf__load
#define attach parts_bpf__attach
#define destroy parts_bpf__destroy
#else
#include "empty.skel.h"
#define SKEL empty_bpf
#define open empty_bpf__open
#define load empty_bpf__load
#define attach empty_bpf__attach
#define destroy empty_bpf__destroy
#endif

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct SKEL *skel;
	int err, i;

	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	skel = open();
	if (!skel) {
		fprintf(stderr, "empty_loader: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	if (argc > 1) {
		bpf_object__for_each_program(prog, skel->obj) {
			bool keep = false;

			for (i = 1; i < argc; i++)
				keep |= !strcmp(bpf_program__name(prog), argv[i]);
			bpf_program__set_autoload(prog, keep);
		}
	}
	err = load(skel);
	if (err) {
		destroy(skel);
		skel = NULL;
	}
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
