#!/usr/bin/env python3
"""Makes the OCI image layouts that the registry tests push and serve.

Usage: Tests/Support/make-registry-images.py OUTDIR BUSYBOX [LARGE_MIB]

  OUTDIR/busybox/   one image (tag "latest"): busybox and its applets, gzip layer; config
                    with Env, Cmd, WorkingDir and Labels
  OUTDIR/multi/     an image index (tag "latest") with a linux/amd64 and a linux/arm64/v8
                    image; each has /arch naming its platform (both run the host's busybox)
  OUTDIR/large/     busybox plus a second layer of LARGE_MIB (default 24) MiB of
                    deterministic pseudo-random bytes (tag "latest")
Deterministic: the same inputs give the same bytes.
"""
import gzip
import json
import os
import random
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testtar import entry, sha256_hex, tar_bytes  # noqa: E402


def busybox_layer(busybox):
    data = open(busybox, "rb").read()
    members = [entry("bin", tarfile.DIRTYPE, mode=0o755), entry("bin/busybox", data=data, mode=0o755)]
    for applet in ["sh", "echo", "cat", "ls", "true", "env", "pwd", "id", "sleep", "wc"]:
        members.append(entry("bin/" + applet, tarfile.SYMTYPE, link="busybox", mode=0o777))
    for d in ["etc", "tmp", "proc", "dev", "sys", "home", "work"]:
        members.append(entry(d, tarfile.DIRTYPE, mode=0o755))
    members.append(entry("etc/hello.txt", data=b"hello from the registry\n"))
    return tar_bytes(members)


def sha(data):
    return "sha256:" + sha256_hex(data)


class Layout:
    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)

    def blob(self, data, media_type, **extra):
        digest = sha(data)
        with open(os.path.join(self.path, "blobs", "sha256", digest[7:]), "wb") as f:
            f.write(data)
        return dict({"mediaType": media_type, "digest": digest, "size": len(data)}, **extra)

    def image(self, layers, settings, arch="amd64", variant=None):
        """layers: uncompressed tars. Returns the manifest descriptor."""
        descriptors = [self.blob(gzip.compress(layer, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")
                       for layer in layers]
        config = {"architecture": arch, "os": "linux", "config": settings,
                  "created": "2024-01-01T00:00:00Z",
                  "rootfs": {"type": "layers", "diff_ids": [sha(layer) for layer in layers]}}
        if variant:
            config["variant"] = variant
        cfg = self.blob(json.dumps(config, sort_keys=True).encode(), "application/vnd.oci.image.config.v1+json")
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": cfg, "layers": descriptors}
        platform = {"architecture": arch, "os": "linux"}
        if variant:
            platform["variant"] = variant
        return self.blob(json.dumps(manifest, sort_keys=True).encode(), manifest["mediaType"], platform=platform)

    def index(self, manifests, media_type="application/vnd.oci.image.index.v1+json"):
        return self.blob(json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": manifests},
                                    sort_keys=True).encode(), media_type)

    def finish(self, descriptor, tag="latest"):
        descriptor = dict(descriptor)
        descriptor.pop("platform", None)
        descriptor["annotations"] = {"org.opencontainers.image.ref.name": tag}
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": [descriptor]}, f, sort_keys=True)
        with open(os.path.join(self.path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)


SETTINGS = {"Env": ["PATH=/bin", "GREETING=from-registry"], "Cmd": ["/bin/cat", "/etc/hello.txt"],
            "WorkingDir": "/work", "Labels": {"org.example.test": "registry"}}


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out, busybox = sys.argv[1:3]
    large_mib = int(sys.argv[3]) if len(sys.argv) == 4 else 24
    base = busybox_layer(busybox)

    layout = Layout(os.path.join(out, "busybox"))
    layout.finish(layout.image([base], SETTINGS))

    layout = Layout(os.path.join(out, "multi"))
    amd = layout.image([base, tar_bytes([entry("arch", data=b"amd64\n")])], SETTINGS, "amd64")
    arm = layout.image([base, tar_bytes([entry("arch", data=b"arm64\n")])], SETTINGS, "arm64", "v8")
    layout.finish(layout.index([amd, arm]))

    layout = Layout(os.path.join(out, "large"))
    rng = random.Random(1)
    big = tar_bytes([entry("large.bin", data=rng.randbytes(large_mib << 20))])
    layout.finish(layout.image([base, big], SETTINGS))


if __name__ == "__main__":
    main()
