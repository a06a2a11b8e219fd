/* A stand-in for nvidia-smi. It is linked against libnvidia-ml.so.1 without an rpath, so it
   runs only when the loader finds the injected library (LD_LIBRARY_PATH in the container).
   Output:
     fake-nvidia-smi driver <version> gpus <count>
     /dev/nvidia<N>        (one line per usable GPU node, in numeric order) */
#include "devnodes.h"

int fake_nvml_device_count(void);
const char *fake_nvml_driver_version(void);

int main(void)
{
    int minors[FAKE_GPU_MAX];
    int visible = fake_gpu_scan(minors);
    printf("fake-nvidia-smi driver %s gpus %d\n", fake_nvml_driver_version(), fake_nvml_device_count());
    for (int i = 0; i < visible; i++)
        printf("/dev/nvidia%d\n", minors[i]);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
