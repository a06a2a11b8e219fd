#!/bin/sh
# Makes a `docker save` archive (one layer) of the host's static busybox, so that
# busybox-docker.def builds offline. Byte-identical on every run.
# Usage: Recipes/make-busybox-archive.sh [OUTPUT]   (default: Recipes/busybox.tar)
# Needs busybox (Debian: busybox-static), GNU tar and sha256sum.
set -eu
out=${1:-$(dirname "$0")/busybox.tar}
busybox=$(command -v busybox) || { echo "make-busybox-archive: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
case $(uname -m) in
    x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; ppc64le) arch=ppc64le ;; *) arch=$(uname -m) ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/busybox-archive.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/home"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
deterministic="--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu"
mkdir "$work/archive"
# shellcheck disable=SC2086
tar $deterministic -cf "$work/layer.tar" -C "$root" .
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir "$work/archive/$layer"
mv "$work/layer.tar" "$work/archive/$layer/layer.tar"
printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh","-c","echo hello from the archive Cmd: $(uname -s)"],"WorkingDir":"/","Labels":{"org.opencontainers.image.source":"make-busybox-archive.sh"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$arch" "$layer" > "$work/config.json"
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/archive/$config.json"
printf '[{"Config":"%s.json","RepoTags":["busybox:gourd"],"Layers":["%s/layer.tar"]}]\n' "$config" "$layer" > "$work/archive/manifest.json"
# shellcheck disable=SC2086
tar $deterministic -cf "$out.tmp" -C "$work/archive" .
mv "$out.tmp" "$out"
echo "$out: busybox:gourd, image sha256:$config"
