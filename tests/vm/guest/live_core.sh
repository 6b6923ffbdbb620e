#!/bin/sh
# The core tracer's live tests (tests/live), unchanged, on the PREEMPT_RT
# guest: metrics against known workloads, targets (-p, -t, COMMAND, both
# backends, --btf), every error path, and the worst-case capture.
/usr/bin/python3 tests/live/run_tests.py test_metrics.py test_targets.py test_errors.py \
	test_capture.py 2>&1 | tee "${VM_OUT:-/tmp}/live_core.txt"
grep -q '^[0-9]* passed, 0 failed' "${VM_OUT:-/tmp}/live_core.txt"
