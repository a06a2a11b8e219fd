#!/bin/sh
# Builds the squashfs images the integration tests run, from busybox-static, into $1.
# Usage: Tests/Support/make-test-images.sh OUTDIR [FAKE_GPU_DIR]
#   (idempotent; needs mksquashfs, busybox; FAKE_GPU_DIR from make-fake-gpu.sh adds the
#   image with an old fake glibc for the GPU driver tests)
set -eu
out=${1:?usage: make-test-images.sh OUTDIR [FAKE_GPU_DIR]}
fakegpu=${2:-}
busybox=$(command -v busybox)
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/gourd-images.XXXXXX")
trap 'rm -rf "$work"' EXIT

base=$work/base
mkdir -p "$base/bin" "$base/dev" "$base/proc" "$base/sys" "$base/tmp" "$base/home" "$base/etc" \
         "$base/root" "$base/mnt" "$base/data" "$base/usr/bin" "$base/opt"
cp "$busybox" "$base/bin/busybox"
for applet in $("$busybox" --list); do
    [ -e "$base/bin/$applet" ] || ln -s busybox "$base/bin/$applet"
done
chmod 1777 "$base/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nimageuser:x:4242:4242:from the image:/home/imageuser:/bin/sh\n' > "$base/etc/passwd"
printf 'root:x:0:\nimagegroup:x:4242:\n' > "$base/etc/group"
: > "$base/etc/hosts"
: > "$base/etc/resolv.conf"
# Hostile layout: symlinks that would leave the root if resolved on the host.
ln -s /etc "$base/escape-abs"
ln -s ../../../../../../etc "$base/escape-rel"
# A setuid-root program (the image is packed -all-root): nosuid must make it worthless.
mkdir -p "$base/opt/suid"
cp "$busybox" "$base/opt/suid/busybox"
chmod 4755 "$base/opt/suid/busybox"
# A file that is found but not executable (126), and a script without #! (run by sh).
printf 'echo no\n' > "$base/bin/not-executable"
chmod 0644 "$base/bin/not-executable"
printf 'echo script-ran "$@"\n' > "$base/bin/noshebang"
chmod 0755 "$base/bin/noshebang"
# Compressible data over several blocks: corrupting it yields decompression errors (EIO).
i=0; while [ $i -lt 4000 ]; do echo "line $i of compressible data for the corrupt-image test"; i=$((i+1)); done > "$base/data/text"
build() { # build SRC DEST [mksquashfs options...]
    src=$1; dest=$2; shift 2
    rm -f "$dest.tmp"
    mksquashfs "$src" "$dest.tmp" -noappend -quiet -no-progress -all-root "$@" >/dev/null
    mv "$dest.tmp" "$dest"
}
build "$base" "$out/busybox-zstd.sqfs" -comp zstd
build "$base" "$out/busybox-gzip.sqfs" -comp gzip
build "$base" "$out/busybox-none.sqfs" -noI -noD -noF -noX

# Apptainer layout: environment scripts and a runscript.
app=$work/apptainer
cp -a "$base" "$app"
mkdir -p "$app/.singularity.d/env"
printf 'export FROM_APPTAINER_ENV=yes\nexport OVERRIDE_ME=image\n' > "$app/.singularity.d/env/90-environment.sh"
printf '#!/bin/sh\necho "apptainer runscript: $*"\n' > "$app/.singularity.d/runscript"
chmod 0755 "$app/.singularity.d/runscript"
build "$app" "$out/apptainer.sqfs" -comp zstd

# gourd layout: /.gourd/image.json with environment and entrypoint/cmd.
gd=$work/gourd
cp -a "$base" "$gd"
mkdir -p "$gd/.gourd"
cat > "$gd/.gourd/image.json" <<'JSON'
{"schema": 1,
 "environment": ["FROM_GOURD_META=yes", "PATH=/opt/bin:/bin", "OVERRIDE_ME=image"],
 "entrypoint": ["/bin/echo", "entry:"],
 "cmd": ["default", "cmd"],
 "labels": {"org.example.name": "test"}}
