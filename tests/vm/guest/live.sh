#!/bin/sh
# The core live tests (tests/live), unchanged, on the PREEMPT_RT guest.
# Extra arguments of run_tests.py can be given with LIVE_PATTERN.
/usr/bin/python3 tests/live/run_tests.py ${LIVE_PATTERN:-} 2>&1 | tee "${VM_OUT:-/tmp}/live.txt"
exit $(tail -n 1 /dev/null; grep -q '^[0-9]* passed, 0 failed' "${VM_OUT:-/tmp}/live.txt" && echo 0 || echo 1)
