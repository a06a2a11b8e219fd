// gourd_image.c: libsquashfuse glue. See gourd_image.h for the contract.
//
// Why not sqfs_ll_open(): it prints its own messages to stderr and opens the image without
// O_CLOEXEC (the fd would leak into the workload). We open the fd ourselves and call
// sqfs_init() + sqfs_ll_init(), which return error codes we can name.
#define _GNU_SOURCE
// squashfuse's installed config.h sets _POSIX_C_SOURCE; claim its guard and define what the
// headers need ourselves (docs/PLATFORM-NOTES.md, "Embedding squashfuse_ll").
#define SQFS_CONFIG_H 1
#define FUSE_USE_VERSION 32
#define HAVE_LINUX_TYPES_LE16 1
#define HAVE_ASM_BYTEORDER_H 1
#define HAVE_ENDIAN_H 1
#define HAVE_DECL_FUSE_ADD_DIRENTRY 1

#include "gourd_image.h"
#include "gourd_image_private.h"
#include "gourd_decode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fuse3/fuse_lowlevel.h>
#include <squashfuse/ll.h>
#include <squashfuse/dir.h>
#include <squashfuse/file.h>
#include <squashfuse/fs.h>

static const uint32_t squashfs_magic = 0x73717368;

/// Reads the superblock fields we check before handing the fd to squashfuse, so a truncated
/// file gets its own message instead of a late read error. Little-endian on disk.
static int check_superblock(int fd, uint64_t offset) {
    unsigned char sb[96];
    ssize_t n = pread(fd, sb, sizeof sb, (off_t)offset);
    if (n < 0) return -errno;
    if (n < (ssize_t)sizeof sb) return -GD_IMAGE_EFORMAT;
    uint32_t magic = (uint32_t)sb[0] | (uint32_t)sb[1] << 8 | (uint32_t)sb[2] << 16 | (uint32_t)sb[3] << 24;
    if (magic != squashfs_magic) return -GD_IMAGE_EFORMAT;
    uint64_t bytes_used = 0;
    for (int i = 7; i >= 0; i--) bytes_used = bytes_used << 8 | sb[40 + i];
    struct stat st;
    if (fstat(fd, &st) != 0) return -errno;
    if ((uint64_t)st.st_size < offset + bytes_used) return -GD_IMAGE_ETRUNC;
    return 0;
}

static int from_sqfs_err(sqfs_err err) {
    switch (err) {
    case SQFS_OK:
        return 0;
    case SQFS_BADFORMAT:
        return -GD_IMAGE_EFORMAT;
    case SQFS_BADVERSION:
        return -GD_IMAGE_EVERSION;
    case SQFS_BADCOMP:
        return -GD_IMAGE_ECOMP;
    case SQFS_UNSUP:
        return -GD_IMAGE_EUNSUP;
    default:
        return -GD_IMAGE_ECORRUPT;
    }
}

int gd_image_open(const char *path, uint64_t offset, gd_image **out) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return -EISDIR;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        close(fd);
        return -GD_IMAGE_EFORMAT;
    }
    int rc = check_superblock(fd, offset);
    if (rc != 0) {
        close(fd);
        return rc;
    }

    gd_image *img = calloc(1, sizeof *img);
    if (!img) {
        close(fd);
        return -ENOMEM;
    }
    // sqfs_init cleans up after itself when it fails: it returns before allocating anything,
    // or calls sqfs_destroy itself, leaving freed pointers in the struct. Destroying again
    // would free them twice (a superblock with an absurd inode count, e.g. bytes 4-7 set to
    // ED 5F 84 00, gets there). So on its failure only our own fd and memory are released.
    rc = from_sqfs_err(sqfs_init(&img->ll.fs, fd, (size_t)offset));
    if (rc != 0) {
        close(fd);
        free(img);
        return rc;
    }
    if (sqfs_ll_init(&img->ll) != SQFS_OK) {
        // The fs itself is initialised here; sqfs_ll_destroy also frees what ll_init set up.
        sqfs_ll_destroy(&img->ll);
        close(fd);
        free(img);
        return -GD_IMAGE_ECORRUPT;
    }
    img->ll_ready = true;
    // Planning reads (the image's /etc/passwd, environment scripts, every path it checks)
    // decompress metadata blocks too: keep a context rather than create one per block.
    gd_decode_install(&img->ll.fs);
    *out = img;
    return 0;
}