JSON
build "$gd" "$out/gourd-meta.sqfs" -comp zstd

# glibc: the host's C library and loader added, so dynamically linked host programs (the
# injected, fake nvidia-smi) run inside.
gl=$work/glibc
cp -a "$base" "$gl"
for f in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; do
    [ -e "$f" ] || continue
    mkdir -p "$gl$(dirname "$f")"
    cp -L "$f" "$gl$f"
done
build "$gl" "$out/glibc.sqfs" -comp zstd

# compat: an Apptainer image whose /bin/sh is not bash (busybox ash, as dash on Debian) but
# that has the host's bash, with environment scripts in bash syntax (source, [[ ]], arrays),
# and a /var/tmp: the Apptainer drop-in tests (issue 15).
cm=$work/compat
cp -a "$gl" "$cm"
mkdir -p "$cm/var/tmp" "$cm/.singularity.d/env" "$cm/opt/env"
chmod 1777 "$cm/var/tmp"
cp -L /bin/bash "$cm/bin/bash"
for lib in $(ldd /bin/bash | awk '/=> \//{print $3}'); do
    mkdir -p "$cm$(dirname "$lib")"
    cp -L "$lib" "$cm$lib"
done
printf 'export SOURCED_HELPER=yes\n' > "$cm/opt/env/helper.sh"
cat > "$cm/.singularity.d/env/50-bashisms.sh" <<'SH'
source /opt/env/helper.sh
if [[ -n "$SOURCED_HELPER" && "$BASH_VERSION" == [0-9]* ]]; then export BASHISMS_OK=yes; fi
list=(one two three)
export ARRAY_SECOND="${list[1]}"
SH
printf 'export FROM_APPTAINER_ENV=yes\nexport OVERRIDE_ME=image\n' > "$cm/.singularity.d/env/90-environment.sh"
printf '#!/bin/sh\necho "image test ran in $(pwd)"\nexit 3\n' > "$cm/.singularity.d/test"
chmod 0755 "$cm/.singularity.d/test"
build "$cm" "$out/compat.sqfs" -comp zstd

# oldglibc: a libc.so.6 that defines GLIBC_2.28 at most (never run, only inspected).
if [ -n "$fakegpu" ]; then
    old=$work/oldglibc
    cp -a "$base" "$old"
    mkdir -p "$old/lib/x86_64-linux-gnu"
    cp "$fakegpu/oldlibc/libc.so.6" "$old/lib/x86_64-linux-gnu/libc.so.6"
    build "$old" "$out/oldglibc.sqfs" -comp zstd
fi

# serving.sqfs (the FUSE server's tests): a directory of 2,000 entries (many readdir chunks),
# 1,500 small files in subdirectories, files around block boundaries, symlinks, a hard link,
# and 24 MB of incompressible data (full 128 KiB blocks: the cache budget test).
srv=$work/serving
cp -a "$base" "$srv"
mkdir -p "$srv/many/big-dir" "$srv/big"
i=0; while [ $i -lt 2000 ]; do printf 'entry %d\n' $i > "$srv/many/big-dir/entry-$i"; i=$((i+1)); done
i=0; while [ $i -lt 1500 ]; do
    d=$srv/many/tree/d$((i / 100)); [ -d "$d" ] || mkdir -p "$d"
    head -c $(( (i * 37) % 9000 )) "$base/data/text" > "$d/f$i"; i=$((i+1))
done
for n in 0 1 4095 4096 131071 131072 131073 1000000; do head -c $n /dev/urandom > "$srv/many/size-$n"; done
ln -s size-4096 "$srv/many/link-rel"; ln -s /many/size-1 "$srv/many/link-abs"; ln -s nowhere "$srv/many/link-dangling"
ln "$srv/many/size-4095" "$srv/many/hardlink-4095"
for n in 1 2 3; do head -c 8M /dev/urandom > "$srv/big/random-$n"; done
build "$srv" "$out/serving.sqfs" -comp zstd

