"""Tar members for the test images that Tests/Support's Python scripts write
(build-test-archives.py, make-registry-images.py): deterministic bytes, fixed times and owners."""
import hashlib
import io
import tarfile


def tar_bytes(members):
    """members: list of (TarInfo, bytes or None). GNU format, fixed times and owners."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            info.mtime = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def entry(name, kind=tarfile.REGTYPE, data=None, mode=0o644, link="", major=0, minor=0):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.linkname = link
    info.devmajor, info.devminor = major, minor
    if data is not None:
        info.size = len(data)
    return (info, data)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()
