#!/bin/sh
# Makes the squashfs harness's seed images into $1: one tiny tree (directories, a file over
# several 4 KiB blocks, a tail in a fragment, an empty file, a symlink, a hard link, a FIFO)
# packed with each compressor mksquashfs offers, and uncompressed. Deterministic: fixed
# timestamps, root ownership. Needs squashfs-tools.
set -eu
# The timestamps are given below; mksquashfs 4.5+ refuses -mkfs-time/-all-time with this set.
unset SOURCE_DATE_EPOCH
out=${1:?usage: make-seeds.sh OUTDIR}
mkdir -p "$out"
tree=$(mktemp -d "${TMPDIR:-/tmp}/gourd-fuzz-seed.XXXXXX")
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/bin" "$tree/etc/deep/er" "$tree/tmp" "$tree/empty-dir"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$tree/etc/passwd"
i=0; while [ $i -lt 300 ]; do echo "line $i of a file over several blocks"; i=$((i+1)); done > "$tree/etc/deep/er/blocks"
printf '#!/bin/sh\necho hi\n' > "$tree/bin/script"
chmod 0755 "$tree/bin/script"
: > "$tree/etc/empty"
ln -s ../etc/passwd "$tree/bin/link"
ln -s /a/long/absolute/target/that/leaves/the/root "$tree/escape"
ln "$tree/etc/passwd" "$tree/etc/hardlink"
mkfifo "$tree/tmp/fifo"
chmod 1777 "$tree/tmp"
for comp in gzip zstd xz lz4 lzo none; do
    case $comp in
    none) opts="-noI -noD -noF -noX" ;;
    *) opts="-comp $comp" ;;
    esac
    # shellcheck disable=SC2086
    mksquashfs "$tree" "$out/seed-$comp.sqfs" -noappend -quiet -no-progress -all-root -nopad -b 4096 \
        -mkfs-time 0 -all-time 0 $opts >/dev/null
done
