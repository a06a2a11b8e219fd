/* The GPU nodes the fake driver libraries and nvidia-smi "see": /dev/nvidia<digits> entries
   the caller may open read-write, as the real driver requires before it reports a device.
   nvidiactl, nvidia-uvm, nvidia-modeset and nvidia-caps are control nodes, not GPUs. */
#ifndef FAKE_GPU_DEVNODES_H
#define FAKE_GPU_DEVNODES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKE_GPU_MAX 256

/* The minor number in "nvidia<digits>", or -1 for any other name (six digits at most, so
   the number cannot overflow). */
static int fake_gpu_minor(const char *name)
{
    if (strncmp(name, "nvidia", 6) != 0)
        return -1;
    const char *digits = name + 6;
    size_t length = strlen(digits);
    if (length == 0 || length > 6)
        return -1;
    int minor = 0;
    for (size_t i = 0; i < length; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return -1;
        minor = minor * 10 + (digits[i] - '0');
    }
    return minor;
}

static int fake_gpu_compare(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Fills minors[] with the accessible GPU nodes in numeric order; returns how many. A missing
   or unreadable /dev means no GPUs, never an error. */
static int fake_gpu_scan(int minors[FAKE_GPU_MAX])
{
    DIR *dir = opendir("/dev");
    if (dir == NULL)
        return 0;
    int count = 0;
    struct dirent *entry;
    while (count < FAKE_GPU_MAX && (entry = readdir(dir)) != NULL) {
        int minor = fake_gpu_minor(entry->d_name);
        if (minor < 0)
            continue;
        char path[sizeof "/dev/" + sizeof entry->d_name];
        snprintf(path, sizeof path, "/dev/%s", entry->d_name);
        if (access(path, R_OK | W_OK) == 0)
            minors[count++] = minor;
    }
    closedir(dir);
    qsort(minors, (size_t)count, sizeof minors[0], fake_gpu_compare);
    return count;
}

#endif
