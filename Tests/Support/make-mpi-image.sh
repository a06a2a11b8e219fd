#!/bin/sh
# Builds, from the HOST's MPI installations, squashfs images that run MPI programs inside
# gourd (the MPI tests and JobScripts/ use them):
#
#   OUTDIR/mpi-openmpi.sqfs   Open MPI (mpicc.openmpi) + PMIx + UCX + hwloc, for srun --mpi=pmix
#                             and mpirun.openmpi
#   OUTDIR/mpi-mpich.sqfs     MPICH (mpicc.mpich, ch4:ucx on Debian 12), for mpiexec.mpich and
#                             srun --mpi=pmi2
#   OUTDIR/pingpong-openmpi, OUTDIR/pingpong-mpich   the same binaries, to run on the host
#
# Each image holds busybox (/bin), Tests/Support/mpi/pingpong.c compiled with that MPI's mpicc
# at /opt/pingpong, every file of the MPI's run-time Debian packages (libraries, MCA / PMIx /
# UCX / hwloc / verbs plugins, help texts, /etc/openmpi), the ldd closure of every ELF file
# among them (glibc and the dynamic loader included), and /etc placeholders.
#
# Usage: Tests/Support/make-mpi-image.sh OUTDIR
#   Debian only (dpkg lists what each MPI package installed). Needs openmpi-bin
#   libopenmpi-dev mpich libmpich-dev (Tests/Support/slurm-cluster.sh start installs them),
#   busybox-static and squashfs-tools. Idempotent: an image whose inputs (this script,
#   pingpong.c, the versions of the packages copied) have not changed is not rebuilt.
#   Quiet on success.
set -eu
out=${1:?usage: make-mpi-image.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd -P)
src=$here/mpi/pingpong.c

die() { echo "make-mpi-image: $*" >&2; exit 1; }
warn() { echo "make-mpi-image: warning: $*" >&2; }

# The run-time packages of each MPI whose files go into the image whole (dpkg -L). The
# dynamic libraries these need from other packages come by the ldd closure. (LIB below is
# /usr/lib/x86_64-linux-gnu on Debian amd64.)
#   openmpi: libopenmpi3 (libmpi + the MCA plugins in LIB/openmpi/lib/openmpi3),
#            openmpi-common (/usr/share/openmpi help texts), openmpi-bin (/etc/openmpi, the
#            MCA defaults; its launchers come from the list below), libpmix2 (LIB/pmix2:
#            libpmix, its plugins and help texts), libhwloc15 + libhwloc-plugins, libucx0
#            (LIB/ucx modules), libibverbs1 + ibverbs-providers (/etc/libibverbs.d,
#            LIB/libibverbs: what UCX and Open MPI's verbs components dlopen)
#   mpich:   libmpich12 (ch4:ucx), libucx0, hwloc and verbs as above
openmpi_pkgs="libopenmpi3 openmpi-common openmpi-bin libpmix2 libhwloc15 libhwloc-plugins libucx0 libibverbs1 ibverbs-providers"
mpich_pkgs="libmpich12 libhwloc15 libhwloc-plugins libucx0 libibverbs1 ibverbs-providers"
# The MPI's launchers, so that a singleton run (Open MPI forks orted for it) and
# `gourd exec IMG mpirun -n 4 ...` on one node work inside the image too; `mpirun` and
# `mpiexec` are made links to the flavour's own (Debian's alternatives pick one on the host).
openmpi_bins="orted orterun mpirun.openmpi mpiexec.openmpi ompi_info"
mpich_bins="mpiexec.hydra hydra_pmi_proxy mpiexec.mpich mpirun.mpich"
# Required for each flavour; the others are copied when installed.
openmpi_need="openmpi-bin libopenmpi-dev libopenmpi3 openmpi-common libpmix2"
mpich_need="mpich libmpich-dev libmpich12"

