// gb_decode.c: streaming decompression of image layers (gzip through zlib, zstd through
// libzstd), in process, so that gourd reads, hashes and unpacks a layer in one pass without
// spawning a decompressor. See gourd_build.h. Not async-signal-safe (allocates).
#include "gourd_build.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

struct gb_decoder {
    int kind;
    int complete; ///< the input so far ends at a member/frame boundary
    int started;  ///< some input was seen
    const char *error;
    z_stream z;
    ZSTD_DStream *zstd;
};

gb_decoder *gb_decoder_new(int kind) {
    gb_decoder *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->kind = kind;
    d->complete = 1;
    if (kind == GB_DECODE_GZIP) {
        // 16 + MAX_WBITS: a gzip wrapper, not raw deflate or zlib.
        if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK) {
            free(d);
            return NULL;
        }
    } else if (kind == GB_DECODE_ZSTD) {
        d->zstd = ZSTD_createDStream();
        if (!d->zstd || ZSTD_isError(ZSTD_initDStream(d->zstd))) {
            ZSTD_freeDStream(d->zstd);
            free(d);
            return NULL;
        }
    } else {
        free(d);
        return NULL;
    }
    return d;
}

void gb_decoder_free(gb_decoder *d) {
    if (!d) return;
    if (d->kind == GB_DECODE_GZIP)
        inflateEnd(&d->z);
    else
        ZSTD_freeDStream(d->zstd);
    free(d);
}

static long run_gzip(gb_decoder *d, const uint8_t *in, size_t inlen, size_t *consumed, uint8_t *out, size_t outcap) {
    d->z.next_in = (Bytef *)(in + *consumed);
    d->z.avail_in = (uInt)(inlen - *consumed > 0x40000000 ? 0x40000000 : inlen - *consumed);
    d->z.next_out = out;
    d->z.avail_out = (uInt)(outcap > 0x40000000 ? 0x40000000 : outcap);
    if (d->complete && d->started) {
        // After a complete member, only another gzip member may follow; anything else
        // (padding some writers leave) ends the stream, as gzip -d treats trailing garbage.
        if (d->z.avail_in == 0) return 0;
        if (in[*consumed] != 0x1f || (d->z.avail_in >= 2 && in[*consumed + 1] != 0x8b)) {
            *consumed = inlen;
            return 0;
        }
        inflateReset(&d->z);
    }
    uInt before_in = d->z.avail_in, before_out = d->z.avail_out;
    int rc = inflate(&d->z, Z_NO_FLUSH);
    *consumed += before_in - d->z.avail_in;
    long produced = (long)(before_out - d->z.avail_out);
    d->started = 1;
    switch (rc) {
    case Z_STREAM_END:
        d->complete = 1;
        return produced;
    case Z_OK:
    case Z_BUF_ERROR:
        d->complete = 0;
        return produced;
    default:
        d->error = d->z.msg ? d->z.msg : "corrupt gzip data";
        return -1;
    }
}

static long run_zstd(gb_decoder *d, const uint8_t *in, size_t inlen, size_t *consumed, uint8_t *out, size_t outcap) {
    ZSTD_inBuffer input = {in, inlen, *consumed};
    ZSTD_outBuffer output = {out, outcap, 0};
    size_t rc = ZSTD_decompressStream(d->zstd, &output, &input);
    *consumed = input.pos;
    d->started = 1;
    if (ZSTD_isError(rc)) {
        d->error = ZSTD_getErrorName(rc);
        return -1;
    }
    // 0: a frame is completely decoded and flushed.
    d->complete = rc == 0;
    return (long)output.pos;
}

long gb_decoder_run(gb_decoder *d, const uint8_t *in, size_t inlen, size_t *consumed, uint8_t *out, size_t outcap) {
    if (*consumed > inlen) return -1;
    return d->kind == GB_DECODE_GZIP ? run_gzip(d, in, inlen, consumed, out, outcap)
                                     : run_zstd(d, in, inlen, consumed, out, outcap);
}

int gb_decoder_complete(const gb_decoder *d) { return d->complete && d->started; }

const char *gb_decoder_error(const gb_decoder *d) { return d->error ? d->error : "corrupt compressed data"; }
