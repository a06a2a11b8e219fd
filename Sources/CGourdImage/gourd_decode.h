// gourd_decode.h: per-thread decompressor contexts for the serving handles. Private to
// CGourdImage. Prefix gd_decode_.
#ifndef GOURD_DECODE_H
#define GOURD_DECODE_H

// What squashfuse's headers need (gourd_image.c says why), unless the includer set it.
#ifndef SQFS_CONFIG_H
#define SQFS_CONFIG_H 1
#endif
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 35
#endif
#ifndef HAVE_LINUX_TYPES_LE16
#define HAVE_LINUX_TYPES_LE16 1
#endif
#include <squashfuse/fs.h>

/// Gives `fs` a decompressor that keeps its context per thread, where the image's compression
/// has one (zstd); leaves libsquashfuse's own otherwise. Each handle is used by one thread at
/// a time, so a thread-local context is never shared.
void gd_decode_install(sqfs *fs);
/// Frees the calling thread's contexts (a serving thread that ends). Idempotent.
void gd_decode_thread_exit(void);

#endif
