/* A stand-in for libnvidia-ml.so.1: enough of a driver library for gourd's GPU injection
   tests to prove which copy was loaded (the version string) and which /dev nodes the
   container can use (the count). Built with -DFAKE_NEEDS_CLOSEFROM it also calls closefrom,
   new in glibc 2.34, so that it needs GLIBC_2.34 from libc.so.6 like a driver built against
   a newer glibc than the image has. */
#define _GNU_SOURCE
#include "devnodes.h"

#ifndef FAKE_DRIVER_VERSION
#error "build with -DFAKE_DRIVER_VERSION='\"550.54.15\"'"
#endif

int fake_nvml_device_count(void)
{
    int minors[FAKE_GPU_MAX];
    return fake_gpu_scan(minors);
}

const char *fake_nvml_driver_version(void)
{
    return FAKE_DRIVER_VERSION;
}

#ifdef FAKE_NEEDS_CLOSEFROM
/* Exported so the linker keeps the versioned reference to closefrom@GLIBC_2.34. */
void fake_nvml_close_from(int lowfd)
{
    closefrom(lowfd);
}
#endif
