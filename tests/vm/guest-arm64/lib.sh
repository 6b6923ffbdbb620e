# Shared helpers of the arm64 guest tests (busybox sh; sourced).
# The guest is the initramfs alone: busybox, the static rttrace and workloads
# in /opt/rttrace, irq_demo.ko; results go to $VM_OUT (a 9p share).
RT=/opt/rttrace/bin/rttrace-static-aarch64
WL=/opt/rttrace/workloads
O=${VM_OUT:-/tmp}
FAILS=0

# check DESC CONDITION-EXIT-STATUS [DETAIL]: one "CHECK ok/FAIL" line
check() {
	if [ "$2" = 0 ]; then
		echo "CHECK ok: $1"
	else
		echo "CHECK FAIL: $1${3:+  [$3]}"
		FAILS=$((FAILS + 1))
	fi
}
# t EXPR: exit status of a shell test, for check (e.g. check "x" $(t "$a" -gt 3))
t() { if [ "$@" ]; then echo 0; else echo 1; fi; }

# jflat FILE: the pretty-printed JSON report (json-c, one field per line) as
# path=value lines, e.g. tasks.0.metrics.latency.count=319, system.machine="aarch64"
jflat() {
	awk '
	function path(v,   i, p) {
		p = ""
		for (i = 2; i <= d; i++) p = p st[i] "."
		return p v
	}
	{
		l = $0; sub(/^[ \t]+/, "", l); sub(/,$/, "", l)
		if (l == "}" || l == "]") { d--; next }
		k = ""
		if (match(l, /^"[^"]*":/)) { k = substr(l, 2, RLENGTH - 3); l = substr(l, RLENGTH + 1) }
		else if (d > 0 && arr[d]) k = idx[d]++
		if (l == "{" || l == "[") { d++; st[d] = k; arr[d] = (l == "["); idx[d] = 0; next }
		print path(k) "=" l
	}' "$1"
}
# jget FILE PATH: one value (strings keep their quotes; null is null)
jget() { jflat "$1" | awk -v p="$2" 'index($0, p "=") == 1 { print substr($0, length(p) + 2); exit }'; }
# jtask FILE COMM: index of the first task with that comm (or empty)
jtask() { jflat "$1" | awk -v c="\"$2\"" -F= '$1 ~ /^tasks\.[0-9]+\.comm$/ && $2 == c { split($1, a, "."); print a[2]; exit }'; }
# num V: V, or -1 when null/empty (for numeric tests)
num() { case "$1" in '' | null) echo -1 ;; *) echo "$1" ;; esac; }

finish() {
	echo "$(basename "$0" .sh): $FAILS checks failed"
	[ "$FAILS" = 0 ]
	exit $?
}
