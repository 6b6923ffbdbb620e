# Shared by run_vm.sh and run_vm_arm64.sh (sourced): turn the guest's serial
# markers ("$M RESULT NAME RC UPTIME") into PASS/FAIL lines, print the
# guest logs of a failed run (or with VM_VERBOSE), and set $fail.
# Also writes $OUT/summary: the PASS/FAIL lines and, for a failed test, the
# lines of its log that say what failed, so that `make vmtest` can repeat
# them last, where a CI log's tail shows them.
# Needs: M, SERIAL, RUN, OUT, fail and log() from the caller.
vm_results() {
	: >"$OUT/summary"
	[ "$fail" = 1 ] && echo "$(basename "$OUT"): VM run failed (timeout, init failure or no DONE marker; see $SERIAL)" >>"$OUT/summary"
	for t in "$@"; do
		line=$(grep "^$M RESULT $t " "$SERIAL" | tail -n 1 || true)
		rc=$(echo "$line" | awk '{print $4}')
		if [ "$rc" = 0 ]; then
			log "PASS $t ($(echo "$line" | awk '{print $5}') s uptime)"
			echo "$(basename "$OUT"): PASS $t" >>"$OUT/summary"
		else
			log "FAIL $t (rc=${rc:-missing})"
			echo "$(basename "$OUT"): FAIL $t (rc=${rc:-missing})" >>"$OUT/summary"
			[ -f "$RUN/$t.log" ] && grep -E 'FAIL|ERROR|Error|Traceback|assert|not ok' "$RUN/$t.log" |
				grep -v -e 'CHECK ok' -e '... ok$' | head -n 40 | sed 's/^/    /' >>"$OUT/summary" || true
			fail=1
		fi
	done
	for t in "$@"; do
		[ -f "$RUN/$t.log" ] || continue
		if [ "$fail" = 1 ] || [ -n "${VM_VERBOSE:-}" ]; then
			echo "---- guest log $t (last 200 lines of $RUN/$t.log):" >&2
			tail -n 200 "$RUN/$t.log" | sed 's/^/  > /' >&2
		fi
	done
	log "serial log: $SERIAL; guest results: $RUN"
}
