#!/bin/sh
# Ground-truth recorder for rttrace differential tests.
# usage: tests/ref/record.sh OUT.txt [--tgid N]... [--tid N]...
#   No filter: records every task (minus the recorder itself).
#   Start in background, wait for a line starting with "READY " in OUT.txt,
#   run the workload, then `kill -INT <pid of this script>` (same PID: we exec bpftrace)
#   and wait for it to exit: OUT.txt then ends with "END <ns>".
set -e
OUT=$1; shift
HERE=$(cd "$(dirname "$0")" && pwd)
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
SCRIPT="$OUT.bt"
/usr/bin/python3 "$HERE/gen_record.py" --exclude-tgid $$ "$@" -o "$SCRIPT"
: "${BPFTRACE_PERF_RB_PAGES:=16384}"      # pages per CPU (64 MiB/CPU)
: "${BPFTRACE_MAP_KEYS_MAX:=262144}"
export BPFTRACE_PERF_RB_PAGES BPFTRACE_MAP_KEYS_MAX
ulimit -l unlimited 2>/dev/null || true
exec bpftrace -B line -o "$OUT" "$SCRIPT"
