#!/bin/sh
# Packs the dist binary (Packaging/link-dist.py) with its man page, shell completions, README,
# example policy, AppArmor profile, module file and JobScripts into
# OUTDIR/gourd-VERSION-linux-x86_64.tar.gz, reproducibly: every run on the same build gives
# the same bytes (https://reproducible-builds.org/docs/archives/): names sorted, owner 0:0,
# modes normalised, every mtime SOURCE_DATE_EPOCH (default: the last commit's time), the man
# page dated from it too, gzip without name or time stamp (-n).
#
#   Packaging/make-dist.sh GOURD_BINARY GENERATE_MANUAL OUTDIR
set -eu
binary=$1 generate_manual=$2 outdir=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
: "${SOURCE_DATE_EPOCH:=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}"
export SOURCE_DATE_EPOCH
version=$("$binary" --version)
name=gourd-$version-linux-x86_64
stage=$outdir/stage
rm -rf "$stage"
tree=$stage/$name
mkdir -p "$tree/bin" "$tree/share/man/man1" "$tree/share/bash-completion/completions" \
    "$tree/share/zsh/site-functions" "$tree/share/fish/vendor_completions.d" "$tree/share/doc/gourd" \
    "$tree/share/gourd/JobScripts" "$tree/share/gourd/apparmor"
cp "$binary" "$tree/bin/gourd"
# The man page from the command-line definitions (swift-argument-parser's generate-manual reads
# `gourd --experimental-dump-help`), dated by SOURCE_DATE_EPOCH rather than today.
"$generate_manual" "$tree/bin/gourd" --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" \
    --section 1 --authors "the gourd authors" --output-directory "$tree/share/man/man1" >/dev/null
[ -s "$tree/share/man/man1/gourd.1" ] || { echo "make-dist: no man page generated" >&2; exit 1; }
"$tree/bin/gourd" --generate-completion-script bash >"$tree/share/bash-completion/completions/gourd"
"$tree/bin/gourd" --generate-completion-script zsh >"$tree/share/zsh/site-functions/_gourd"
"$tree/bin/gourd" --generate-completion-script fish >"$tree/share/fish/vendor_completions.d/gourd.fish"
cp "$root/README.md" "$tree/README.md"
cp "$here/policy.toml.example" "$here/gourd.lua.example" "$tree/share/doc/gourd/"
cp "$here/apparmor-gourd" "$tree/share/gourd/apparmor/gourd"
cp "$root"/JobScripts/* "$tree/share/gourd/JobScripts/"
mkdir -p "$outdir"
tarball=$outdir/$name.tar.gz
# GNU tar: sorted names, fixed owner and mtime, no atime/ctime in PAX headers; gzip -n.
tar -C "$stage" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --mode='u+rwX,go+rX,go-w' --format=gnu -cf - "$name" | gzip -9n >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
rm -rf "$stage"
echo "$tarball"
