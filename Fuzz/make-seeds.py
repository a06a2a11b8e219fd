#!/usr/bin/env python3
"""Writes compact SIF and tar seeds for the fuzz harnesses (see make-seeds.sh).

usage: make-seeds.py OUTDIR SQUASHFS
SIF: the layout of github.com/apptainer/sif with the descriptor table right after the header
(a real file puts it at 4096 and data at 32768: padding the fuzzer would only waste time on).
"""
import io
import os
import struct
import sys
import tarfile

out, sqfs = sys.argv[1], sys.argv[2]
LAUNCH = b"#!/usr/bin/env run-singularity\n"
DESCR_SIZE = 585


def descriptor(datatype, ident, offset, size, extra=b"", name=b"", group=0x11000000 | 1):
    d = struct.pack("<i?III", datatype, True, ident, group, 0)
    d += struct.pack("<qqqqqqq", offset, size, size, 0, 0, 0, 0)
    d += name.ljust(128, b"\0") + extra.ljust(384, b"\0")
    assert len(d) == DESCR_SIZE
    return d


def sif(path, parts, dtotal=None):
    """parts: list of (datatype, payload, extra)."""
    dtotal = dtotal or len(parts)
    descroff = 128
    dataoff = descroff + dtotal * DESCR_SIZE
    table, data, offset = b"", b"", dataoff
    for i, (datatype, payload, extra) in enumerate(parts):
        table += descriptor(datatype, i + 1, offset, len(payload), extra)
        data += payload
        offset += len(payload)
    table = table.ljust(dtotal * DESCR_SIZE, b"\0")
    header = LAUNCH.ljust(32, b"\0") + b"SIF_MAGIC\0" + b"01\0" + b"02\0" + bytes(range(16))
    header += struct.pack("<qqqqqqqq", 0, 0, dtotal - len(parts), dtotal, descroff, len(table), dataoff, len(data))
    assert len(header) == 128
    with open(path, "wb") as f:
        f.write(header + table + data)


squash = open(sqfs, "rb").read()
part = lambda fs, pt: struct.pack("<ii", fs, pt) + b"02\0"
sif(f"{out}/sif/primary.sif", [(0x4001, b"Bootstrap: docker\nFrom: x\n", b""), (0x4004, squash[:512], part(1, 2))])
sif(f"{out}/sif/two-parts.sif", [(0x4004, b"x" * 64, part(2, 3)), (0x4004, b"y" * 64, part(1, 1)), (0x4005, b"sig", b"")], dtotal=4)


def tar(path, fmt, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.mtime, info.mode = 0, 0o644
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, payload
            elif kind == "hard":
                info.type, info.linkname = tarfile.LNKTYPE, payload
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            if kind == "file":
                info.size = len(payload)
                t.addfile(info, io.BytesIO(payload))
            else:
                t.addfile(info)
    open(path, "wb").write(buf.getvalue())


long = "d/" + "n" * 120 + "/" + "f" * 110
members = [("./", "dir", None), ("etc/", "dir", None), ("etc/passwd", "file", b"root:x:0:0::/:/bin/sh\n"),
           ("etc/.wh.gone", "file", b""), ("opt/.wh..wh..opq", "file", b""), ("bin/sh", "sym", "busybox"),
           ("bin/ln", "hard", "etc/passwd"), ("tmp/fifo", "fifo", None), (long, "file", b"long name\n"),
           ("../escape", "file", b"x"), ("/abs/path", "sym", "/etc/shadow")]
tar(f"{out}/tar/ustar.tar", tarfile.USTAR_FORMAT, [m for m in members if len(m[0]) < 100])
tar(f"{out}/tar/pax.tar", tarfile.PAX_FORMAT, members + [("ünïcode", "file", b"u")])
tar(f"{out}/tar/gnu.tar", tarfile.GNU_FORMAT, members)
for name in os.listdir(f"{out}/tar"):  # tarfile pads to 10 KiB records: drop trailing zero blocks past two
    p = f"{out}/tar/{name}"
    data = open(p, "rb").read().rstrip(b"\0")
    open(p, "wb").write(data + b"\0" * (-len(data) % 512 + 1024))
