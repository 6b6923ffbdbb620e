#!/usr/bin/python3
"""Tiny workloads to sanity-check the reference (not project workloads).
  validate_workload.py clock  SECONDS   abs clock_nanosleep(CLOCK_MONOTONIC) 10 ms period, busy 2 ms
  validate_workload.py nsleep SECONDS   busy 2 ms, then nanosleep(8 ms)
  validate_workload.py pipe   SECONDS   child reads a pipe (busy 2 ms per byte); parent writes every 10 ms
Prints "TID <tid>" lines for the measured thread(s)."""
import ctypes, os, sys, time

libc = ctypes.CDLL("libc.so.6", use_errno=True)
class timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]
CLOCK_MONOTONIC, TIMER_ABSTIME = 1, 1

def busy(ns):
    end = time.monotonic_ns() + ns
    while time.monotonic_ns() < end:
        pass

def ts(ns):
    return timespec(ns // 1_000_000_000, ns % 1_000_000_000)

mode, secs = sys.argv[1], float(sys.argv[2])
n = int(secs * 100)
if mode == "clock":
    print("TID", os.getpid(), flush=True)
    t = time.monotonic_ns() + 10_000_000
    for _ in range(n):
        libc.clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ctypes.byref(ts(t)), None)
        busy(2_000_000)
        t += 10_000_000
elif mode == "nsleep":
    print("TID", os.getpid(), flush=True)
    for _ in range(n):
        busy(2_000_000)
        libc.nanosleep(ctypes.byref(ts(8_000_000)), None)
elif mode == "pipe":
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        while os.read(r, 1):
            busy(2_000_000)
        os._exit(0)
    print("TID", pid, flush=True)
    os.close(r)
    for _ in range(n):
        time.sleep(0.010)       # the writer's sleeps are timer sleeps; the reader's are not
        os.write(w, b"x")
    os.close(w)
    os.waitpid(pid, 0)
