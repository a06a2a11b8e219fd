#!/bin/sh
# A real single-machine Slurm cluster for gourd's tests: two emulated nodes (n1, n2) on
# localhost, each owning the same four fake NVIDIA GPUs, device cgroups enforced, with Open MPI
# and MPICH installed (srun --mpi=pmix for Open MPI, --mpi=pmi2 for MPICH). Run as root.
#
#   slurm-cluster.sh start STATE_DIR    idempotent: install, configure, start, wait for idle nodes
#                                       (and make n1, n2 resolve: a line in /etc/hosts if needed)
#   slurm-cluster.sh stop STATE_DIR     stop every daemon started here (by pid file), remove that line
#   slurm-cluster.sh status STATE_DIR   exit 0 if sinfo answers and both nodes are idle
#
# Clients use SLURM_CONF=STATE_DIR/etc/slurm.conf. No systemd here: daemons are started directly.
set -eu

usage() { echo "usage: $0 start|stop|status STATE_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
case $cmd in
start) mkdir -p "$2" ;;
stop) [ -d "$2" ] || exit 0 ;;
status) [ -d "$2" ] || exit 1 ;;
*) usage ;;
esac
state=$(cd "$2" && pwd -P)
etc=$state/etc run=$state/run log=$state/log
export SLURM_CONF="$etc/slurm.conf"
nodes="n1 n2"
# The nodes' TmpFS (see write_config): under /tmp, named after STATE_DIR.
tmpfs=/tmp/gourd-slurm-$(echo "$state" | cksum | cut -d' ' -f1)
# Every daemon started here carries this marker in its environment, so stop can find strays
# by /proc/PID/environ instead of by name. (slurmstepd gets a clean environment; it is
# recognised by its working directory, inherited from slurmd: STATE/log.)
marker="GOURD_SLURM_CLUSTER=$state"

