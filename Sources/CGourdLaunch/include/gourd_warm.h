// gourd_warm: the few system calls a warm launch needs to enter a warm server's namespaces.
// Prefixes: gd_warm_ is ours. Nothing here prints or exits; failures are -errno.
#ifndef GOURD_WARM_H
#define GOURD_WARM_H

/// setns(2) into a user namespace (the warm server's). Fails with EINVAL in a multi-threaded
/// process (setns(2)). The caller then holds every capability in that namespace, which its
/// own uid owns. 0 or -errno. Async-signal-safe.
int gd_warm_join_user(int fd);
/// setns(2) into a mount namespace: root and working directory become that namespace's root
/// (setns(2)). Needs CAP_SYS_ADMIN in the namespace's owner, i.e. after gd_warm_join_user.
/// 0 or -errno. Async-signal-safe.
int gd_warm_join_mount(int fd);
/// unshare(CLONE_NEWNS): a private copy of the current mount namespace, owned by the current
/// user namespace (mount_namespaces(7)): same superblocks, so a FUSE mount copied this way is
/// served by the same server, with the same caches. 0 or -errno. Async-signal-safe.
int gd_warm_private_mounts(void);
/// open(path, O_PATH | O_DIRECTORY | O_CLOEXEC): a handle on a directory that stays usable
/// (fstatat) after the caller's root has moved away from it (Swift's Glibc lacks O_PATH).
/// fd or -errno.
int gd_warm_open_directory(const char *path);
#endif
