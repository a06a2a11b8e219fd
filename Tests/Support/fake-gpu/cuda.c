/* A stand-in for libcuda.so.1: counts the GPU nodes the caller can use, like cuInit would. */
#include "devnodes.h"

int fake_cuda_device_count(void)
{
    int minors[FAKE_GPU_MAX];
    return fake_gpu_scan(minors);
}