# Never copied: documentation; build-time files; executables other than the launchers
# above (the compiler wrappers need a compiler the image lacks); Java bindings; hwloc plugins
# that pull in X11 (gl), an OpenCL ICD (opencl) or libxml2 + 30 MB of ICU data (xml_libxml;
# hwloc has its own XML parser): hwloc silently skips a plugin it cannot find.
skip() { # PATH -> 0 if it stays out of the image
    case $1 in
    /usr/share/doc/* | /usr/share/man/* | /usr/share/lintian/* | /usr/share/info/* | /usr/share/bug/*) return 0 ;;
    /usr/bin/* | /usr/sbin/* | /bin/* | /sbin/* | /usr/include/* | */pkgconfig/* | *.a | *.la) return 0 ;;
    *libmpi_java* | */hwloc/hwloc_gl.so | */hwloc/hwloc_opencl.so | */hwloc/hwloc_xml_libxml.so) return 0 ;;
    esac
    return 1
}

for tool in dpkg dpkg-query ldd mksquashfs busybox sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (Debian: dpkg, libc-bin, squashfs-tools, busybox-static)"
done
for f in openmpi mpich; do
    eval "need=\$${f}_need"
    missing=""
    for p in $need; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    [ -z "$missing" ] || die "$f is not installed (missing:$missing); install it with: apt-get install openmpi-bin libopenmpi-dev mpich libmpich-dev (or run Tests/Support/slurm-cluster.sh start)"
done
command -v mpicc.openmpi >/dev/null 2>&1 || die "mpicc.openmpi not found (package libopenmpi-dev)"
command -v mpicc.mpich >/dev/null 2>&1 || die "mpicc.mpich not found (package libmpich-dev)"

umask 022
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/gourd-mpi-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP

# --- copying host files into a root, symlinks kept as symlinks -------------------------------
# A file lands at the same path in the root. Every host directory on the way that is a symlink
# (/lib -> usr/lib on a merged-/usr system) becomes the same symlink in the root, and files are
# written only below the host's fully resolved directory (realpath), so nothing is ever written
# through a symlink that could point outside the root.

mirror_dir_links() { # ROOT DIR: recreate the symlinked components of DIR
    # (sh has no local variables: names here differ from add()'s, which calls this)
    m_root=$1 m_path=""
    m_ifs=$IFS; IFS=/
    for m_c in $2; do
        [ -n "$m_c" ] || continue
        m_path=$m_path/$m_c
        if [ -L "$m_path" ] && [ ! -e "$m_root$m_path" ] && [ ! -L "$m_root$m_path" ]; then
            mkdir -p "$m_root$(dirname "$m_path")"
            ln -s "$(readlink "$m_path")" "$m_root$m_path"
        fi
    done
    IFS=$m_ifs
}

