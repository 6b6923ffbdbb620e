#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check_docs.sh [RTTRACE_BINARY]: fail when the documentation breaks.
#
#   1. every doc/*.8 renders with man(1) and groff without a warning;
#   2. README.md stays a manual: at most 20480 bytes, no machine-specific
#      figures (they belong in bench/RESULTS.md), its relative links exist;
#   3. doc/rttrace-run.8 has an item (.TP in OPTIONS) for every long option
#      `rttrace run --help` prints, and none for an option it lacks;
#   4. every session command and its options (from `rttrace CMD --help`, or
#      an older binary's usage strings) are in doc/rttrace-session.8, every
#      command in doc/rttrace.8;
#   5. every exit status `rttrace run --help` names is in rttrace-run.8;
#   6. every JSON key the reports write (src/*.c but the Perfetto exporter)
#      is in rttrace-run.8, and so is every field the README names;
#   7. each page's .TH names the binary's version.
#
# Runs the binary only with --help/--version (no root, no BPF; a session
# command given --help does nothing else).  Needs
# man-db and groff-base (Debian packages).  Run from anywhere; the repo
# root is found from this script's path.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-build/rttrace}
case $bin in /*) ;; *) bin=$root/$bin ;; esac
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

for tool in man groff; do
	command -v $tool >/dev/null ||
		{ echo "check_docs: '$tool' is missing (apt-get install man-db groff-base)"; exit 2; }
done
[ -x "$bin" ] || { echo "check_docs: no rttrace binary at $bin (build it, or pass its path)"; exit 2; }

cd "$root" || exit 2
pages=$(ls doc/*.8 2>/dev/null)
[ -n "$pages" ] || { fail "no man pages in doc/"; exit 1; }

# Man page source as plain text: \- -> -, font and spacing escapes dropped.
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' \
	    -e 's/\\(em/-/g' -e 's/\\ / /g' -e 's/\\e/\\/g' "$1"
}
# Lines of section $2 (.SH name) of page $1, in plain text.
section() {
	plain "$1" | awk -v s="$2" '/^\.SH /{on = ($0 == ".SH " s || $0 == ".SH \"" s "\"")} on'
}
# Is word $2 (may contain - and _) in the text on stdin, not as part of a
# longer name?
has_word() {
	grep -qE -- "(^|[^A-Za-z0-9_-])$(printf '%s' "$2" | sed 's/[.[\*^$]/\\&/g')([^A-Za-z0-9_-]|$)" "$1"
}

# ---- 1. rendering ----------------------------------------------------------
for p in $pages; do
	out=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
	rc=$?
	out2=$(groff -man -ww -z "$p" 2>&1)
	if [ $rc -ne 0 ] || [ -n "$out" ] || [ -n "$out2" ]; then
		fail "$p does not render cleanly (man rc=$rc):"
		printf '%s\n%s\n' "$out" "$out2" | sed '/^$/d; s/^/    /'
	else
		ok "$p renders without warnings"
	fi
done

# ---- 2. README -------------------------------------------------------------
size=$(wc -c <README.md)
if [ "$size" -le 20480 ]; then
	ok "README.md is $size bytes (<= 20480)"
else
	fail "README.md is $size bytes: more than 20480 (move reference text to doc/)"
fi
figs=$(grep -nE 'this VM|this machine[^ ]* [0-9]|time here|-CPU VM|ns per (event|run)|~[0-9.]+ ?min\b' README.md)
if [ -n "$figs" ]; then
	fail "README.md states machine-specific figures (they belong in bench/RESULTS.md):"
	printf '%s\n' "$figs" | sed 's/^/    /'
else
	ok "README.md states no machine-specific figures"
fi
for l in $(grep -oE '\]\([^)#: ]+' README.md | sed 's/^](//' | sort -u); do
	[ -e "$l" ] || fail "README.md links to $l, which does not exist"
done

# ---- 3. run options --------------------------------------------------------
help=$("$bin" run --help 2>&1)
run8=$(mktemp)
trap 'rm -f "$run8"' EXIT
plain doc/rttrace-run.8 >"$run8"
opts=$(printf '%s\n' "$help" | grep -oE '^ +(-[^ ,]+, )?--[a-z][a-z0-9-]*' |
	grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
[ -n "$opts" ] || fail "no long options found in '$bin run --help'"
# the tag lines of the OPTIONS section's .TP items
items=$(section doc/rttrace-run.8 OPTIONS | awk 'p {print} {p = /^\.TP/}')
missing=
for o in $opts; do
	printf '%s\n' "$items" | has_word /dev/stdin "$o" || missing="$missing $o"
done
if [ -n "$missing" ]; then
	fail "rttrace-run.8 OPTIONS has no item for:$missing"
else
	ok "rttrace-run.8 has an item for each of the $(echo $opts | wc -w) long options of run --help"
fi
extra=
for o in $(printf '%s\n' "$items" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
	printf '%s\n' "$opts" | grep -qx -- "$o" || extra="$extra $o"
done
if [ -n "$extra" ]; then
	fail "rttrace-run.8 documents options run --help does not have:$extra"
else
	ok "rttrace-run.8 documents no option the binary lacks"
fi

# ---- 4. commands -----------------------------------------------------------
# Session commands: each one's `--help` (argp: prints and exits before the
# command does anything; an older binary answers it with a usage error, and
# then its "usage: rttrace CMD ..." strings are read from the binary).
before=$fails
sess8=$(plain doc/rttrace-session.8)
top8=$(plain doc/rttrace.8)
usages=$(tr '\0' '\n' <"$bin" | grep -E '^usage: rttrace [a-z]+ ' | sort -u)
cmds=run
for cmd in start add slo del report stop; do
	cmds="$cmds $cmd"
	printf '%s\n' "$sess8" | grep -q "^\.B rttrace $cmd\$" ||
		fail "rttrace-session.8 has no synopsis line for '$cmd'"
	section doc/rttrace-session.8 COMMANDS | grep -qE "^\.BI? \"?$cmd( |\"|\$)" ||
		fail "rttrace-session.8's COMMANDS lacks '$cmd'"
	if h=$("$bin" $cmd --help 2>/dev/null) && printf '%s\n' "$h" | grep -q "^Usage: rttrace $cmd"; then
		copts=$(printf '%s\n' "$h" | grep -oE '^ +(-[^ ,]+, )?--[a-z][a-z0-9-]*' |
			grep -oE -- '--[a-z][a-z0-9-]*')
	else
		copts=$(printf '%s\n' "$usages" | grep "^usage: rttrace $cmd " | grep -oE -- '--[a-z][a-z0-9-]*')
	fi
	for o in $copts; do
		printf '%s\n' "$sess8" | has_word /dev/stdin "$o" ||
			fail "rttrace-session.8 does not document '$cmd $o'"
	done
done
for c in $cmds; do
	printf '%s\n' "$top8" | grep -qE "^\.B rttrace $c\$" ||
		fail "rttrace.8's synopsis lacks '$c'"
	section doc/rttrace.8 COMMANDS | grep -qE "^\.BI? $c( |\$)" ||
		fail "rttrace.8's COMMANDS lacks '$c'"
done
[ $fails -eq $before ] && ok "commands in rttrace.8 and rttrace-session.8:$(printf ' %s' $cmds)"

# ---- 5. exit status --------------------------------------------------------
codes=$(printf '%s\n' "$help" | sed -n '/^EXIT STATUS:/,/^$/p' | grep -oE '(^|[:,] )[0-9]+ ' |
	grep -oE '[0-9]+')
[ -n "$codes" ] || fail "no EXIT STATUS line in run --help"
before=$fails
for c in $codes; do
	section doc/rttrace-run.8 "EXIT STATUS" | grep -qx "\.B $c" ||
		fail "rttrace-run.8's EXIT STATUS lacks $c"
done
[ $fails -eq $before ] && ok "rttrace-run.8 EXIT STATUS has codes" $codes

# ---- 6. JSON keys ----------------------------------------------------------
if [ -d src ]; then
	# every report writer (the Perfetto exporter writes Perfetto's format;
	# rttrace diff's JSON is in rttrace-diff.8)
	keys_of() {
		xargs grep -hoE 'json_object_object_add\([^,]+, "[a-z0-9_]+"' |
			grep -oE '"[a-z0-9_]+"' | tr -d '"' | sort -u
	}
	keys=$(ls src/*.c | grep -v -e export_perfetto -e '/diff\.c$' | keys_of)
	diff8=$(mktemp)
	plain doc/rttrace-diff.8 >"$diff8"
	missing=
	for k in $(echo src/diff.c | keys_of); do
		has_word "$diff8" "$k" || missing="$missing $k"
	done
	if [ -n "$missing" ]; then
		fail "JSON keys of rttrace diff not in rttrace-diff.8:$missing"
	else
		ok "rttrace-diff.8 documents the keys rttrace diff writes"
	fi
	rm -f "$diff8"
	missing=
	for k in $keys; do
		has_word "$run8" "$k" || missing="$missing $k"
	done
	if [ -n "$missing" ]; then
		fail "JSON keys written by src/ but not in rttrace-run.8:$missing"
	else
		ok "rttrace-run.8 documents all $(echo $keys | wc -w) JSON keys the reports write"
	fi
fi
missing=
for k in $(sed -n '/^\*\*JSON\*\*/,/^\*\*Continuous/p' README.md | grep '^| `' |
	   grep -oE '`[a-z][a-z0-9_]*`' | tr -d '`' | sort -u); do
	has_word "$run8" "$k" || missing="$missing $k"
done
if [ -n "$missing" ]; then
	fail "JSON fields named in README.md but not in rttrace-run.8:$missing"
else
	ok "every JSON field README.md names is in rttrace-run.8"
fi

# ---- 7. version ------------------------------------------------------------
ver=$("$bin" --version 2>/dev/null)
before=$fails
for p in $pages; do
	grep -q "^\.TH .*\"$ver\"" "$p" || fail "$p: .TH does not name \"$ver\""
done
[ $fails -eq $before ] && ok "every page's .TH names \"$ver\""

if [ $fails -ne 0 ]; then
	echo "check_docs: $fails problem(s)"
	exit 1
fi
echo "check_docs: all good"
