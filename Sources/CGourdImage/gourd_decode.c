// gourd_decode.c: per-thread decompressor contexts for the serving handles (gourd_decode.h).
//
// Prefixes: gd_decode_* (interface), dec_* (helpers); ZSTD_* is libzstd's.
//
// Why: libsquashfuse 0.1.105 decompresses a zstd block with ZSTD_decompress(), which creates
// and frees a whole decompression context (ZSTD_estimateDCtxSize(): about 96 KiB, and its
// tables initialised) on every call (zstd.h: "ZSTD_decompressDCtx(): reusing a context ...
// saves allocation and initialisation"). Measured here for an 8 KiB metadata block: 103 us per
// call against 35 us with a context kept; a walk or a Python import decompresses hundreds of
// such blocks. One context per thread, created on the thread's first block.
#define _GNU_SOURCE
#include "gourd_decode.h"

#include <squashfuse/squashfs_fs.h>
#include <zstd.h>

static __thread ZSTD_DCtx *tls_zstd;

static sqfs_err dec_zstd(void *in, size_t insz, void *out, size_t *outsz) {
    if (!tls_zstd && !(tls_zstd = ZSTD_createDCtx())) return SQFS_ERR;
    size_t n = ZSTD_decompressDCtx(tls_zstd, out, *outsz, in, insz);
    if (ZSTD_isError(n)) return SQFS_ERR;
    *outsz = n;
    return SQFS_OK;
}

void gd_decode_install(sqfs *fs) {
    if (fs->sb.compression == ZSTD_COMPRESSION && fs->decompressor) fs->decompressor = dec_zstd;
}

void gd_decode_thread_exit(void) {
    ZSTD_freeDCtx(tls_zstd); // accepts NULL
    tls_zstd = NULL;
}