add() { # ROOT PATH: copy PATH (a file or a symlink chain; directories are made)
    r=$1 p=$2
    [ -e "$p" ] || [ -L "$p" ] || { warn "$p does not exist"; return 0; }
    d=$(dirname "$p")
    rd=$(realpath "$d")
    b=$(basename "$p")
    mirror_dir_links "$r" "$d"
    mkdir -p "$r$rd"
    if [ -L "$p" ]; then
        [ -L "$r$rd/$b" ] || [ -e "$r$rd/$b" ] && return 0
        t=$(readlink "$p")
        ln -s "$t" "$r$rd/$b"
        case $t in /*) add "$r" "$t" ;; *) add "$r" "$rd/$t" ;; esac
    elif [ -d "$p" ]; then
        mkdir -p "$r$rd/$b"
    else
        [ -e "$r$rd/$b" ] && return 0
        cp -p "$p" "$r$rd/$b"
        is_elf "$p" && echo "$p" >> "$r.elf"
    fi
    return 0
}

is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# The shared libraries (and the loader) that ldd says FILE... need, one path a line.
needs() {
    for f in "$@"; do
        LD_LIBRARY_PATH='' ldd "$f" 2>/dev/null | while read -r a b c _; do
            case $a/$b/$c in
            */'=>'/'not') warn "$f needs $a, which this host lacks (it cannot load here either)" ;;
            */'=>'/\/*) echo "$c" ;;
            \/*) echo "$a" ;;
            esac
        done
    done | sort -u
}

# --- one image -----------------------------------------------------------------------------
build() { # FLAVOUR
    fl=$1
    eval "pkgs=\$${fl}_pkgs"
    installed=""
    for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 && installed="$installed $p"; done
    dest=$out/mpi-$fl.sqfs
    # Inputs: this script, the program, the exact package versions (ldd's closure follows).
    key=$( { cat "$0" "$src"; dpkg-query -W $installed libc6; } | sha256sum | cut -d' ' -f1)
    if [ -s "$dest" ] && [ -s "$out/pingpong-$fl" ] && [ "$(cat "$dest.key" 2>/dev/null)" = "$key" ]; then
        return 0
    fi

    root=$work/$fl
    : > "$root.elf"
    mkdir -p "$root"
    chmod 0755 "$root"
    # Layout: busybox with its applets; empty mount points gourd and MPI need (/dev/shm comes
    # with gourd's /dev; /var/spool/slurmd is where a site binds slurmd's spool, which holds
    # PMIX_SERVER_TMPDIR, the PMIx server's shared-memory data store, under srun --mpi=pmix).
    for d in bin dev proc sys tmp home etc root mnt opt run usr/bin usr/sbin var/tmp var/spool/slurmd var/run; do
        mkdir -p "$root/$d"
    done
    chmod 1777 "$root/tmp" "$root/var/tmp"
    cp "$(command -v busybox)" "$root/bin/busybox"
    for applet in $(busybox --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' > "$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
    printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
    printf '127.0.0.1 localhost\n' > "$root/etc/hosts"
    : > "$root/etc/resolv.conf"

    # The program, built with this MPI's compiler wrapper.
    mpicc.$fl -O2 -o "$work/pingpong-$fl" "$src" || die "mpicc.$fl failed on $src"
    install -m 0755 "$work/pingpong-$fl" "$root/opt/pingpong"
    echo "$work/pingpong-$fl" >> "$root.elf"

    # The MPI's packages, whole.
    for p in $installed; do
        dpkg -L "$p" | while read -r f; do
            skip "$f" && continue
            [ -d "$f" ] && [ ! -L "$f" ] && continue
            add "$root" "$f"
        done
    done
    eval "bins=\$${fl}_bins"
    for b in $bins; do
        [ -e "/usr/bin/$b" ] || die "/usr/bin/$b not found ($fl is incomplete)"
        add "$root" "/usr/bin/$b"
    done
    ln -s "mpirun.$fl" "$root/usr/bin/mpirun"
    ln -s "mpiexec.$fl" "$root/usr/bin/mpiexec"
    # Open MPI 4 refuses to start orted (for a singleton, or mpirun inside the image) without
    # an ssh or rsh on PATH, even when every rank is local. The image has neither.
    if [ "$fl" = openmpi ]; then
        printf '\n# make-mpi-image.sh: no ssh in this image; all ranks of an in-image mpirun are local\nplm_rsh_agent = false\n' \
            >> "$root/etc/openmpi/openmpi-mca-params.conf"
    fi
    # Everything those ELF files load (ldd is transitive), glibc and ld.so included.
    for lib in $(needs $(sort -u "$root.elf")); do add "$root" "$lib"; done
    # Newly copied libraries have their own needs already in the list (ldd is transitive);
    # check that the closure is complete anyway.
    for lib in $(needs $(sort -u "$root.elf")); do
        [ -e "$root$(realpath "$lib")" ] || die "closure incomplete: $lib missing from the $fl image"
    done

    rm -f "$dest.tmp"
    # zstd level 8: within 8% of the default level's size, 12x faster to pack (libmpich is 41 MB).
    mksquashfs "$root" "$dest.tmp" -comp zstd -Xcompression-level 8 -all-root -noappend -quiet -no-progress >/dev/null
    mv "$dest.tmp" "$dest"
    install -m 0755 "$work/pingpong-$fl" "$out/pingpong-$fl"
    echo "$key" > "$dest.key"
}

build openmpi
build mpich
