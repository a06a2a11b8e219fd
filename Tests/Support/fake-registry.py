#!/usr/bin/env python3
"""A small OCI distribution registry on 127.0.0.1 that serves OCI image layouts and can lie,
for the pull tests' bad inputs and the bearer-token flow. Plain HTTP (gourd pull --nohttps).

Usage: Tests/Support/fake-registry.py PORTFILE LOG LAYOUTS_DIR

Writes the port it listens on to PORTFILE. Each request is appended to LOG as
"METHOD PATH RANGE". A repository is MODE/IMAGE, IMAGE a layout under LAYOUTS_DIR, MODE:

  ok        serves the image as it is
  corrupt   one byte of each layer blob is changed (the digest no longer matches)
  truncate  each layer blob stops halfway with the full Content-Length announced, every time
  short     each layer blob is sent whole but the connection drops halfway the first time;
            Range requests are honoured (gourd resumes)
  flaky     the first request for each blob answers 503 (gourd retries)
  slow      blobs are sent at about 1 MiB/s (for killing a pull midway)
  big       the manifest is 5 MiB of JSON (over the 4 MiB limit)
  nest      the tag names an index that names an index ... 6 deep
  token     every /v2/ request needs "Authorization: Bearer good-token", got from
            /token with basic auth gourd:secret (Bearer challenge with realm, service, scope)
  missing   404 for everything

It is also an HTTP proxy for plain-HTTP requests (absolute URIs): they are served the same
and logged as "PROXY HOST METHOD PATH RANGE".
"""
import base64
import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SEEN = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self):
        with LOCK, open(self.server.log, "a") as f:
            f.write("%s%s %s %s\n" % (self.proxied, self.command, self.path, self.headers.get("Range", "-")))

    def send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message, headers=None):
        self.send(status, json.dumps({"errors": [{"code": code, "message": message}]}).encode(),
                  dict({"Content-Type": "application/json"}, **(headers or {})))

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        # As an HTTP proxy (http_proxy=http://THIS): an absolute URI, served as if for us.
        self.proxied = ""
        if self.path.startswith("http://"):
            self.proxied = "PROXY " + self.path.split("/")[2] + " "
            self.path = "/" + self.path.split("/", 3)[3]
        self.record()
        path = self.path.split("?")[0]
        if path == "/token":
            auth = self.headers.get("Authorization", "")
            if auth != "Basic " + base64.b64encode(b"gourd:secret").decode():
                return self.error(401, "UNAUTHORIZED", "bad credentials")
            return self.send(200, json.dumps({"token": "good-token"}).encode(), {"Content-Type": "application/json"})
        if path == "/v2/" or path == "/v2":
            return self.send(200, b"{}")
        parts = path.split("/")
        # /v2/MODE/IMAGE/(manifests|blobs)/REF
        if len(parts) != 6 or parts[1] != "v2":
            return self.error(404, "NAME_UNKNOWN", "no such repository")
        mode, image, kind, ref = parts[2], parts[3], parts[4], parts[5]
        layout = os.path.join(self.server.layouts, image)
        if mode == "missing" or not os.path.isdir(layout):
            return self.error(404, "NAME_UNKNOWN", "repository name not known to registry")
        if mode == "token" and self.headers.get("Authorization") != "Bearer good-token":
            realm = "http://127.0.0.1:%d/token" % self.server.server_address[1]
            challenge = 'Bearer realm="%s",service="fake",scope="repository:%s/%s:pull"' % (realm, mode, image)
            return self.error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": challenge})
        if kind == "manifests":
            return self.manifest(mode, layout, ref)
        if kind == "blobs":
            return self.blob(mode, layout, ref)
        return self.error(404, "UNSUPPORTED", "unsupported")

    def read_blob(self, layout, digest):
        if not digest.startswith("sha256:") or "/" in digest:
            return None
        p = os.path.join(layout, "blobs", "sha256", digest[7:])
        return open(p, "rb").read() if os.path.exists(p) else None

    def manifest(self, mode, layout, ref):
        index = json.load(open(os.path.join(layout, "index.json")))
        if ref.startswith("sha256:"):
            data = self.read_blob(layout, ref) or self.server.extra.get(ref[7:])
            if data is None:
                return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        else:
            found = [m for m in index["manifests"]
                     if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
            if not found:
                return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            data = self.read_blob(layout, found[0]["digest"])
            if mode == "big":
                data = json.dumps({"schemaVersion": 2, "padding": "x" * (5 << 20)}).encode()
            if mode == "nest":
                inner = json.loads(data)
                target = found[0]
                for _ in range(6):
                    wrapper = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                                          "manifests": [{"mediaType": target.get("mediaType"), "digest": target["digest"],
                                                         "size": target["size"],
                                                         "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
                    self.server.extra[hashlib.sha256(wrapper).hexdigest()] = wrapper
                    target = {"mediaType": "application/vnd.oci.image.index.v1+json",
                              "digest": "sha256:" + hashlib.sha256(wrapper).hexdigest(), "size": len(wrapper)}
                data = wrapper
        media = json.loads(data).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
        self.send(200, data, {"Content-Type": media, "Docker-Content-Digest": "sha256:" + hashlib.sha256(data).hexdigest()})

    def blob(self, mode, layout, digest):
        data = self.read_blob(layout, digest)
        if data is None:
            data = self.server.extra.get(digest[7:]) if digest.startswith("sha256:") else None
            if data is None:
                return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        is_layer = len(data) > 4096 or not data.startswith(b"{")
        key = (mode, digest)
        first = False
        with LOCK:
            if key not in SEEN:
                SEEN.add(key)
                first = True
        if mode == "flaky" and first:
            return self.error(503, "UNAVAILABLE", "try again")
        if mode == "corrupt" and is_layer:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xff
            data = bytes(data)
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and mode in ("short", "ok", "slow"):
            start = int(rng[6:].split("-")[0])
        status = 206 if start else 200
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if (mode == "truncate" and is_layer) or (mode == "short" and is_layer and first):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "slow":
            for i in range(0, len(body), 64 << 10):
                self.wfile.write(body[i:i + (64 << 10)])
                time.sleep(1 / 16)
            return
        self.wfile.write(body)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    portfile, log, layouts = sys.argv[1:]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.log = log
    server.layouts = layouts
    server.extra = {}
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
