#!/usr/bin/env python3
"""Fault injection: SIGKILLs gourd launches at random moments, then checks nothing is left.

usage: kill-launches.py N [--concurrent M] [--gourd BIN] [--image IMG] [--user USER] [--seed S]

N rounds, each one of (in turn):
    single  `gourd exec IMG sh -c 'while :; do cat /bin/busybox >/dev/null; done'` (or `sleep 5`),
            SIGKILLed after a random delay
    shared  3 ranks `gourd exec --share=KEY IMG sh -c '...'` started together; a random one of
            them, or the shared server (the detached process that holds the container), or
            all ranks, SIGKILLed after a random delay; the others are then SIGKILLed too
The delay is 0-50 ms for 80% of rounds (start-up: image open, namespaces, FUSE mount, join),
else 50-500 ms (running). After each round, once every launch was reaped (bounded wait):
    process   a process still carrying this run's environment marker (gourd, its server,
              the workload and its children all inherit it)
    mount     a FUSE mount visible on the host (/proc/self/mountinfo)
    socket    an abstract socket `@gourd/UID/...` (/proc/net/unix) held by nobody or by a
              leftover process
    file      a new file owned by USER in /tmp, /dev/shm or /run/user/UID
--concurrent M: then M launches of `true` at once (single, and a second wave with --share),
each must exit 0; failures are counted and their messages printed.
Prints the counts; exits 1 on any leftover or concurrent failure.
"""
import argparse
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOOP = "while :; do cat /bin/busybox >/dev/null; done"


def marked(marker):
    """Pid -> comm of the processes whose environment holds marker."""
    found = {}
    needle = marker.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle not in f.read():
                    continue
            with open(f"/proc/{pid}/comm") as f:
                found[int(pid)] = f.read().strip()
        except OSError:
            pass
    return found


def sockets(uid):
    """inode -> name of the abstract gourd sockets of uid."""
    out = {}
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            if len(parts) >= 8 and parts[7].startswith(f"@gourd/{uid}/"):
                out[parts[6]] = parts[7]
    return out


def socket_holders(inodes):
    held = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    held.add(link[8:-1])
        except OSError:
            pass
    return held


def user_files(uid):
    found = set()
    for d in ("/tmp", "/dev/shm", f"/run/user/{uid}"):
        try:
            for name in os.listdir(d):
                try:
                    if os.lstat(os.path.join(d, name)).st_uid == uid:
                        found.add(os.path.join(d, name))
                except OSError:
                    pass
        except OSError:
            pass
    return found


def host_fuse_mounts():
    with open("/proc/self/mountinfo") as f:
        return sum(1 for l in f if " - fuse " in l or " - fuse." in l)


class Runner:
    def __init__(self, args):
        self.gourd, self.image = args.gourd, args.image
        self.marker_name, self.marker = "GOURD_KILL_RUN", uuid.uuid4().hex
        # GOURD_WARM=off: each launch serves its own image (the cold path is what this kills).
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", self.marker_name: self.marker,
                    "GOURD_WARM": "off"}
        self.wrapper = []
        if os.getuid() == 0:
            pw = pwd.getpwnam(args.user)
            self.uid = pw.pw_uid
            self.wrapper = ["setpriv", f"--reuid={args.user}", f"--regid={args.user}", "--clear-groups", "--"]
            self.env.update(HOME=pw.pw_dir, USER=args.user, LOGNAME=args.user)
        else:
            self.uid = os.getuid()
            self.env.update(HOME=os.environ.get("HOME", "/"), USER=os.environ.get("USER", ""))

    def start(self, args, stderr=subprocess.DEVNULL):
        # Default signal dispositions: a non-interactive shell's background jobs ignore SIGINT.
        return subprocess.Popen(self.wrapper + [self.gourd] + args, env=self.env, cwd="/",
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                start_new_session=True)

    def servers(self, ranks):
        """The shared servers: marked gourd processes that are none of the ranks."""
        mine = {p.pid for p in ranks}
        return [pid for pid, comm in marked(f"{self.marker_name}={self.marker}").items()
                if comm == "gourd" and pid not in mine]


