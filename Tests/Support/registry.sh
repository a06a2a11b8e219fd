#!/bin/sh
# Test registries on 127.0.0.1 for the pull tests (root or not; nothing leaves loopback):
#   a CNCF distribution registry (Debian's docker-registry) with TLS from a test CA,
#   a second one with TLS and htpasswd basic auth (user gourd, password secret),
#   and fake-registry.py (plain HTTP: bad inputs, retries, resume, bearer tokens).
# Images from make-registry-images.py and build-test-archives.py are pushed with skopeo.
#
#   registry.sh start STATE   starts them, writes STATE/env (GOURD_TEST_REGISTRY=HOST:PORT ...)
#   registry.sh stop STATE    stops what STATE's pid files name (only those processes)
set -eu
cmd=$1
state=$2
here=$(cd "$(dirname "$0")" && pwd)

stop() {
    for f in "$state"/*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null || true
        rm -f "$f"
    done
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for() {  # URL [curl options]: until /v2/ answers (any HTTP status)
    url=$1; shift
    i=0
    while [ $i -lt 100 ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null || true)
        [ "$code" != "000" ] && [ -n "$code" ] && return 0
        i=$((i + 1)); sleep 0.1
    done
    echo "registry.sh: $url did not come up" >&2
    return 1
}

config() {  # PORT STORAGE [auth]
    cat <<YAML
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $2
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$1
  tls:
    certificate: $state/server.crt
    key: $state/server.key
YAML
    if [ "${3:-}" = auth ]; then
        cat <<YAML
auth:
  htpasswd:
    realm: gourd-test
    path: $state/htpasswd
YAML
    fi
}

case $cmd in
stop)
    stop
    exit 0
    ;;
start)
    stop
    rm -rf "$state"
    mkdir -p "$state"
    # A test CA and a certificate for 127.0.0.1 signed by it (gourd trusts it through SSL_CERT_FILE).
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=gourd-test-ca -keyout "$state/ca.key" -out "$state/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$state/server.key" -out "$state/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > "$state/ext"
    openssl x509 -req -in "$state/server.csr" -CA "$state/ca.crt" -CAkey "$state/ca.key" -CAcreateserial -days 2 \
        -extfile "$state/ext" -out "$state/server.crt" 2>/dev/null
    htpasswd -Bbn gourd secret > "$state/htpasswd"
    anon=$(free_port); auth=$(free_port)
    config "$anon" "$state/storage-anon" > "$state/anon.yml"
    config "$auth" "$state/storage-auth" auth > "$state/auth.yml"
    docker-registry serve "$state/anon.yml" > "$state/anon.log" 2>&1 & echo $! > "$state/anon.pid"
    docker-registry serve "$state/auth.yml" > "$state/auth.log" 2>&1 & echo $! > "$state/auth.pid"
    # Images: layouts to push and for the fake registry to serve.
    python3 "$here/make-registry-images.py" "$state/layouts" "$(command -v busybox)" "${GOURD_TEST_LARGE_MIB:-24}"
    python3 "$here/build-test-archives.py" "$state/archives" "$(command -v busybox)" /nonexistent-gourd-target
    cp -r "$state/archives/oci" "$state/layouts/whiteouts"
    python3 "$here/fake-registry.py" "$state/fake.port" "$state/fake.log" "$state/layouts" > "$state/fake.out" 2>&1 &
    echo $! > "$state/fake.pid"
    wait_for "https://127.0.0.1:$anon/v2/" --cacert "$state/ca.crt"
    wait_for "https://127.0.0.1:$auth/v2/" --cacert "$state/ca.crt"
    i=0; while [ ! -e "$state/fake.port" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
    fake=$(cat "$state/fake.port")
    push() {  # SOURCE DEST [options]
        src=$1; dst=$2; shift 2
        skopeo copy -q --dest-tls-verify=false "$@" "$src" "docker://$dst" >/dev/null
    }
    push "oci:$state/layouts/busybox:latest" "127.0.0.1:$anon/test/busybox:latest"
    push "oci:$state/layouts/busybox:latest" "127.0.0.1:$anon/test/busybox:other-tag"
    push "oci:$state/layouts/multi:latest" "127.0.0.1:$anon/test/multi:latest" --all
    push "oci:$state/layouts/large:latest" "127.0.0.1:$anon/test/large:latest"
    push "oci:$state/archives/oci:v1" "127.0.0.1:$anon/test/whiteouts:v1"
    push "oci:$state/layouts/busybox:latest" "127.0.0.1:$auth/private/busybox:latest" --dest-creds gourd:secret
    cat > "$state/env" <<ENV
GOURD_TEST_REGISTRY=127.0.0.1:$anon
GOURD_TEST_REGISTRY_AUTH=127.0.0.1:$auth
GOURD_TEST_REGISTRY_FAKE=127.0.0.1:$fake
GOURD_TEST_REGISTRY_CA=$state/ca.crt
ENV
    chmod -R a+rX "$state"
    chmod 0600 "$state/ca.key" "$state/server.key"
    chmod 0644 "$state/fake.log" 2>/dev/null || true
    ;;
*)
    echo "usage: registry.sh start|stop STATE" >&2
    exit 2
    ;;
esac
