#!/bin/sh
# gourd inside gourd, two levels deep, with default options: the dist binary (no shared
# libraries beyond glibc's, so a Debian image runs it as is) bound into a Debian image, which
# runs gourd on the same image, which runs gourd on the busybox image. Each level needs
# /dev/fuse in the minimal /dev and a writable staging place (host /tmp, bound by default).
# Run as the unprivileged test user.
#   Tests/Support/dist-nested.sh GOURD DEBIAN_IMAGE IMAGES USER
set -eu
gourd=$1 debian=$2 images=$3 user=$4
[ -r "$debian" ] || { echo "dist-nested: $debian missing (Tests/Support/setup-host.sh makes it)" >&2; exit 1; }
# Cold launches: a warm image server would outlive the script by its linger (the tests that
# run after it check that nothing is left); warm launches have their own suite.
export GOURD_WARM=off
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid="$user" --regid="$user" --clear-groups -- "$@"; else "$@"; fi; }
inner=/usr/local/bin/gourd
out=$(as_user timeout 60 "$gourd" exec -B "$gourd:$inner" -B "$images:/images" -B "$debian:/opt/debian.sqfs" "$debian" \
    gourd exec -B "$inner:$inner" -B /images:/images /opt/debian.sqfs \
    gourd exec /images/busybox-zstd.sqfs sh -c 'echo "level 2 as uid $(id -u)"; exit 3' 2>&1) && status=0 || status=$?
case "$out" in
    "level 2 as uid $(id -u "$user")") ;;
    *) echo "dist-nested: unexpected output: $out" >&2; exit 1 ;;
esac
[ "$status" = 3 ] || { echo "dist-nested: exit status $status, expected the innermost workload's 3" >&2; exit 1; }
echo "dist-nested: gourd in gourd in gourd ran the workload, status passed through"
