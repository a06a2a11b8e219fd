// fuzz_squashfs.c: libFuzzer harness for CGourdImage's open/read path (gourd_image.c over
// libsquashfuse). The input is a whole squashfs image: it is written to a memfd, opened with
// gd_image_open, and every directory is walked, every node stat'ed, every symlink read and
// every regular file read to its end (bounded: a corrupt image may claim huge sizes or loop).
#define _GNU_SOURCE
#include "gourd_image.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { max_nodes = 4096, max_depth = 32, max_names = 1024, max_file_bytes = 4 << 20 };

typedef struct {
    char (*names)[257];
    size_t count;
} name_list;

static int collect(void *context, const char *name, uint32_t mode) {
    (void)mode;
    name_list *list = context;
    if (list->count >= max_names) return 1;
    snprintf(list->names[list->count++], 257, "%s", name);
    return 0;
}

typedef struct {
    gd_image *img;
    size_t nodes;
    uint64_t dirs[max_depth];   // the directories on the current path (a corrupt image may loop)
    unsigned char buf[65536];
} walker;

static void visit(walker *w, uint64_t node, int depth);

static void read_all(walker *w, uint64_t node, uint64_t size) {
    uint64_t off = 0;
    while (off < size && off < max_file_bytes) {
        size_t len = sizeof w->buf;
        if (gd_image_read(w->img, node, off, w->buf, &len) != 0 || len == 0) break;
        off += len;
    }
}

static void walk_dir(walker *w, uint64_t dir, int depth) {
    for (int i = 0; i < depth; i++) if (w->dirs[i] == dir) return;
    w->dirs[depth] = dir;
    name_list list = {calloc(max_names, 257), 0};
    if (!list.names) return;
    gd_image_list(w->img, dir, collect, &list);
    for (size_t i = 0; i < list.count && w->nodes < max_nodes; i++) {
        uint64_t child;
        if (gd_image_lookup(w->img, dir, list.names[i], &child) == 0) visit(w, child, depth + 1);
    }
    free(list.names);
}

static void visit(walker *w, uint64_t node, int depth) {
    if (++w->nodes > max_nodes || depth >= max_depth) return;
    gd_image_attr attr;
    if (gd_image_getattr(w->img, node, &attr) != 0) return;
    switch (attr.mode & S_IFMT) {
    case S_IFDIR: walk_dir(w, node, depth); break;
    case S_IFREG: read_all(w, node, attr.size); break;
    case S_IFLNK: {
        char target[4096];
        size_t len = sizeof target;
        gd_image_readlink(w->img, node, target, &len);
        break;
    }
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int fd = memfd_create("fuzz-image", MFD_CLOEXEC);
    if (fd < 0) abort();
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) abort();
        done += (size_t)n;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    gd_image *img = NULL;
    if (gd_image_open(path, 0, &img) == 0) {
        gd_image_info info;
        gd_image_get_info(img, &info);
        static walker w;
        w.img = img;
        w.nodes = 0;
        visit(&w, gd_image_root(img), 0);
        // Mount points the server adds for paths the image lacks: same code as a launch runs.
        gd_image_add_path(img, "/gourd-fuzz/added/dir", 1);
        gd_image_add_path(img, "/bin/gourd-fuzz-file", 0);
        gd_image_close(img);
    }
    close(fd);
    return 0;
}
