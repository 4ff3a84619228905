#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Churn for test-daemon-churn.sh: N VMs made and removed in the fake
kernel over SECONDS, at an even pace.

    churn-vms.py MOUNT N SECONDS PID...

Each VM is a directory PID-FD (the PIDs, real processes, in turn; FD a
counter, so no id comes back) with random counters; after each creation
an older VM is removed at random, often enough that at most 64 are alive
at once.  At the end none is left.  Prints what it did.
"""
import os
import random
import sys
import time


def main():
    mnt, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    pids = sys.argv[4:]
    rng = random.Random(9)
    live = []
    removed = 0
    start = time.monotonic()
    for i in range(n):
        pause = start + secs * i / n - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        vm = "%s-%d" % (pids[i % len(pids)], 1000 + i)
        os.mkdir(os.path.join(mnt, vm))
        with open(os.path.join(mnt, vm, ".fake_state"), "w") as f:
            f.write("vcpus=2 cache=%d shadow=%d\n" % (rng.randrange(200), rng.randrange(100, 20000)))
        live.append(vm)
        while len(live) > 64 or (len(live) > 1 and rng.random() < 0.5):
            os.rmdir(os.path.join(mnt, live.pop(rng.randrange(len(live) - 1))))
            removed += 1
    for vm in live:
        os.rmdir(os.path.join(mnt, vm))
        removed += 1
    print("churn: %d VMs made, %d removed in %.1f s" % (n, removed, time.monotonic() - start))


if __name__ == "__main__":
    main()
