#ifndef SWIFT_DDP_CMALLOC_SHIM_H
#define SWIFT_DDP_CMALLOC_SHIM_H
// glibc's <malloc.h> (mallopt, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD) is not part of Swift's
// Glibc module; this module exposes it. Empty elsewhere: Darwin has no mallopt.
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
