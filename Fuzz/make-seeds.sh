#!/bin/sh
# Makes the generated (binary) seeds into $1/HARNESS/: small squashfs images (squashfs/make-seeds.sh),
# compact SIF files, tar archives in ustar, pax and GNU formats with whiteouts and links, a
# small ELF shared object with GLIBC_ version needs, and a small ld.so.cache. Text seeds are
# committed under Fuzz/seeds/. Needs squashfs-tools, python3, a C compiler and ldconfig.
set -eu
out=${1:?usage: make-seeds.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-cc}
mkdir -p "$out/squashfs" "$out/sif" "$out/tar" "$out/elf" "$out/ldcache"
"$here/squashfs/make-seeds.sh" "$out/squashfs"
python3 "$here/make-seeds.py" "$out" "$out/squashfs/seed-none.sqfs"
work=$(mktemp -d "${TMPDIR:-/tmp}/gourd-fuzz-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
# ELF: a shared object that needs GLIBC_ versions (puts, memcpy, ...) and defines its own.
printf '#include <stdio.h>\n#include <string.h>\nint f(char *d, const char *s) { memcpy(d, s, 4); return puts(d); }\n' > "$work/f.c"
printf 'LIBF_1.0 { global: f; local: *; };\n' > "$work/f.map"
"$cc" -shared -fPIC -O1 -s -nostartfiles -Wl,--version-script="$work/f.map" -Wl,--build-id=none \
    -Wl,-z,norelro -Wl,--hash-style=gnu -o "$out/elf/libf.so" "$work/f.c"
# ld.so.cache: the new format of two directories' worth of libraries, made by ldconfig.
mkdir -p "$work/root/lib" "$work/root/etc"
cp "$out/elf/libf.so" "$work/root/lib/libf.so.1"
for lib in libc.so.6 libm.so.6; do
    p=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|AArch64/ { print $NF; exit }')
    [ -n "$p" ] && cp -L "$p" "$work/root/lib/$lib"
done
: > "$work/root/etc/ld.so.conf"
ldconfig -X -r "$work/root" -C /etc/ld.so.cache 2>/dev/null || true
cp "$work/root/etc/ld.so.cache" "$out/ldcache/ld.so.cache"
