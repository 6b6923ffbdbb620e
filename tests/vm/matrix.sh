#!/bin/sh
# The kernel matrix (markdown): what rttrace selected on each kernel, from the
# "FEATURE key=value" lines of the features tests (tests/vm/guest/features.sh,
# tests/vm/guest-arm64/features.sh; the x86_64 one also runs on a host).
#
#   tests/vm/matrix.sh [LABEL=LOG]...
#
# Without arguments: the four guests' logs under build/ (those that exist),
# and build/features-host.log (`VM_OUT=/tmp sh tests/vm/guest/features.sh
# >build/features-host.log`, as root, on the build host) when present.
cd "$(dirname "$0")/../.." || exit 1
if [ $# = 0 ]; then
	set -- "host=build/features-host.log" \
		"6.1 x86_64=build/vm-out/run/features.log" "6.1 arm64=build/vm-out-arm64/run/features.log" \
		"6.12 x86_64=build/vm-out-6.12/run/features.log" "6.12 arm64=build/vm-out-arm64-6.12/run/features.log"
fi
echo "| kernel | IRQ mode (default) | backend | thread pidfd | threads born under -t | stacks (where) | capture gate | steal clock |"
echo "|---|---|---|---|---|---|---|---|"
for a in "$@"; do
	log=${a#*=}
	[ -s "$log" ] || continue
	awk -F= '
	/^FEATURE / { k = substr($1, 9); v = substr($0, length($1) + 2); if (!(k in f)) f[k] = v }
	END {
		rt = f["realtime"] == "1" ? " PREEMPT_RT" : " (not RT)"
		irq = f["irq_mode"]
		if (f["irq_modes_refused"] != "") { r = f["irq_modes_refused"]; gsub(/;/, "; ", r); irq = irq "; refused: " r }
		be = f["backend"] == "tp_btf" ? "tp_btf + task storage" : f["backend"] == "raw_tp" ? "raw_tp + hash" : f["backend"]
		birth = f["birth_state_from_user_space"] == "true" ? "state from user space (defer_fork)" : \
			f["birth_state_from_user_space"] == "false" ? "state at fork (BPF)" : f["birth_state_from_user_space"]
		gate = f["capture_gate"] == "holders" ? "holders" : f["capture_gate"] == "interest" ? "interest word (no holders)" : f["capture_gate"]
		steal = f["steal_clock"] == "null" || f["steal_clock"] == "" ? "none" : f["steal_clock"]
		printf "| %s %s%s | %s | %s | %s | %s | %s | %s | %s |\n", f["kernel"], f["machine"], rt, irq, be,
			f["thread_pidfd"], birth, f["stacks"], gate, steal
	}' "$log"
done
