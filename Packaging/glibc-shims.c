// Definitions the dist binary carries for glibc symbols newer than its floor, GLIBC_2.28
// (Packaging/link-dist.py links against glibc 2.28's version stubs, from Zig). The objects
// and archives it links were compiled against Debian 12's glibc 2.36 headers, which name
// these symbols; glibc 2.28 does not export them. Everything else of that kind is covered by
// the 2.28 libc_nonshared.a (stat, fstat, lstat, fstatat, mknod: real symbols only since
// glibc 2.33) or binds to an older version of the same symbol (pthread_* and dl* in
// libpthread/libdl, math functions' pre-2.29 versions). Compiled with
// `zig cc -target x86_64-linux-gnu.2.28`, so the headers are 2.28's. Hidden: nothing here is
// exported, so the host glibc's own definitions stay the ones every shared library sees.
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

#define GOURD_SHIM __attribute__((visibility("hidden")))

// libstdc++ (GCC 12) reads glibc 2.32's flag to skip atomic reference counting while the
// process has one thread. 0 means "maybe threaded": always the atomic path, correct at any
// thread count and never updated (glibc would only ever clear it).
GOURD_SHIM char __libc_single_threaded = 0;

// arc4random (glibc 2.36), used by the Swift runtime's SystemRandomNumberGenerator: the same
// kernel source glibc uses, getrandom(2) (glibc 2.25), blocking only until the pool is seeded.
GOURD_SHIM void arc4random_buf(void *buffer, size_t length) {
    unsigned char *bytes = buffer;
    while (length > 0) {
        ssize_t n = getrandom(bytes, length, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            abort();   // ENOSYS (Linux < 3.17): glibc's arc4random aborts too
        }
        bytes += n;
        length -= (size_t)n;
    }
}

GOURD_SHIM uint32_t arc4random(void) {
    uint32_t value;
    arc4random_buf(&value, sizeof value);
    return value;
}

// Uniform in [0, upper) without modulo bias (rejection sampling), as glibc's.
GOURD_SHIM uint32_t arc4random_uniform(uint32_t upper) {
    if (upper < 2) return 0;
    uint32_t minimum = (uint32_t)(-upper) % upper;
    for (;;) {
        uint32_t value = arc4random();
        if (value >= minimum) return value % upper;
    }
}
