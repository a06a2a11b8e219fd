/*
 * MPI ping-pong for gourd's MPI tests: rank 2k talks to rank 2k+1, with messages from
 * 1 byte to 16 MiB (powers of two), and checks every received byte.
 *
 *   pingpong [--quick] [--hold SECONDS]
 *
 *   --quick          sizes 1 B .. 64 KiB only
 *   --hold SECONDS   after the ping-pong, every rank sleeps (for scancel / kill tests)
 *
 * Output, one line at a time (flushed), so that tests can parse it:
 *   rank R of N on HOST userns INODE hostname H pid P
 *                                             every rank, first; HOST is SLURMD_NODENAME
 *                                             (else the host name), INODE the number in
 *                                             readlink("/proc/self/ns/user"), H what
 *                                             gethostname() says, P getpid() (as seen in
 *                                             the rank's PID namespace)
 *     Under MPICH's mpiexec in a batch job, every rank inherits the launching node's
 *     SLURMD_NODENAME (hydra copies mpiexec's environment to all ranks): H is then the
 *     rank's real node.
 *   pingpong ok: ranks A-B, sizes 1..MAX, K iterations        the even rank of each pair
 *   pingpong FAILED: ranks A-B, ...: M bad messages           (mismatch details on stderr)
 *   rank R holding S s                        with --hold, before sleeping
 *
 * Exit status: 0 when every pair of the job checked out, 1 when any message anywhere was
 * wrong (every rank knows: the failure count is reduced over all ranks), 2 for a usage
 * error or an odd number of ranks.
 *
 * Build: mpicc -O2 -o pingpong pingpong.c  (any MPI: Open MPI, MPICH, ...)
 */
#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE (16 << 20)
#define QUICK_MAX_SIZE (64 << 10)

/* Messages per size: many small ones, a few large ones (the job stays quick even over TCP
 * on an oversubscribed machine, and a large message still crosses every transport's
 * rendezvous threshold several times). */
static int iterations_for(long size) {
    if (size <= 4096) return 20;
    if (size <= (1 << 20)) return 6;
    return 3;
}

/* The byte at offset i of message `iter` of size `size`, sent by `sender`: differs between
 * sizes, iterations, directions and offsets (a stale buffer or a shifted copy shows). */
static unsigned char pattern(long size, int iter, int sender, long i) {
    uint32_t x = (uint32_t)i * 2654435761u ^ (uint32_t)size * 40503u ^
                 (uint32_t)iter * 977u ^ (uint32_t)sender * 131u;
    return (unsigned char)(x ^ (x >> 11) ^ (x >> 23));
}

static void fill(unsigned char *buf, long size, int iter, int sender) {
    for (long i = 0; i < size; i++) buf[i] = pattern(size, iter, sender, i);
}

/* Returns 1 when the message is wrong (and says where on stderr), 0 when it is right. */
static int check(const unsigned char *buf, const MPI_Status *st, long size, int iter,
                 int sender, int me) {
    int count = -1;
    MPI_Get_count(st, MPI_BYTE, &count);
    if (count != size) {
        fprintf(stderr, "pingpong: rank %d: message %d of size %ld from rank %d has %d bytes\n",
                me, iter, size, sender, count);
        return 1;
    }
    for (long i = 0; i < size; i++) {
        unsigned char want = pattern(size, iter, sender, i);
        if (buf[i] != want) {
            fprintf(stderr, "pingpong: rank %d: message %d of size %ld from rank %d: "
                    "byte %ld is 0x%02x, expected 0x%02x\n",
                    me, iter, size, sender, i, buf[i], want);
            return 1;
        }
    }
    return 0;
}

static void host_name(char *out, size_t len) {
    if (gethostname(out, len) != 0) snprintf(out, len, "unknown");
    out[len - 1] = '\0';
}

static void node_name(char *out, size_t len) {
    const char *s = getenv("SLURMD_NODENAME");
    if (s && *s)
        snprintf(out, len, "%s", s);
    else
        host_name(out, len);
}

