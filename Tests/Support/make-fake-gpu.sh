#!/bin/sh
# Builds the fake NVIDIA driver the GPU integration tests inject, from fake-gpu/*.c, into $1:
#   driver/lib/libnvidia-ml.so.VER, libnvidia-ml.so.1 -> it   (soname libnvidia-ml.so.1)
#   driver/lib/libcuda.so.VER, libcuda.so.1 -> it             (soname libcuda.so.1)
#   driver/bin/nvidia-smi      needs libnvidia-ml.so.1, no rpath: found via LD_LIBRARY_PATH
#   newglibc/lib/libnvidia-ml.so.1   also calls closefrom, so it needs GLIBC_2.34
#   oldlibc/libc.so.6          defines GLIBC_2.2.5, 2.17, 2.28 only (inspected, never run)
# Usage: Tests/Support/make-fake-gpu.sh OUTDIR   (idempotent, quiet on success; needs gcc
# and binutils; FAKE_DRIVER_VERSION overrides the version, 550.54.15 by default)
set -eu
out=${1:?usage: make-fake-gpu.sh OUTDIR}
ver=${FAKE_DRIVER_VERSION:-550.54.15}
src=$(cd "$(dirname "$0")/fake-gpu" && pwd)
cc=${CC:-gcc}
mkdir -p "$out/driver/lib" "$out/driver/bin" "$out/newglibc/lib" "$out/oldlibc"
out=$(cd "$out" && pwd)

# Links to a temporary name and renames over the target, so a rebuild never rewrites a
# library that a running test has mapped. Usage: build TARGET gcc-arguments...
build() {
    target=$1
    shift
    "$cc" -O2 -Wall -Wextra -o "$target.tmp.$$" "$@"
    mv -f "$target.tmp.$$" "$target"
}

version="-DFAKE_DRIVER_VERSION=\"$ver\""
lib=$out/driver/lib
build "$lib/libnvidia-ml.so.$ver" -shared -fPIC "$version" \
    -Wl,-soname,libnvidia-ml.so.1 "$src/nvml.c"
ln -sfn "libnvidia-ml.so.$ver" "$lib/libnvidia-ml.so.1"
build "$lib/libcuda.so.$ver" -shared -fPIC -Wl,-soname,libcuda.so.1 "$src/cuda.c"
ln -sfn "libcuda.so.$ver" "$lib/libcuda.so.1"
# Linked against the real file by path: DT_NEEDED takes its soname, and no -rpath is given.
build "$out/driver/bin/nvidia-smi" "$src/nvidia-smi.c" "$lib/libnvidia-ml.so.$ver"
build "$out/newglibc/lib/libnvidia-ml.so.1" -shared -fPIC "$version" -DFAKE_NEEDS_CLOSEFROM \
    -Wl,-soname,libnvidia-ml.so.1 "$src/nvml.c"
build "$out/oldlibc/libc.so.6" -shared -fPIC -nostdlib -Wl,-soname,libc.so.6 \
    "-Wl,--version-script=$src/oldlibc.map" "$src/oldlibc.c"

# The properties the tests rely on, checked here so a toolchain change fails loudly.
fail() { echo "make-fake-gpu.sh: $*" >&2; exit 1; }
if readelf -d "$out/driver/bin/nvidia-smi" | grep -Eq '\((RPATH|RUNPATH)\)'; then
    fail "nvidia-smi has an rpath"
fi
readelf -d "$out/driver/bin/nvidia-smi" | grep -q 'Shared library: \[libnvidia-ml\.so\.1\]' ||
    fail "nvidia-smi does not need libnvidia-ml.so.1"
readelf -V "$out/newglibc/lib/libnvidia-ml.so.1" | grep -q 'Name: GLIBC_2\.34' ||
    fail "newglibc/lib/libnvidia-ml.so.1 does not need GLIBC_2.34"
readelf -V "$out/oldlibc/libc.so.6" | grep -q 'Name: GLIBC_2\.28' ||
    fail "oldlibc/libc.so.6 does not define GLIBC_2.28"
