#!/usr/bin/env python3
"""Wraps a squashfs file into a SIF file (Apptainer/Singularity Image Format), for tests.

Writes the layout of github.com/apptainer/sif (pkg/sif/sif.go, descriptor.go), little-endian:
a 128-byte global header, a table of 48 descriptors of 585 bytes at offset 4096, and the data
objects from offset 32768, each aligned to 4096 bytes: an optional definition file, then the
partition. Options make the broken files the tests need.

usage: make-sif.py INPUT.sqfs OUTPUT.sif [--fstype squashfs|ext3|archive|raw|encryptfs]
       [--parttype primsys|system|data|overlay] [--deffile FILE] [--truncate]
       [--descriptor-count N] [--id UUID] [--time UNIX_SECONDS]
"""
import argparse
import os
import struct
import uuid

LAUNCH = b"#!/usr/bin/env run-singularity\n"
DESCR_OFFSET, DESCR_COUNT, DESCR_SIZE = 4096, 48, 585
DATA_OFFSET, ALIGN = 32768, 4096
DATA_DEFFILE, DATA_PARTITION = 0x4001, 0x4004
FSTYPES = {"squashfs": 1, "ext3": 2, "archive": 3, "raw": 4, "encryptfs": 5}
PARTTYPES = {"system": 1, "primsys": 2, "data": 3, "overlay": 4}
ARCH_AMD64 = b"02\0"


def aligned(offset):
    return (offset + ALIGN - 1) // ALIGN * ALIGN


def descriptor(datatype, ident, offset, size, padded, when, name, extra=b""):
    raw = struct.pack("<i?III", datatype, True, ident, 0xF0000001, 0)
    raw += struct.pack("<qqqqqqq", offset, size, padded, when, when, 0, 0)
    raw += name.encode()[:128].ljust(128, b"\0") + extra.ljust(384, b"\0")
    assert len(raw) == DESCR_SIZE
    return raw


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--fstype", choices=FSTYPES, default="squashfs")
    parser.add_argument("--parttype", choices=PARTTYPES, default="primsys")
    parser.add_argument("--deffile", help="add this definition file as a data object")
    parser.add_argument("--truncate", action="store_true", help="cut the file in the middle of the partition")
    parser.add_argument("--descriptor-count", type=int, help="write this (corrupt) total into the header")
    parser.add_argument("--id", default="b2659d4e-bd50-4ea5-bd17-eec5e54f918e")
    parser.add_argument("--time", type=int, default=1504657553)
    args = parser.parse_args()

    with open(args.input, "rb") as f:
        partition = f.read()
    objects = []  # (datatype, name, data, extra)
    if args.deffile:
        with open(args.deffile, "rb") as f:
            objects.append((DATA_DEFFILE, os.path.basename(args.deffile), f.read(), b""))
    extra = struct.pack("<ii", FSTYPES[args.fstype], PARTTYPES[args.parttype]) + ARCH_AMD64
    objects.append((DATA_PARTITION, os.path.basename(args.input), partition, extra))

    table, data, end = b"", b"", DATA_OFFSET
    for ident, (datatype, name, payload, extra) in enumerate(objects, start=1):
        start = aligned(end)
        data += b"\0" * (start - end) + payload
        table += descriptor(datatype, ident, start, len(payload), start + len(payload) - end, args.time, name, extra)
        end = start + len(payload)
    table = table.ljust(DESCR_COUNT * DESCR_SIZE, b"\0")

    total = args.descriptor_count if args.descriptor_count is not None else DESCR_COUNT
    header = LAUNCH.ljust(32, b"\0") + b"SIF_MAGIC\0" + b"01\0" + ARCH_AMD64 + uuid.UUID(args.id).bytes
    header += struct.pack("<qqqqqqqq", args.time, args.time, DESCR_COUNT - len(objects), total,
                          DESCR_OFFSET, len(table), DATA_OFFSET, end - DATA_OFFSET)
    assert len(header) == 128
    image = header.ljust(DESCR_OFFSET, b"\0") + table
    image = image.ljust(DATA_OFFSET, b"\0") + data
    if args.truncate:
        image = image[: end - len(partition) // 2]
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(image)
    os.chmod(tmp, 0o755)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