/* "user:[4026531837]" -> "4026531837" */
static void userns_inode(char *out, size_t len) {
    char link[64];
    ssize_t n = readlink("/proc/self/ns/user", link, sizeof link - 1);
    if (n < 0) {
        snprintf(out, len, "unknown(%s)", strerror(errno));
        return;
    }
    link[n] = '\0';
    char *open = strchr(link, '['), *close = strrchr(link, ']');
    if (open && close && close > open) {
        *close = '\0';
        snprintf(out, len, "%s", open + 1);
    } else {
        snprintf(out, len, "%s", link);
    }
}

static void usage(int me) {
    if (me == 0) fprintf(stderr, "usage: pingpong [--quick] [--hold SECONDS]\n");
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int me, n;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &n);

    long max_size = MAX_SIZE;
    long hold = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0) {
            max_size = QUICK_MAX_SIZE;
        } else if (strcmp(argv[a], "--hold") == 0 && a + 1 < argc) {
            char *end;
            errno = 0;
            hold = strtol(argv[++a], &end, 10);
            if (errno || *end || end == argv[a] || hold < 0 || hold > INT_MAX) {
                usage(me);
                MPI_Finalize();
                return 2;
            }
        } else {
            usage(me);
            MPI_Finalize();
            return 2;
        }
    }

    char node[256], host[256], ns[64];
    node_name(node, sizeof node);
    host_name(host, sizeof host);
    userns_inode(ns, sizeof ns);
    printf("rank %d of %d on %s userns %s hostname %s pid %d\n", me, n, node, ns, host, (int)getpid());
    fflush(stdout);

    if (n % 2 != 0) {
        if (me == 0) fprintf(stderr, "pingpong: needs an even number of ranks (got %d)\n", n);
        MPI_Finalize();
        return 2;
    }

    unsigned char *sbuf = malloc(max_size), *rbuf = malloc(max_size);
    if (!sbuf || !rbuf) {
        fprintf(stderr, "pingpong: rank %d: out of memory\n", me);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int peer = me ^ 1, even = me % 2 == 0;
    long bad = 0, msgs = 0;
    double t0 = MPI_Wtime();
    for (long size = 1; size <= max_size; size *= 2) {
        int iters = iterations_for(size);
        for (int it = 0; it < iters; it++) {
            MPI_Status st;
            /* Poison the receive buffer: a message that never arrived cannot look right. */
            memset(rbuf, 0xA5, size);
            if (even) {
                fill(sbuf, size, it, me);
                MPI_Send(sbuf, (int)size, MPI_BYTE, peer, it, MPI_COMM_WORLD);
                MPI_Recv(rbuf, (int)size, MPI_BYTE, peer, it, MPI_COMM_WORLD, &st);
                bad += check(rbuf, &st, size, it, peer, me);
            } else {
                MPI_Recv(rbuf, (int)size, MPI_BYTE, peer, it, MPI_COMM_WORLD, &st);
                bad += check(rbuf, &st, size, it, peer, me);
                fill(sbuf, size, it, me);
                MPI_Send(sbuf, (int)size, MPI_BYTE, peer, it, MPI_COMM_WORLD);
            }
            msgs++;
        }
    }
    double secs = MPI_Wtime() - t0;

    /* The even rank reports for the pair (its own and its peer's failures). */
    long peer_bad = 0;
    MPI_Sendrecv(&bad, 1, MPI_LONG, peer, 999, &peer_bad, 1, MPI_LONG, peer, 999,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (even) {
        if (bad + peer_bad == 0)
            printf("pingpong ok: ranks %d-%d, sizes 1..%ld, %ld iterations, %.3f s\n",
                   me, peer, max_size, msgs, secs);
        else
            printf("pingpong FAILED: ranks %d-%d, sizes 1..%ld, %ld iterations: %ld bad messages\n",
                   me, peer, max_size, msgs, bad + peer_bad);
        fflush(stdout);
    }
    long total_bad = 0;
    MPI_Allreduce(&bad, &total_bad, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);

    if (hold > 0) {
        printf("rank %d holding %ld s\n", me, hold);
        fflush(stdout);
        struct timespec left = {.tv_sec = hold, .tv_nsec = 0};
        while (nanosleep(&left, &left) != 0 && errno == EINTR) {}
    }
    free(sbuf);
    free(rbuf);
    MPI_Finalize();
    return total_bad == 0 ? 0 : 1;
}
