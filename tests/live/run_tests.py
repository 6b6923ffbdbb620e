#!/usr/bin/env python3
"""Run every live test (tests/live/test_*.py) against the real kernel.

Arguments: file patterns (default test_*.py).  Needs root.  Prints a closing 'N passed, N failed' line; exits non-zero on
any failure."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    if os.geteuid() != 0:
        print("live tests need root (they load BPF programs)", file=sys.stderr)
        return 1
    patterns = sys.argv[1:] or ["test_*.py"]
    suite = unittest.TestSuite()
    for pattern in patterns:
        suite.addTests(unittest.defaultTestLoader.discover(HERE, pattern=pattern))
    res = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(res.failures) + len(res.errors)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