void gd_image_close(gd_image *img) {
    if (!img) return;
    free(img->added);
    int fd = img->ll.fs.fd;
    if (img->ll_ready)
        sqfs_ll_destroy(&img->ll); // also destroys ll.fs
    else
        sqfs_destroy(&img->ll.fs);
    close(fd);
    free(img);
}

int gd_image_fd(const gd_image *img) { return img->ll.fs.fd; }

void gd_image_get_info(const gd_image *img, gd_image_info *info) {
    const struct squashfs_super_block *sb = &img->ll.fs.sb;
    info->compression = sb->compression;
    info->major = sb->s_major;
    info->minor = sb->s_minor;
    info->bytes_used = sb->bytes_used;
    info->inodes = sb->inodes;
    info->block_size = sb->block_size;
}

uint64_t gd_image_root(const gd_image *img) { return sqfs_inode_root((sqfs *)&img->ll.fs); }

static int get_inode(gd_image *img, uint64_t node, sqfs_inode *inode) {
    return sqfs_inode_get(&img->ll.fs, inode, node) == SQFS_OK ? 0 : -EIO;
}

int gd_image_lookup(gd_image *img, uint64_t dir, const char *name, uint64_t *child) {
    sqfs_inode inode;
    int rc = get_inode(img, dir, &inode);
    if (rc != 0) return rc;
    if (!S_ISDIR(inode.base.mode | sqfs_mode(inode.base.inode_type))) return -ENOTDIR;
    size_t namelen = strlen(name);
    if (namelen > SQUASHFS_NAME_LEN) return -ENAMETOOLONG;
    sqfs_name namebuf;
    sqfs_dir_entry entry;
    sqfs_dentry_init(&entry, namebuf);
    bool found = false;
    if (sqfs_dir_lookup(&img->ll.fs, &inode, name, namelen, &entry, &found) != SQFS_OK) return -EIO;
    if (!found) return -ENOENT;
    *child = sqfs_dentry_inode(&entry);
    return 0;
}

int gd_image_getattr(gd_image *img, uint64_t node, gd_image_attr *st) {
    sqfs_inode inode;
    int rc = get_inode(img, node, &inode);
    if (rc != 0) return rc;
    st->mode = inode.base.mode | sqfs_mode(inode.base.inode_type);
    st->size = S_ISREG(st->mode) ? inode.xtra.reg.file_size : S_ISLNK(st->mode) ? inode.xtra.symlink_size : 0;
    sqfs_id_t id;
    st->uid = sqfs_id_get(&img->ll.fs, inode.base.uid, &id) == SQFS_OK ? (uint32_t)id : 0;
    st->gid = sqfs_id_get(&img->ll.fs, inode.base.guid, &id) == SQFS_OK ? (uint32_t)id : 0;
    st->mtime = inode.base.mtime;
    return 0;
}

int gd_image_readlink(gd_image *img, uint64_t node, char *buf, size_t *len) {
    sqfs_inode inode;
    int rc = get_inode(img, node, &inode);
    if (rc != 0) return rc;
    if (!S_ISLNK(sqfs_mode(inode.base.inode_type))) return -EINVAL;
    // sqfs_readlink NUL-terminates: ask for the size first, then read into a scratch buffer.
    size_t need = 0;
    if (sqfs_readlink(&img->ll.fs, &inode, NULL, &need) != SQFS_OK) return -EIO;
    char *tmp = malloc(need + 1);
    if (!tmp) return -ENOMEM;
    size_t size = need + 1;
    if (sqfs_readlink(&img->ll.fs, &inode, tmp, &size) != SQFS_OK) {
        free(tmp);
        return -EIO;
    }
    size_t target = strlen(tmp);
    if (target > *len) {
        free(tmp);
        return -ENAMETOOLONG;
    }
    memcpy(buf, tmp, target);
    *len = target;
    free(tmp);
    return 0;
}

int gd_image_read(gd_image *img, uint64_t node, uint64_t off, void *buf, size_t *len) {
    sqfs_inode inode;
    int rc = get_inode(img, node, &inode);
    if (rc != 0) return rc;
    if (!S_ISREG(sqfs_mode(inode.base.inode_type))) return -EISDIR;
    if (off >= inode.xtra.reg.file_size) {
        *len = 0;
        return 0;
    }
    sqfs_off_t size = (sqfs_off_t)*len;
    if (sqfs_read_range(&img->ll.fs, &inode, (sqfs_off_t)off, &size, buf) != SQFS_OK) return -EIO;
    *len = (size_t)size;
    return 0;
}