def reap(procs, limit=10.0):
    end = time.monotonic() + limit
    for p in procs:
        try:
            p.wait(timeout=max(0.01, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def check_left(r, sockets_before, files_before, fuse_before, wait=5.0):
    """Waits up to `wait` s for the marked processes to go; returns what is left."""
    needle = f"{r.marker_name}={r.marker}"
    end = time.monotonic() + wait
    left = marked(needle)
    while left and time.monotonic() < end:
        time.sleep(0.02)
        left = marked(needle)
    # A name held by a process without our marker is another launch's (tests beside this run
    # use the same user): only names held by nobody, or by our leftovers, count; a closing
    # socket may linger in /proc/net/unix for a moment, so look again for up to 2 s.
    end = time.monotonic() + 2
    while True:
        socks = {i: n for i, n in sockets(r.uid).items() if i not in sockets_before}
        if socks:
            held = socket_holders(set(socks))
            socks = {i: n for i, n in socks.items() if i not in held or left}
        if not socks or time.monotonic() > end:
            break
        time.sleep(0.05)
    files = user_files(r.uid) - files_before
    return left, socks, files, host_fuse_mounts() - fuse_before


def describe(pid):
    """State, parent and kernel wait channel of a leftover process."""
    try:
        status = dict(l.split(":\t", 1) for l in open(f"/proc/{pid}/status").read().splitlines() if ":\t" in l)
        wchan = open(f"/proc/{pid}/wchan").read()
        return f"state {status.get('State', '?').strip()}, ppid {status.get('PPid', '?').strip()}, waiting in {wchan}"
    except OSError:
        return "(gone)"


def kill_rounds(r, n, rng, counts, delays):
    stuck = set()
    sockets_before, files_before, fuse_before = set(sockets(r.uid)), user_files(r.uid), host_fuse_mounts()
    for i in range(n):
        delay = rng.uniform(0, 0.05) if rng.random() < 0.8 else rng.uniform(0.05, 0.5)
        delays.append(delay)
        cmd = LOOP if rng.random() < 0.7 else "sleep 5"
        if i % 2 == 0:
            kind = "single"
            procs = [r.start(["exec", "--share=none", r.image, "sh", "-c", cmd])]
            time.sleep(delay)
            kill(procs[0].pid)
        else:
            key = f"kill{r.marker[:8]}{i}"
            procs = [r.start(["exec", f"--share={key}", r.image, "sh", "-c", cmd]) for _ in range(3)]
            time.sleep(delay)
            victim = rng.choice(["rank", "server", "all"])
            kind = f"shared-{victim}"
            if victim == "rank":
                kill(rng.choice(procs).pid)
            elif victim == "server":
                servers = r.servers(procs)
                if servers:
                    for pid in servers:
                        kill(pid)
                else:
                    kind = "shared-server(not yet up)"
                    kill(procs[0].pid)
            else:
                for p in procs:
                    kill(p.pid)
            time.sleep(rng.uniform(0, 0.05))
            for p in procs:   # the rest go too: the round ends with every launch killed
                kill(p.pid)
        reap(procs)
        counts["rounds"][kind] = counts["rounds"].get(kind, 0) + 1
        left, socks, files, mounts = check_left(r, sockets_before, files_before, fuse_before)
        # A process SIGKILL cannot end (D state) stays: count it in the round that left it only.
        left = {pid: comm for pid, comm in left.items() if pid not in stuck}
        for pid in left:
            stuck.add(pid)
            print(f"  left: pid {pid} {describe(pid)}", file=sys.stderr)
        if left or socks or files or mounts > 0:
            print(f"  round {i} ({kind}, {delay * 1000:.0f} ms): processes {left} sockets {list(socks.values())} "
                  f"files {sorted(files)} host FUSE mounts +{mounts}", file=sys.stderr)
            counts["process"] += bool(left)
            counts["socket"] += bool(socks)
            counts["file"] += bool(files)
            counts["mount"] += mounts > 0
            for pid in left:
                kill(pid)
            files_before |= files


def concurrent(r, m, share, counts):
    procs = []
    args = ["exec"] + ([f"--share=conc{r.marker[:8]}"] if share else ["--share=none"]) + [r.image, "true"]
    for _ in range(m):
        procs.append(r.start(args, stderr=subprocess.PIPE))
    failures = 0
    messages = {}
    for p in procs:
        try:
            _, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        if p.returncode != 0:
            failures += 1
            msg = f"exit {p.returncode}: " + (err.decode(errors="replace").strip().splitlines() or [""])[0][:200]
            messages[msg] = messages.get(msg, 0) + 1
    counts["concurrent" + ("-shared" if share else "")] = (m, failures, messages)
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("--concurrent", type=int, default=0)
    ap.add_argument("--gourd", default=os.path.join(ROOT, ".build/debug/gourd"))
    ap.add_argument("--image", help="a busybox image (made by make-test-images.sh when absent)")
    ap.add_argument("--user", default=os.environ.get("GOURD_TEST_USER", "gourdtest"))
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="gourd-kill.")
    os.chmod(work, 0o755)
    gourd = os.path.join(work, "gourd")
    shutil.copy(args.gourd, gourd)
    os.chmod(gourd, 0o755)
    args.gourd = gourd
    if not args.image:
        subprocess.run([os.path.join(HERE, "make-test-images.sh"), os.path.join(work, "images")], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["chmod", "-R", "a+rX", work], check=True)
        args.image = os.path.join(work, "images", "busybox-zstd.sqfs")
    r = Runner(args)
    counts = {"rounds": {}, "process": 0, "mount": 0, "socket": 0, "file": 0}
    delays = []
    start = time.monotonic()
    kill_rounds(r, args.n, rng, counts, delays)
    took = time.monotonic() - start
    failed = 0
    if args.concurrent:
        failed += concurrent(r, args.concurrent, False, counts)
        failed += concurrent(r, args.concurrent, True, counts)
        left, socks, files, mounts = check_left(r, set(), set(), host_fuse_mounts())
        counts["process"] += bool(left)
    shutil.rmtree(work, ignore_errors=True)

    early = sum(1 for d in delays if d < 0.05)
    print(f"kill-launches: {args.n} rounds in {took:.0f} s (seed {seed}), {early} killed within 50 ms")
    print("  rounds: " + ", ".join(f"{k} {v}" for k, v in sorted(counts["rounds"].items())))
    for k in ("process", "mount", "socket", "file"):
        print(f"  rounds leaving a {k:8} {counts[k]}")
    for k in ("concurrent", "concurrent-shared"):
        if k in counts:
            m, f, messages = counts[k]
            print(f"  {k}: {m} launches at once, {f} failed")
            for msg, c in sorted(messages.items(), key=lambda x: -x[1])[:10]:
                print(f"    {c} x {msg}")
    bad = counts["process"] + counts["mount"] + counts["socket"] + counts["file"] + failed
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
