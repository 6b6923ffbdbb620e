#!/bin/sh
# Experiment (not part of vmtest): the live tests against a patched copy of the
# tree in build/vm-exp/tree (see tests/vm/README.md).
cd build/vm-exp/tree || exit 1
/usr/bin/python3 tests/live/run_tests.py ${LIVE_PATTERN:-}