int gd_image_list(gd_image *img, uint64_t dir, int (*visit)(void *context, const char *name, uint32_t mode),
                  void *context) {
    sqfs_inode inode;
    int rc = get_inode(img, dir, &inode);
    if (rc != 0) return rc;
    if (!S_ISDIR(sqfs_mode(inode.base.inode_type))) return -ENOTDIR;
    sqfs_dir d;
    if (sqfs_dir_open(&img->ll.fs, &inode, &d, 0) != SQFS_OK) return -EIO;
    sqfs_name namebuf;
    sqfs_dir_entry entry;
    sqfs_dentry_init(&entry, namebuf);
    sqfs_err err = SQFS_OK;
    while (sqfs_dir_next(&img->ll.fs, &d, &entry, &err)) {
        if (visit(context, sqfs_dentry_name(&entry), sqfs_dentry_mode(&entry)) != 0) return 0;
    }
    return err == SQFS_OK ? 0 : -EIO;
}

// ---- added mount points: paths the image lacks, served as empty directories or files ----
//
// The image is read-only, so a mount point it does not have (a bind destination, the place
// gourd injects GPU driver files) cannot be created in it. The FUSE server answers for those
// paths instead, as empty directories or empty files, and the container covers each with its
// mount. Their node ids lie above any squashfs inode reference (48 bits), so they never
// collide with one; a lookup under a real directory matches by its squashfs inode id.
static bool is_added(fuse_ino_t ino) { return gd_is_added(ino); }

const gd_added *gd_added_node(const gd_image *img, fuse_ino_t ino) {
    uint64_t i = ino - GD_ADDED_BASE;
    return i < img->nadded ? &img->added[i] : NULL;
}

void gd_added_attr(const gd_added *a, fuse_ino_t ino, struct stat *st) {
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_mode = a->is_dir ? (S_IFDIR | 0755) : (S_IFREG | 0644);
    st->st_nlink = a->is_dir ? 2 : 1;
}

fuse_ino_t gd_find_added(const gd_image *img, fuse_ino_t parent, const char *name) {
    if (!img->nadded) return 0;
    bool parent_added = is_added(parent);
    uint64_t key = parent_added ? parent : gd_ino_sqfs(img, parent);
    for (size_t i = 0; i < img->nadded; i++) {
        const gd_added *a = &img->added[i];
        if (a->parent_added == parent_added && a->parent == key && strcmp(a->name, name) == 0) return GD_ADDED_BASE + i;
    }
    return 0;
}

static int add_node(gd_image *img, uint64_t parent, bool parent_added, const char *name, size_t len, bool is_dir,
                    uint64_t *out) {
    if (len >= sizeof img->added[0].name) return -ENAMETOOLONG;
    for (size_t i = 0; i < img->nadded; i++) {
        gd_added *a = &img->added[i];
        if (a->parent == parent && a->parent_added == parent_added && strlen(a->name) == len &&
            !memcmp(a->name, name, len)) {
            if (a->is_dir != is_dir) return is_dir ? -ENOTDIR : -EISDIR;
            *out = GD_ADDED_BASE + i;
            return 0;
        }
    }
    gd_added *grown = realloc(img->added, (img->nadded + 1) * sizeof *grown);
    if (!grown) return -ENOMEM;
    img->added = grown;
    gd_added *a = &img->added[img->nadded];
    memset(a, 0, sizeof *a);
    a->parent = parent;
    a->parent_added = parent_added;
    a->is_dir = is_dir;
    memcpy(a->name, name, len);
    *out = GD_ADDED_BASE + img->nadded++;
    return 0;
}

int gd_image_add_path(gd_image *img, const char *path, int is_dir) {
    uint64_t node = gd_image_root(img);
    bool added = false;
    const char *p = path;
    while (*p) {
        while (*p == '/') p++;
        if (!*p) break;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *rest = p + len;
        while (*rest == '/') rest++;
        bool last = *rest == 0;
        if (!added) {
            char name[256];
            if (len >= sizeof name) return -ENAMETOOLONG;
            memcpy(name, p, len);
            name[len] = 0;
            uint64_t child;
            int rc = gd_image_lookup(img, node, name, &child);
            if (rc == 0) {
                gd_image_attr st;
                if (gd_image_getattr(img, child, &st) != 0) return -EIO;
                if (!last && !S_ISDIR(st.mode)) return -ENOTDIR; // symlinks are not followed here
                node = child;
                p = rest;
                continue;
            }
            if (rc != -ENOENT) return rc;
        }
        int rc = add_node(img, node, added, p, len, last ? is_dir != 0 : true, &node);
        if (rc != 0) return rc;
        added = true;
        p = rest;
    }
    return 0;
}
