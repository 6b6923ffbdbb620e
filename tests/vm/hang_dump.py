#!/usr/bin/python3
"""What a hung guest's CPUs are doing, from the outside.

When the guest stops making progress the in-guest watchdog cannot always
speak (seen: both vCPUs spinning, no timer, no console).  This asks QEMU's
monitor (HMP on a unix socket), a few times a second apart, for each vCPU's
registers and the top of its stack, and names the kernel text addresses with
the guest's own /proc/kallsyms (Debian's System.map is a stub; the guest
dumps kallsyms once per kernel into the VM cache, and boots with nokaslr):

  hang_dump.py MONITOR_SOCKET KALLSYMS NCPUS [SAMPLES]

RIP tells where a CPU spins; the stack words that are kernel text addresses
are a rough backtrace (return addresses and stale values alike: read it as
a hint, not a call chain)."""
import bisect
import os
import re
import socket
import sys
import time


def load_map(paths):
    """The first readable of a ':'-separated list (kallsyms, System.map)."""
    addrs, names = [], []
    path = next((p for p in paths.split(":") if os.path.isfile(p)), None)
    if not path:
        print(f"hang dump: no symbol map ({paths}): raw addresses only")
        return addrs, names
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[1] in "tTwW":
                addrs.append(int(p[0], 16))
                names.append(p[2])
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def name(sym, a):
    addrs, names = sym
    i = bisect.bisect_right(addrs, a) - 1
    if i < 0 or a - addrs[i] > 0x10000:
        return None
    return f"{names[i]}+{a - addrs[i]:#x}"


class Monitor:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(5)
        self.s.connect(path)
        self.read()  # banner and prompt

    def read(self):
        buf = b""
        while not buf.rstrip().endswith(b"(qemu)"):
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            buf += chunk
        text = buf.decode(errors="replace")
        # HMP echoes the command with terminal escapes; keep plain lines
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
        return [l for l in text.replace("\r", "").split("\n") if l and "(qemu)" not in l]

    def cmd(self, c):
        self.s.sendall(c.encode() + b"\n")
        lines = self.read()
        # the first line is HMP's echo of the command, drawn char by char
        return lines[1:] if lines and lines[0].endswith(c) else lines


def main():
    sock, sysmap, ncpus = sys.argv[1], sys.argv[2], int(sys.argv[3])
    samples = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    sym = load_map(sysmap)
    m = Monitor(sock)
    print("hang dump: " + " | ".join(m.cmd("info cpus")))
    for k in range(samples):
        for cpu in range(ncpus):
            m.cmd(f"cpu {cpu}")
            regs = " ".join(m.cmd("info registers"))
            rip = re.search(r"RIP=([0-9a-f]+)", regs)
            rsp = re.search(r"RSP=([0-9a-f]+)", regs)
            efl = re.search(r"RFL=([0-9a-f]+)", regs)
            if not rip:
                print(f"  sample {k} cpu {cpu}: no registers")
                continue
            r = int(rip.group(1), 16)
            irqs = "IRQs on" if efl and int(efl.group(1), 16) & 0x200 else "IRQs off"
            print(f"  sample {k} cpu {cpu}: RIP {name(sym, r) or hex(r)} ({irqs})")
            if k or not rsp:
                continue
            words = []
            for line in m.cmd(f"x /96gx 0x{rsp.group(1)}"):
                words += [int(w, 16) for w in line.split(":", 1)[-1].split()
                          if re.fullmatch(r"0x[0-9a-f]+", w)]
            seen = [n for n in (name(sym, w) for w in words) if n]
            print("    stack text words: " + " < ".join(seen[:40]))
        time.sleep(1)


if __name__ == "__main__":
    main()
