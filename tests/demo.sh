#!/bin/sh
# `make demo`: run the bundled control loop (10 ms period, 2 ms of work,
# SCHED_FIFO 50) under rttrace for 5 seconds, with SLO bounds, and print
# the report.  Needs root.
set -e
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "make demo: rttrace loads BPF programs; run it as root (sudo make demo)" >&2
	exit 1
fi
echo "+ build/rttrace run --slo-latency 500us --slo-relief 2500us -- build/workloads/control_loop --period 10ms --busy 2ms --policy fifo --prio 50 --duration 5s"
exec build/rttrace run --slo-latency 500us --slo-relief 2500us -- \
	build/workloads/control_loop --period 10ms --busy 2ms --policy fifo --prio 50 --duration 5s