say() { echo "slurm-cluster: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Running and not a zombie (PID 1 here, not an init system, reaps late).
running() { grep -q '^State:[[:space:]]*[^Z]' "/proc/$1/status" 2>/dev/null; }

# Running, and the pid is still the daemon it was written for (pids get reused).
alive() { # PIDFILE NAME
    [ -s "$1" ] || return 1
    pid=$(cat "$1")
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && running "$pid"
}

daemons_alive() {
    alive "$run/slurmctld.pid" slurmctld || return 1
    for n in $nodes; do alive "$run/slurmd-$n.pid" slurmd || return 1; done
}

nodes_idle() {
    # Clients retry an absent slurmctld for seconds: ask only if ours runs. slurmctld notices
    # a dead slurmd only after SlurmdTimeout: check those pids too.
    daemons_alive || return 1
    out=$(timeout 5 sinfo -h -N -o '%N %t' 2>/dev/null) || return 1
    for n in $nodes; do
        echo "$out" | grep -qx "$n idle" || return 1
    done
}

# Slurm and munge; Open MPI and MPICH side by side (each has its own binaries:
# mpicc.openmpi, mpirun.openmpi, mpicc.mpich, mpiexec.mpich; the unsuffixed names are
# alternatives and pick one). libpmix-dev: slurm's mpi_pmix plugin dlopens the unversioned
# /usr/lib/x86_64-linux-gnu/pmix2/lib/libpmix.so, which only the -dev package installs;
# without it slurmd logs "pmi/pmix: can not load PMIx library" for `srun --mpi=pmix`.
packages="slurm-wlm munge openmpi-bin libopenmpi-dev mpich libmpich-dev libpmix-dev"

install_packages() {
    missing=""
    for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    [ -n "$missing" ] || return 0
    say "installing$missing"
    # Keep postinst scripts from starting daemons (no init system here); never replace an
    # existing policy and remove only the one made here, even if the install fails.
    policy=/usr/sbin/policy-rc.d made_policy=""
    if [ ! -e "$policy" ]; then
        made_policy=1
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 0755 "$policy"
        trap 'rm -f "$policy"' EXIT
        trap 'exit 130' INT TERM HUP
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    if [ -n "$made_policy" ]; then rm -f "$policy"; trap - EXIT INT TERM HUP; fi
}

fake_gpus() {
    # A real driver owns /dev/nvidia*: leave it alone.
    [ ! -e /proc/driver/nvidia ] || return 0
    for i in 0 1 2 3; do [ -e /dev/nvidia$i ] || mknod -m 0666 /dev/nvidia$i c 195 $i; done
    [ -e /dev/nvidiactl ] || mknod -m 0666 /dev/nvidiactl c 195 255
    # The real nvidia-uvm major is dynamic; 240 is in the local/experimental range.
    [ -e /dev/nvidia-uvm ] || mknod -m 0666 /dev/nvidia-uvm c 240 0
}

write_config() {
    mkdir -p "$etc" "$run" "$log" "$state/ctld"
    # TmpFS, one per emulated node (the pmix plugin collides on a shared one), lives under /tmp
    # as on a real cluster (TmpFS=/tmp): PMIx keeps the ranks' session directories there. The
    # spool stays in STATE, which may lie outside /tmp (like /var/spool/slurmd).
    for n in $nodes; do mkdir -p "$state/spool-$n" "$tmpfs-$n"; chmod 1777 "$tmpfs-$n"; done
    # Clients run as ordinary users and must read the configuration.
    chmod 0755 "$state" "$etc"
    cat > "$etc/slurm.conf" <<EOF
ClusterName=gourd
SlurmctldHost=localhost
SlurmctldPort=17000
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmctldPidFile=$run/slurmctld.pid
SlurmctldLogFile=$log/slurmctld.log
SlurmdSpoolDir=$state/spool-%n
SlurmdPidFile=$run/slurmd-%n.pid
SlurmdLogFile=$log/slurmd-%n.log
TmpFS=$tmpfs-%n
# Advertise more CPUs than the machine has (so no task/affinity).
SlurmdParameters=config_overrides
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0,sched_interval=1,bf_interval=1,sched_min_interval=0
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
GresTypes=gpu
NodeName=n[1-2] NodeHostname=localhost NodeAddr=127.0.0.1 Port=[17001-17002] CPUs=8 Gres=gpu:fake:4 State=UNKNOWN
PartitionName=debug Nodes=n[1-2] Default=YES MaxTime=INFINITE State=UP
EOF
    # Both emulated nodes own all four fake GPUs, as one real node owns its own: the device
    # cgroup then forbids every GPU node not allocated (a node only constrains its own files).
    cat > "$etc/gres.conf" <<EOF
AutoDetect=off
NodeName=n[1-2] Name=gpu Type=fake File=/dev/nvidia[0-3]
EOF
    cat > "$etc/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupMountpoint=/sys/fs/cgroup
ConstrainDevices=yes
EOF
    chmod 0644 "$etc"/*.conf
}

# The emulated node names must resolve, as a real cluster's do: MPICH's hydra proxies
# connect back to the launching node by its name ("unable to get host address for n1"
# otherwise). Names that do not resolve get a line in /etc/hosts, marked so that stop
# removes it again (rewritten in place: /etc/hosts may be a bind mount).
hosts_marker="# gourd slurm-cluster"
add_host_names() {
    missing=""
    for n in $nodes; do getent hosts "$n" >/dev/null 2>&1 || missing="$missing $n"; done
    [ -z "$missing" ] || echo "127.0.0.1$(echo "$missing" | tr -s ' ' ' ')  $hosts_marker $state" >> /etc/hosts
}
remove_host_names() {
    grep -qF "$hosts_marker $state" /etc/hosts 2>/dev/null || return 0
    kept=$(grep -vF "$hosts_marker $state" /etc/hosts)
    printf '%s\n' "$kept" > /etc/hosts
}

start_munged() {
    m=$state/munge
    alive "$m/munged.pid" munged && return 0
    # Any munged answering on the default socket will do: every daemon and client is local.
    # (Without a socket the munge client retries for seconds: test for it first.)
    if [ -S /run/munge/munge.socket.2 ] &&
        timeout 2 munge -n </dev/null 2>/dev/null | timeout 2 unmunge >/dev/null 2>&1; then
        return 0
    fi
    mkdir -p "$m" /run/munge
    # munged refuses keys and directories that others can read or write.
    chown munge:munge "$m" /run/munge
    chmod 0700 "$m"
    chmod 0755 /run/munge
    if [ ! -s "$m/munge.key" ]; then
        dd if=/dev/urandom of="$m/munge.key" bs=1024 count=1 2>/dev/null
        chown munge:munge "$m/munge.key"
        chmod 0400 "$m/munge.key"
    fi
    launch munged setpriv --reuid=munge --regid=munge --clear-groups \
        munged --key-file="$m/munge.key" --pid-file="$m/munged.pid" \
        --log-file="$m/munged.log" --seed-file="$m/munged.seed" \
        --socket=/run/munge/munge.socket.2
}

# Each daemon forks into the background itself; a non-zero exit means it did not start.
launch() { # NAME COMMAND...
    n=$1; shift
    env "$marker" "$@" || { say "$n did not start"; show_logs; exit 1; }
}

start_daemons() {
    start_munged
    # -c: a test cluster's saved jobs and node states are worth nothing after a restart.
    alive "$run/slurmctld.pid" slurmctld || launch slurmctld slurmctld -c -f "$SLURM_CONF"
    for node in $nodes; do
        alive "$run/slurmd-$node.pid" slurmd && continue
        # Own UTS namespace: jobs on each node see its name as the hostname.
        if unshare --uts true 2>/dev/null; then
            launch "slurmd $node" unshare --uts sh -c 'hostname "$1" && exec slurmd -N "$1" -f "$2"' sh "$node" "$SLURM_CONF"
        else
            launch "slurmd $node" slurmd -N "$node" -f "$SLURM_CONF"
        fi
    done
}

show_logs() {
    for f in "$log"/*.log "$state/munge/munged.log"; do
        [ -f "$f" ] || continue
        echo "--- $f" >&2
        tail -n 20 "$f" >&2
    done
}

# TERM every daemon at once (each takes 1-2 s to wind down), wait up to 10 s, then KILL.
stop_daemons() {
    pids=""
    for pf in $(for n in $nodes; do echo "$run/slurmd-$n.pid:slurmd"; done) \
              "$run/slurmctld.pid:slurmctld" "$state/munge/munged.pid:munged"; do
        if alive "${pf%:*}" "${pf##*:}"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids="$pids $pid"
        fi
        rm -f "${pf%:*}"
    done
    i=0
    for p in $pids; do
        while running "$p" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        ! running "$p" || { say "$(cat /proc/$p/comm) ($p) ignored SIGTERM, killing"; kill -KILL "$p" || true; }
    done
}

case $cmd in
start)
    [ "$(id -u)" = 0 ] || { say "start must run as root"; exit 1; }
    install_packages
    add_host_names
    t1=$(now)
    if nodes_idle; then
        say "already up (n1 n2 idle, SLURM_CONF=$SLURM_CONF)"
        exit 0
    fi
    fake_gpus
    write_config
    start_daemons
    i=0
    until nodes_idle; do
        i=$((i + 1))
        # A daemon that died after forking shows as a missing pid after a few seconds.
        if [ $i -ge 300 ] || { [ $i -ge 50 ] && ! daemons_alive; }; then
            say "cluster not up after $((i / 10)) s:"
            timeout 5 sinfo -N >&2 || true
            show_logs
            exit 1
        fi
        sleep 0.1
    done
    say "up in $(since "$t1") s, n1 n2 idle, SLURM_CONF=$SLURM_CONF"
    ;;
stop)
    # Cancel jobs first so that slurmd ends their steps and processes.
    if alive "$run/slurmctld.pid" slurmctld; then
        jobs=$(timeout 5 squeue -h -o %i 2>/dev/null || true)
        if [ -n "$jobs" ]; then
            scancel $jobs 2>/dev/null || true
            i=0
            while [ -n "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        fi
    fi
    stop_daemons
    remove_host_names
    # Strays (a step daemon whose slurmd was killed, a daemon whose pid file was lost).
    for d in /proc/[0-9]*; do
        p=${d#/proc/}
        if [ "$(cat "$d/comm" 2>/dev/null)" = slurmstepd ]; then
            [ "$(readlink "$d/cwd" 2>/dev/null)" = "$log" ] || continue
        else
            { tr "\0" "\n" <"$d/environ"; } 2>/dev/null | grep -qxF "$marker" || continue
        fi
        say "killing stray $(cat /proc/$p/comm 2>/dev/null) ($p)"
        kill -KILL "$p" 2>/dev/null || true
    done
    # Job processes of a step daemon killed that way stay in this cluster's cgroups (slurm_NODE).
    for n in $nodes; do
        for p in $(cat /sys/fs/cgroup/*/slurm_"$n"/*/*/*/cgroup.procs /sys/fs/cgroup/*/slurm_"$n"/*/*/*/*/cgroup.procs 2>/dev/null | sort -u); do
            say "killing stray job process $(cat /proc/$p/comm 2>/dev/null) ($p)"
            kill -KILL "$p" 2>/dev/null || true
        done
    done
    for n in $nodes; do rm -rf "$tmpfs-$n"; done
    ;;
status)
    nodes_idle
    ;;
esac
