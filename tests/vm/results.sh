# Shared by run_vm.sh and run_vm_arm64.sh (sourced): turn the guest's serial
# markers ("$M RESULT NAME RC UPTIME") into PASS/FAIL lines, print the
# guest logs of a failed run (or with VM_VERBOSE), and set $fail.
# Needs: M, SERIAL, RUN, fail and log() from the caller.
vm_results() {
	for t in "$@"; do
		line=$(grep "^$M RESULT $t " "$SERIAL" | tail -n 1 || true)
		rc=$(echo "$line" | awk '{print $4}')
		if [ "$rc" = 0 ]; then
			log "PASS $t ($(echo "$line" | awk '{print $5}') s uptime)"
		else
			log "FAIL $t (rc=${rc:-missing})"
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
