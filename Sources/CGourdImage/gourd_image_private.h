// gourd_image_private.h: what gourd_image.c (open, read, added mount points) shares with
// gourd_serve.c (the FUSE server). Not part of the module's interface.
#ifndef GOURD_IMAGE_PRIVATE_H
#define GOURD_IMAGE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <fuse3/fuse_lowlevel.h>
#include <squashfuse/ll.h>

typedef struct gd_added_s gd_added;

struct gd_image {
    sqfs_ll ll; // first member: libfuse's userdata is the image (statfs reads ll.fs.sb)
    bool ll_ready;
    gd_added *added; // mount points the image lacks (see "added mount points")
    size_t nadded;
};

// Added mount points (paths the image lacks; gourd_image.c explains them): node ids from
// GD_ADDED_BASE up, above any squashfs inode reference (48 bits).
#define GD_ADDED_BASE 0xFFFFFF0000000000ull

struct gd_added_s {
    uint64_t parent; // squashfs inode id, or an added node id when parent_added
    bool parent_added;
    bool is_dir;
    char name[256];
};

static inline bool gd_is_added(fuse_ino_t ino) { return ino >= GD_ADDED_BASE; }

/// FUSE node ids are squashfs inode references, except that the root is FUSE_ROOT_ID (1) and
/// reference 0 is 2 (neither 1 nor 2 is a valid reference: inodes are larger). The same
/// stateless mapping as squashfuse_ll's 64-bit one, so every serving handle agrees on it and
/// forget needs no bookkeeping.
static inline uint64_t gd_ino_sqfs(const gd_image *img, fuse_ino_t ino) {
    return ino == FUSE_ROOT_ID ? img->ll.fs.sb.root_inode : ino == 2 ? 0 : ino;
}
static inline fuse_ino_t gd_ino_fuse(const gd_image *img, uint64_t id) {
    return id == img->ll.fs.sb.root_inode ? FUSE_ROOT_ID : id == 0 ? 2 : id;
}

/// The added node with FUSE id `ino`, or NULL.
const gd_added *gd_added_node(const gd_image *img, fuse_ino_t ino);
/// Attributes of an added node: an empty directory (0755) or an empty file (0644).
void gd_added_attr(const gd_added *a, fuse_ino_t ino, struct stat *st);
/// The added node named `name` under `parent` (a FUSE node id), or 0.
fuse_ino_t gd_find_added(const gd_image *img, fuse_ino_t parent, const char *name);

#endif
