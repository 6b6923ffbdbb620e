# Overhead benchmark (bench/, issue 7).  Included by the top Makefile.
#   make bench        full suite, interleaved rounds; writes bench/RESULTS.md
#   make bench-quick  one short round of everything (< 60 s); fails if the
#                     suite itself breaks, never on performance numbers
#   make bench-rt     RT-impact suite (bench/rt_impact.py): cyclictest under
#                     rttrace, interleaved A/B; its section of bench/RESULTS.md
#   make bench-rt-quick  one short round of it (build/bench/RT-IMPACT-quick.md)
#   make bench-where  where-record cost (bench/where_cost.py, issue 16): lock_wait
#                     under rttrace with stacks / RTTRACE_NO_STACKS=1 / --no-trace
#                     / alone, interleaved A/B; its section of bench/RESULTS.md
#   make bench-where-quick  one short round of it (build/bench/WHERE-COST-quick.md)
#   make soak         soak suite (bench/soak.py, issue 18): SOAK_SECONDS (600) of
#                     a churning thread pool under rttrace run -i/--prom-file
#                     beside a persistent session; memory and loss checked;
#                     its section of bench/RESULTS.md
#   make soak-quick   the same for 60 s (build/bench/SOAK-quick.md), in make test
# Each installs the packages it needs first ($(DEPS_STEP), see Makefile).
BENCH_OUT := $(OUT)/bench
BENCH_BINS := $(BENCH_OUT)/empty_loader $(BENCH_OUT)/parts_loader $(BENCH_OUT)/churn
BENCH_ARGS ?=
BENCH_RT_ARGS ?=
BENCH_WHERE_ARGS ?=
SOAK_SECONDS ?= 600

.PHONY: bench bench-quick bench-bins bench-rt bench-rt-quick bench-where bench-where-quick \
	soak soak-quick

bench-bins: $(BENCH_BINS)

# bench/empty.bpf.c, bench/parts.bpf.c -> $(BENCH_OUT)/{empty,parts}.skel.h,
# with the rules of rttrace's own BPF object (Makefile, bpf_rules).
$(eval $(call bpf_rules,$(BENCH_OUT),bench,empty parts,$(ARCH)))

$(BENCH_OUT)/empty_loader: bench/empty_loader.c $(BENCH_OUT)/empty.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -I$(BENCH_OUT) -o $@ $< -lbpf -lelf -lz

$(BENCH_OUT)/parts_loader: bench/empty_loader.c $(BENCH_OUT)/parts.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -DPARTS -I$(BENCH_OUT) -o $@ $< -lbpf -lelf -lz

$(BENCH_OUT)/churn: bench/churn.c | $(BENCH_OUT) $(DEPS_STEP)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -pthread -o $@ $<

bench: $(DEPS_STEP) all $(BENCH_BINS)
	$(PYTHON) bench/bench.py --out bench/RESULTS.md $(BENCH_ARGS)

bench-quick: $(DEPS_STEP) all $(BENCH_BINS)
	$(PYTHON) bench/bench.py --quick --out $(BENCH_OUT)/RESULTS-quick.md $(BENCH_ARGS)

bench-rt: $(DEPS_STEP) all
	$(PYTHON) bench/rt_impact.py --out bench/RESULTS.md $(BENCH_RT_ARGS)

bench-rt-quick: $(DEPS_STEP) all
	$(PYTHON) bench/rt_impact.py --quick --out $(BENCH_OUT)/RT-IMPACT-quick.md $(BENCH_RT_ARGS)

bench-where: $(DEPS_STEP) all
	$(PYTHON) bench/where_cost.py --out bench/RESULTS.md $(BENCH_WHERE_ARGS)

bench-where-quick: $(DEPS_STEP) all
	$(PYTHON) bench/where_cost.py --quick --out $(BENCH_OUT)/WHERE-COST-quick.md $(BENCH_WHERE_ARGS)

soak: $(DEPS_STEP) all
	$(PYTHON) bench/soak.py --seconds $(SOAK_SECONDS) --out bench/RESULTS.md

soak-quick: $(DEPS_STEP) all
	$(PYTHON) bench/soak.py --quick --out $(BENCH_OUT)/SOAK-quick.md
