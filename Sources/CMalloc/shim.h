#ifndef SWIFT_DDP_CMALLOC_SHIM_H
#define SWIFT_DDP_CMALLOC_SHIM_H
// glibc's <malloc.h> (mallinfo2, malloc_trim) is not part of Swift's
// Glibc module; this module exposes it. Empty elsewhere: Darwin has no malloc.h of glibc.
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
