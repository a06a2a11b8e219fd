#!/bin/sh
# Fails unless the dist binary runs on every cluster the README's support matrix names: its
# glibc floor (no symbol version newer than GLIBC_2.28, RHEL 8) and its shared libraries
# (only glibc's own, libgcc_s and the dynamic loader: libsquashfuse, libfuse3, the compression
# libraries, libstdc++ and the Swift runtime are linked in). Reads the binary's version needs
# (readelf -V, .gnu.version_r) and NEEDED entries (readelf -d).
#   Tests/Support/check-dist-binary.sh BINARY [FLOOR]
set -eu
binary=$1 floor=${2:-2.28}
allowed="libc.so.6 libm.so.6 libgcc_s.so.1 ld-linux-x86-64.so.2 libpthread.so.0 libdl.so.2 librt.so.1"
status=0
needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "check-dist-binary: $binary: no NEEDED entries (not a dynamic ELF?)" >&2; exit 1; }
for lib in $needed; do
    case " $allowed " in *" $lib "*) ;; *) echo "check-dist-binary: $binary needs $lib (must be linked statically)" >&2; status=1 ;; esac
done
# Every GLIBC_x.y[.z] the binary requires, highest last.
versions=$(readelf -V "$binary" | sed -n 's/.*Name: GLIBC_\([0-9.]*\) .*/\1/p' | sort -uV)
[ -n "$versions" ] || { echo "check-dist-binary: $binary: no GLIBC version needs found" >&2; exit 1; }
highest=$(printf '%s\n' $versions | tail -1)
for v in $versions; do
    if [ "$(printf '%s\n%s\n' "$v" "$floor" | sort -V | tail -1)" != "$floor" ]; then
        echo "check-dist-binary: $binary requires GLIBC_$v, newer than the floor GLIBC_$floor:" >&2
        objdump -T "$binary" | grep -F "(GLIBC_$v)" | sed 's/^/    /' >&2
        status=1
    fi
done
[ $status = 0 ] && echo "check-dist-binary: $binary: highest GLIBC_$highest (floor $floor); needs: $(echo $needed)"
exit $status
