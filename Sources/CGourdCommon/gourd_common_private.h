// gourd_common_private.h: what CGourdCommon's own files share and nothing outside uses.
#ifndef GOURD_COMMON_PRIVATE_H
#define GOURD_COMMON_PRIVATE_H

/// gc_resolve_in_root's walk from `rootfd` with every symlink refused (ELOOP), as
/// RESOLVE_NO_SYMLINKS: for paths that mountinfo reported, which name no symlink.
/// Async-signal-safe.
int gc_resolve_beneath_no_symlinks(int rootfd, const char *path, int flags);

#endif
