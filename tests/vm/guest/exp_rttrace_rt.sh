#!/bin/sh
# Experiment (not part of vmtest): rttrace_rt.sh against the patched copy in build/vm-exp/tree.
P=$PWD
cd build/vm-exp/tree || exit 1
exec /bin/sh "$P/tests/vm/guest/rttrace_rt.sh"