# Bad images.
# corrupt.sqfs: /zz/corrupt is the last file's data before the inode table (-no-fragments,
# sorted last), so zeroing the bytes just before the table breaks only its compressed blocks.
cor=$work/corrupt
cp -a "$base" "$cor"
mkdir -p "$cor/zz"
cp "$base/data/text" "$cor/zz/corrupt"
build "$cor" "$out/corrupt.sqfs" -comp zstd -no-fragments
inode_table=$(od -An -t u8 -j 64 -N 8 "$out/corrupt.sqfs" | tr -d ' ')
dd if=/dev/zero of="$out/corrupt.sqfs" bs=1 seek=$((inode_table - 1500)) count=1400 conv=notrunc status=none
size=$(stat -c %s "$out/busybox-zstd.sqfs")
head -c $((size / 2)) "$out/busybox-zstd.sqfs" > "$out/truncated.sqfs"
echo "this is not a squashfs image" > "$out/not-squashfs.sqfs"
# Compression id 99 in the superblock (offset 20, little-endian u16): no such decompressor.
cp "$out/busybox-zstd.sqfs" "$out/badcomp.sqfs"
printf '\143\000' | dd of="$out/badcomp.sqfs" bs=1 seek=20 conv=notrunc status=none
# crafted-inodes.sqfs: the superblock's inode count (bytes 4-7) set to ED 5F 84 00.
# libsquashfuse's sqfs_init then fails after freeing what it had set up (issue 10, finding 1):
# gourd must say so and exit 125, never free it a second time.
cp "$out/busybox-zstd.sqfs" "$out/crafted-inodes.sqfs"
printf '\355\137\204\000' | dd of="$out/crafted-inodes.sqfs" bs=1 seek=4 conv=notrunc status=none

# probes.sqfs: hostile probe programs (Tests/Support/probes), static, run as the workload.
pr=$work/probes
cp -a "$base" "$pr"
mkdir -p "$pr/opt/probe"
${CC:-cc} -static -O2 -o "$pr/opt/probe/tiocsti" "$(dirname "$0")/probes/tiocsti.c"
build "$pr" "$out/probes.sqfs" -comp zstd
echo "images in $out"

# SIF files (Apptainer/Singularity Image Format) around the squashfs images, by make-sif.py:
# a good one, one with Apptainer metadata, and broken ones (ext3 or encrypted primary
# partition, no primary partition, truncated, an absurd descriptor count).
if command -v python3 >/dev/null 2>&1; then
    sif() { python3 "$(dirname "$0")/make-sif.py" "$@"; }
    printf 'Bootstrap: docker\nFrom: busybox\n\n%%runscript\n    echo "apptainer runscript: $*"\n' > "$work/Singularity"
    sif "$out/busybox-zstd.sqfs" "$out/busybox.sif" --deffile "$work/Singularity"
    appfull=$work/apptainer-full
    cp -a "$app" "$appfull"
    cp "$work/Singularity" "$appfull/.singularity.d/Singularity"
    printf '{\n  "org.label-schema.schema-version": "1.0",\n  "org.example.purpose": "gourd tests"\n}\n' \
        > "$appfull/.singularity.d/labels.json"
    printf 'Prints its arguments.\n' > "$appfull/.singularity.d/runscript.help"
    build "$appfull" "$out/apptainer-full.sqfs" -comp gzip
    sif "$out/apptainer-full.sqfs" "$out/apptainer.sif" --deffile "$work/Singularity"
    sif "$out/busybox-zstd.sqfs" "$out/sif-ext3.sif" --fstype ext3
    sif "$out/busybox-zstd.sqfs" "$out/sif-encrypted.sif" --fstype encryptfs
    sif "$out/busybox-zstd.sqfs" "$out/sif-no-primary.sif" --parttype system
    sif "$out/busybox-zstd.sqfs" "$out/sif-truncated.sif" --truncate
    sif "$out/busybox-zstd.sqfs" "$out/sif-bad-count.sif" --descriptor-count 1099511627776
    echo "SIF images in $out"
else
    echo "make-test-images: python3 missing: SIF test images not built" >&2
fi
