/* A libc.so.6 that only looks old: its version definitions stop at GLIBC_2.28 (see
   oldlibc.map), so ELFVersions.definedGlibc reports 2.28. It is placed in a test image to be
   inspected, never loaded, and is linked with -nostdlib so it needs nothing itself. */
int fake_libc_2_2_5(void) { return 225; }
int fake_libc_2_17(void) { return 217; }
int fake_libc_2_28(void) { return 228; }
