# Overhead benchmark (bench/, issue 7).  Included by the top Makefile.
#   make bench        full suite, interleaved rounds; writes bench/RESULTS.md
#   make bench-quick  one short round of everything (< 60 s); fails if the
#                     suite itself breaks, never on performance numbers
#   make bench-rt     RT-impact suite (bench/rt_impact.py): cyclictest under
#                     rttrace, interleaved A/B; its section of bench/RESULTS.md
#   make bench-rt-quick  one short round of it (build/bench/RT-IMPACT-quick.md)
BENCH_OUT := $(OUT)/bench
BENCH_BINS := $(BENCH_OUT)/empty_loader $(BENCH_OUT)/parts_loader $(BENCH_OUT)/churn
BENCH_ARGS ?=
BENCH_RT_ARGS ?=

.PHONY: bench bench-quick bench-bins bench-rt bench-rt-quick

bench-bins: $(BENCH_BINS)

$(BENCH_OUT):
	mkdir -p $@

$(BENCH_OUT)/%.bpf.o: bench/%.bpf.c vmlinux/$(ARCH)/vmlinux.h | $(BENCH_OUT)
	$(CLANG) -g -O2 -target bpf -mcpu=v3 $(BPF_ARCH_DEF) -Ivmlinux/$(ARCH) -c $< -o $@
	llvm-strip -g $@

$(BENCH_OUT)/%.skel.h: $(BENCH_OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BENCH_OUT)/empty_loader: bench/empty_loader.c $(BENCH_OUT)/empty.skel.h
	$(CC) -O2 -Wall -Wextra -I$(BENCH_OUT) -o $@ $< -lbpf -lelf -lz

$(BENCH_OUT)/parts_loader: bench/empty_loader.c $(BENCH_OUT)/parts.skel.h
	$(CC) -O2 -Wall -Wextra -DPARTS -I$(BENCH_OUT) -o $@ $< -lbpf -lelf -lz

$(BENCH_OUT)/churn: bench/churn.c | $(BENCH_OUT)
	$(CC) -O2 -Wall -Wextra -pthread -o $@ $<

bench: all $(BENCH_BINS)
	$(PYTHON) bench/bench.py --out bench/RESULTS.md $(BENCH_ARGS)

bench-quick: all $(BENCH_BINS)
	$(PYTHON) bench/bench.py --quick --out $(BENCH_OUT)/RESULTS-quick.md $(BENCH_ARGS)

bench-rt: all
	$(PYTHON) bench/rt_impact.py --out bench/RESULTS.md $(BENCH_RT_ARGS)

bench-rt-quick: all
	$(PYTHON) bench/rt_impact.py --quick --out $(BENCH_OUT)/RT-IMPACT-quick.md $(BENCH_RT_ARGS)

.SECONDARY: $(BENCH_OUT)/empty.bpf.o $(BENCH_OUT)/parts.bpf.o
