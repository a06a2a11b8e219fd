#!/bin/sh
# Smoke test of the dist binary against an older glibc: runs it, as the unprivileged test
# user, under the dynamic loader of a Debian 11 (bullseye, glibc 2.31) root file system, with
# only that root's libraries on the search path (--library-path; NSS modules are found there
# too). The kernel is this machine's. Every subcommand: --version, check, inspect, plan, exec,
# run, and build from a local image. Fails on the first step that does not do what it should.
#   Tests/Support/dist-smoke.sh GOURD BULLSEYE_ROOT IMAGES USER SCRATCH
set -eu
gourd=$1 root=$2 images=$3 user=$4 scratch=$5
libs=$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu
loader=$root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
[ -x "$loader" ] || { echo "dist-smoke: $loader missing (Tests/Support/setup-host.sh makes the bullseye root)" >&2; exit 1; }
glibc=$("$loader" --library-path "$libs" "$root/lib/x86_64-linux-gnu/libc.so.6" | sed -n '1s/.*version \([0-9.]*\)[^0-9].*/\1/p')
# Cold launches: a warm image server would outlive the script by its linger (the tests that
# run after it check that nothing is left); warm launches have their own suite.
export GOURD_WARM=off
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid="$user" --regid="$user" --clear-groups -- "$@"; else "$@"; fi; }
old() { as_user env -u LD_LIBRARY_PATH TMPDIR="$scratch" "$loader" --library-path "$libs" "$gourd" "$@"; }
fail() { echo "dist-smoke: $*" >&2; exit 1; }
expect() { # expect WHAT EXPECTED ACTUAL
    case "$3" in *"$2"*) echo "ok    $1" ;; *) fail "$1: expected '$2' in: $3" ;; esac
}
rm -rf "$scratch" && mkdir -p "$scratch" && chmod 0777 "$scratch"
image=$images/busybox-zstd.sqfs

expect "glibc of the old root" "2.31" "$glibc"
# Every library the binary loads must come from the old root, not from this host.
outside=$("$loader" --library-path "$libs" --list "$gourd" | grep '=>' | grep -v "=> $root/" || true)
[ -z "$outside" ] || fail "libraries resolved outside $root: $outside"
expect "--version" "0." "$(old --version)"
expect "check" "gourd can run on this host" "$(old check 2>&1)"
expect "inspect" "squashfs" "$(old inspect "$image" 2>&1)"
expect "plan" "minimal /dev" "$(old plan "$image" true 2>&1)"
expect "exec" "hello from $(id -un "$user")" "$(old exec "$image" sh -c 'echo hello from $(id -un)' 2>&1)"
expect "exec exit status" "status 7" "$(old exec "$image" sh -c 'exit 7' 2>&1 || echo "status $?")"
expect "exec not found" "status 127" "$(old exec "$image" /no/such 2>/dev/null || echo "status $?")"
expect "run" "status 0" "$(old run "$image" >/dev/null 2>&1 </dev/null && echo "status 0" || echo "status $?")"
# A local-image build: the base image's root, a %post step run inside it, packed with mksquashfs.
printf 'Bootstrap: localimage\nFrom: %s\n%%post\n  echo built-on-old-glibc > /built\n' "$image" >"$scratch/r.def"
chmod 0644 "$scratch/r.def"
(cd "$scratch" && old build -q built.sqfs r.def) >"$scratch/build.log" 2>&1 || fail "build: $(tail -5 "$scratch/build.log")"
expect "build" "built-on-old-glibc" "$(old exec "$scratch/built.sqfs" cat /built 2>&1)"
rm -rf "$scratch"
echo "dist-smoke: the dist binary passed under glibc $glibc"
