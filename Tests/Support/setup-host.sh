#!/bin/sh
# Prepares a fresh Debian 12 machine for gourd's tests (run as root; as another user it only
# checks). Installs the build and run dependencies, makes /dev/fuse usable by ordinary users
# (mode 0666, the default on most HPC distributions; Debian ships 0600), and creates the
# unprivileged user the tests run gourd as.
set -eu
user=${GOURD_TEST_USER:-gourdtest}
packages="libsquashfuse-dev libfuse3-dev libtomlplusplus-dev squashfs-tools fuse3 busybox-static squashfuse util-linux libcap2-bin gcc libc6-dev binutils python3 python3-venv python3-pip debootstrap zlib1g-dev libzstd-dev zstd wget libcurl4-openssl-dev libcurl4 curl openssl docker-registry skopeo apache2-utils clang-format liblz4-dev liblzma-dev liblzo2-dev"

if [ "$(id -u)" != 0 ]; then
    missing=""
    for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    [ -z "$missing" ] || { echo "setup-host: missing packages:$missing (run 'make test' as root once)" >&2; exit 1; }
    [ -r /dev/fuse ] && [ -w /dev/fuse ] || { echo "setup-host: /dev/fuse is not usable by $(id -un)" >&2; exit 1; }
    exit 0
fi

missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    echo "setup-host: installing$missing"
    # docker-registry's postinst would start a system registry on :5000: keep postinst scripts
    # from starting daemons (as slurm-cluster.sh does); never replace an existing policy.
    policy=/usr/sbin/policy-rc.d made_policy=""
    if [ ! -e "$policy" ]; then
        made_policy=1
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 0755 "$policy"
        trap 'rm -f "$policy"' EXIT
        trap 'exit 130' INT TERM HUP
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    if [ -n "$made_policy" ]; then rm -f "$policy"; trap - EXIT INT TERM HUP; fi
fi
[ -e /dev/fuse ] || mknod -m 0666 /dev/fuse c 10 229
chmod 0666 /dev/fuse
id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$user"
# Fake NVIDIA device nodes for the GPU tests (opening one gives ENXIO: no driver behind it),
# unless a real driver owns /dev/nvidia*.
if [ ! -e /proc/driver/nvidia ]; then
    for i in 0 1 2 3; do [ -e /dev/nvidia$i ] || mknod -m 0666 /dev/nvidia$i c 195 $i; done
    [ -e /dev/nvidiactl ] || mknod -m 0666 /dev/nvidiactl c 195 255
    [ -e /dev/nvidia-uvm ] || mknod -m 0666 /dev/nvidia-uvm c 240 0
fi
# Fake AMD GPUs (DRM render nodes, major 226) and KFD, unless real ones exist.
if [ ! -e /dev/kfd ] && [ ! -e /dev/dri ]; then
    mkdir -p /dev/dri
    for i in 0 1; do mknod -m 0666 /dev/dri/renderD$((128 + i)) c 226 $((128 + i)); done
    mknod -m 0666 /dev/kfd c 241 0
fi
# A Debian 12 base root file system for the `gourd build` tests (Bootstrap: localimage, then
# apt-get in %post), made once with debootstrap and cached outside the repository. Without a
# mirror the build tests that need it say so and are skipped.
debian_base=${GOURD_TEST_DEBIAN_BASE:-/var/cache/gourd-test/debian-12-minbase.sqfs}
if [ ! -e "$debian_base" ]; then
    mirror=${GOURD_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/gourd-debian.XXXXXX")
    echo "setup-host: debootstrap --variant=minbase bookworm from $mirror (once, about a minute)"
    if debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$tmp/log" 2>&1; then
        rm -rf "$tmp"/root/var/cache/apt/archives/*.deb "$tmp"/root/var/lib/apt/lists/*_*
        mkdir -p "$(dirname "$debian_base")"
        chmod 0755 "$(dirname "$debian_base")"
        mksquashfs "$tmp/root" "$debian_base.tmp" -comp zstd -noappend -quiet -no-progress >/dev/null
        chmod 0644 "$debian_base.tmp"
        mv "$debian_base.tmp" "$debian_base"
    else
        echo "setup-host: warning: debootstrap failed (see below); build tests that need a Debian base will be skipped" >&2
        tail -5 "$tmp/log" >&2
    fi
    rm -rf "$tmp"
fi
# make dist: Zig's C toolchain (PyPI ziglang) supplies glibc 2.28's version stubs for the
# dist binary's link (Packaging/link-dist.py); pinned, since the stubs come from its release.
if ! python3 -c 'import ziglang' 2>/dev/null; then
    echo "setup-host: pip install ziglang==0.17.1 (make dist)"
    python3 -m pip install -q ziglang==0.17.1 2>/dev/null ||
        python3 -m pip install -q --break-system-packages ziglang==0.17.1
fi
# A Debian 11 (bullseye, glibc 2.31) root for the dist binary's older-glibc smoke test
# (Tests/Support/dist-smoke.sh runs gourd under its dynamic loader), made once and cached.
bullseye=${GOURD_TEST_BULLSEYE:-/var/cache/gourd-test/debian-11-minbase}
if [ ! -x "$bullseye/lib/x86_64-linux-gnu/libc.so.6" ]; then
    mirror=${GOURD_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/gourd-bullseye.XXXXXX")
    echo "setup-host: debootstrap --variant=minbase bullseye from $mirror (once, about a minute)"
    if debootstrap --variant=minbase bullseye "$tmp/root" "$mirror" >"$tmp/log" 2>&1; then
        rm -rf "$tmp"/root/var/cache/apt/archives/*.deb "$tmp"/root/var/lib/apt/lists/*_*
        mkdir -p "$(dirname "$bullseye")" && chmod 0755 "$(dirname "$bullseye")"
        rm -rf "$bullseye" && mv "$tmp/root" "$bullseye" && chmod 0755 "$bullseye"
    else
        echo "setup-host: warning: bullseye debootstrap failed; make dist-test will fail" >&2
        tail -5 "$tmp/log" >&2
    fi
    rm -rf "$tmp"
fi
echo "setup-host: ready (test user $user, /dev/fuse $(stat -c %a /dev/fuse))"
