#!/usr/bin/env python3
"""Makes the image archives that the `gourd build` tests bootstrap from.

Usage: Tests/Support/build-test-archives.py OUTDIR BUSYBOX TARGET

  OUTDIR/docker.tar     a `docker save` archive of a two-layer busybox image: layer 2 deletes
                        /gone.txt and /gone-dir (whiteouts), makes /opaque opaque (only
                        /opaque/new is left), turns the file /replaced into a directory,
                        rewrites /keep.txt, and has /samelayer with its own .wh.samelayer
                        (which must not hide it); a config with Env, Entrypoint, Cmd,
                        WorkingDir and Labels
  OUTDIR/oci.tar        the same image as an OCI image-layout tarball (gzip layers), ref "v1"
  OUTDIR/oci/           the same as an OCI layout directory, zstd layers when the zstd tool
                        exists (gzip otherwise), ref "v1"
  OUTDIR/docker.tar.gz  docker.tar, gzip-compressed (`docker save | gzip`)
  OUTDIR/evil-*.tar     `docker save` archives whose layer (or manifest) tries to write
                        outside the root being built, at TARGET (an absolute host path):
                        dotdot, absolute, symlink, dangling, hardlink, device, huge,
                        manifest
Deterministic: the same inputs give the same bytes.
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testtar import entry, sha256_hex, tar_bytes  # noqa: E402


def directory(name, mode=0o755):
    return entry(name, tarfile.DIRTYPE, mode=mode)


def sha(data):
    return sha256_hex(data)


def config(diff_ids, settings):
    return json.dumps({"architecture": arch(), "os": "linux", "config": settings,
                       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]}},
                      sort_keys=True).encode()


def arch():
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def docker_archive(path, layers, settings, manifest_layers=None):
    """A `docker save` archive (the classic layout: ID/layer.tar, ID.json, manifest.json)."""
    diff_ids = [sha(layer) for layer in layers]
    cfg = config(diff_ids, settings)
    members = [entry("manifest.json", data=json.dumps([{
        "Config": sha(cfg) + ".json", "RepoTags": ["gourd/test:latest"],
        "Layers": manifest_layers or [d + "/layer.tar" for d in diff_ids]}]).encode()),
        entry(sha(cfg) + ".json", data=cfg)]
    for d, layer in zip(diff_ids, layers):
        members += [directory(d), entry(d + "/layer.tar", data=layer)]
    with open(path, "wb") as f:
        f.write(tar_bytes(members))


def oci_layout(layers, settings, compress):
    """The files of an OCI image layout: {path: bytes}."""
    files = {"oci-layout": json.dumps({"imageLayoutVersion": "1.0.0"}).encode()}
    descriptors = []
    for layer in layers:
        blob, media = compress(layer)
        files["blobs/sha256/" + sha(blob)] = blob
        descriptors.append({"mediaType": media, "digest": "sha256:" + sha(blob), "size": len(blob)})
    cfg = config([sha(layer) for layer in layers], settings)
    files["blobs/sha256/" + sha(cfg)] = cfg
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + sha(cfg), "size": len(cfg)},
                           "layers": descriptors}, sort_keys=True).encode()
    files["blobs/sha256/" + sha(manifest)] = manifest
    files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(manifest),
        "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}).encode()
    return files


def gzip_layer(layer):
    return gzip.compress(layer, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"


def zstd_layer(layer):
    if shutil.which("zstd") is None:
        return gzip_layer(layer)
    blob = subprocess.run(["zstd", "-q", "-c"], input=layer, check=True, stdout=subprocess.PIPE).stdout
    return blob, "application/vnd.oci.image.layer.v1.tar+zstd"


def busybox_layers(busybox):
    with open(busybox, "rb") as f:
        binary = f.read()
    applets = subprocess.run([busybox, "--list"], check=True, stdout=subprocess.PIPE, text=True).stdout.split()
    base = [directory("bin"), entry("bin/busybox", data=binary, mode=0o755)]
    base += [entry("bin/" + a, tarfile.SYMTYPE, link="busybox") for a in sorted(set(applets)) if a != "busybox"]
    base += [directory("etc"), entry("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n"),
             directory("tmp", 0o1777), directory("data"), entry("data/orig", data=b"linked\n"),
             entry("data/link", tarfile.LNKTYPE, link="data/orig"),
             entry("gone.txt", data=b"lower\n"), directory("gone-dir"), entry("gone-dir/a", data=b"a\n"),
             directory("opaque"), entry("opaque/old1", data=b"1\n"), directory("opaque/olddir"),
             entry("opaque/olddir/x", data=b"x\n"), entry("keep.txt", data=b"layer1\n"),
             entry("replaced", data=b"a file in layer 1\n")]
    upper = [entry(".wh.gone.txt", data=b""), entry(".wh.gone-dir", data=b""),
             directory("opaque"), entry("opaque/.wh..wh..opq", data=b""), entry("opaque/new", data=b"new\n"),
             directory("replaced"), entry("replaced/inside", data=b"now a directory\n"),
             entry("keep.txt", data=b"layer2\n"),
             entry("samelayer", data=b"kept\n"), entry(".wh.samelayer", data=b""),
             entry("bin/suid", data=b"#!/bin/sh\necho suid\n", mode=0o4755),
             directory("run"), entry("run/fifo", tarfile.FIFOTYPE, mode=0o600)]
    return [tar_bytes(base), tar_bytes(upper)]


SETTINGS = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FROM_CONFIG=yes"],
            "Entrypoint": ["/bin/echo", "entry"], "Cmd": ["default", "cmd"], "WorkingDir": "/data",
            "Labels": {"test.label": "from-config"}}


def write_tree(root, files):
    for name, data in sorted(files.items()):
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def huge_layer():
    """A header that claims a terabyte, followed by a few bytes and the end of the archive."""
    info = tarfile.TarInfo("huge")
    info.size = 1 << 40
    info.mtime = 0
    return info.tobuf(tarfile.GNU_FORMAT) + b"x" * 512 + b"\0" * 1024


def evil(out, target):
    t = target.lstrip("/")
    cases = {
        "dotdot": [entry("ok.txt", data=b"ok\n"), entry("../../../../../../../../" + t + "/dotdot", data=b"escaped\n")],
        "absolute": [entry(target + "/absolute", data=b"absolute\n")],
        # TARGET exists inside the root too: writes through the links land there.
        "symlink": [directory(t), entry("escape", tarfile.SYMTYPE, link=target),
                    entry("escape/through-symlink", data=b"through an absolute symlink\n"),
                    entry("up", tarfile.SYMTYPE, link="../../../../../../../../" + t),
                    entry("up/through-relative", data=b"through a relative symlink\n"),
                    directory("d"), entry("d/x", tarfile.SYMTYPE, link="/"),
                    entry("d/x/" + t + "/through-root", data=b"through a link to /\n")],
        # A link to a directory the root lacks: nothing to write through.
        "dangling": [entry("escape", tarfile.SYMTYPE, link=target + "/missing"),
                     entry("escape/through-dangling", data=b"dangling\n")],
        "hardlink": [entry("hl", tarfile.LNKTYPE, link="../../../../../../etc/passwd")],
        "device": [directory("dev"), entry("dev/evil-null", tarfile.CHRTYPE, major=1, minor=3),
                   entry("dev/evil-disk", tarfile.BLKTYPE, major=8, minor=0), entry("ok.txt", data=b"ok\n")],
    }
    for name, members in cases.items():
        docker_archive(os.path.join(out, "evil-%s.tar" % name), [tar_bytes(members)], {})
    docker_archive(os.path.join(out, "evil-huge.tar"), [huge_layer()], {})
    # A manifest that names a layer outside the archive.
    docker_archive(os.path.join(out, "evil-manifest.tar"), [tar_bytes([entry("ok.txt", data=b"ok\n")])], {},
                   manifest_layers=["../../../../../../etc/passwd"])


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    out, busybox, target = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    layers = busybox_layers(busybox)
    docker_archive(os.path.join(out, "docker.tar"), layers, SETTINGS)
    with open(os.path.join(out, "docker.tar"), "rb") as f:
        with open(os.path.join(out, "docker.tar.gz"), "wb") as g:
            g.write(gzip.compress(f.read(), mtime=0))
    files = oci_layout(layers, SETTINGS, gzip_layer)
    with open(os.path.join(out, "oci.tar"), "wb") as f:
        f.write(tar_bytes([entry(name, data=data) for name, data in sorted(files.items())]))
    shutil.rmtree(os.path.join(out, "oci"), ignore_errors=True)
    write_tree(os.path.join(out, "oci"), oci_layout(layers, SETTINGS, zstd_layer))
    evil(out, target)


if __name__ == "__main__":
    main()
