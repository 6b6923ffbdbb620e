#!/usr/bin/env python3
"""Extract the kernel BTF blob from an uncompressed (or gzip'd) kernel Image.

Debian's arm64 vmlinuz is a raw Image without section headers, but the
.BTF data is in it verbatim: find the BTF header (magic 0xeB9F, version 1,
24-byte header) whose type section is large, and cut header + types +
strings.  Used to make vmlinux/arm64/vmlinux.h:

    apt-get download linux-image-6.1.0-56-rt-arm64:arm64
    dpkg -x linux-image-*.deb x
    vmlinux/extract_btf.py x/boot/vmlinuz-* vmlinux.btf
    bpftool btf dump file vmlinux.btf format c > vmlinux/arm64/vmlinux.h

The same blob works as `rttrace run --btf vmlinux.btf` on that kernel.
"""
import gzip
import struct
import sys

MAGIC = b"\x9f\xeb\x01\x00\x18\x00\x00\x00"


def main(src, dst):
    data = open(src, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    i = data.find(MAGIC)
    while i >= 0:
        _, _, _, hlen, _, tlen, soff, slen = struct.unpack("<HBBIIIII", data[i:i + 24])
        if tlen > 100000:  # the kernel's own BTF, not a module's or a test blob
            with open(dst, "wb") as f:
                f.write(data[i:i + hlen + soff + slen])
            print(f"{dst}: {hlen + soff + slen} bytes of BTF from offset {i}")
            return 0
        i = data.find(MAGIC, i + 1)
    print(f"{src}: no BTF found (kernel built without CONFIG_DEBUG_INFO_BTF?)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
