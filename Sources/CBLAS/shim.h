#ifndef SWIFT_DDP_CBLAS_SHIM_H
#define SWIFT_DDP_CBLAS_SHIM_H
#include <cblas.h>
#include <stdlib.h>

#if defined(__linux__) && defined(__x86_64__)
// Exported by OpenBLAS built with DYNAMIC_ARCH (which picks its kernels for the CPU when
// loaded); weak, so that another build links too.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));
#endif

/// Makes an OpenBLAS built with DYNAMIC_ARCH pick its kernels again, for the core type `name`
/// as `OPENBLAS_CORETYPE` names it at load time (OpenBLAS itself falls back to kernels the
/// CPU runs if it cannot run those). Returns 0 where OpenBLAS cannot pick again. Call it
/// before any other BLAS call is under way.
static inline int swiftddp_openblas_choose_core(const char *name) {
#if defined(__linux__) && defined(__x86_64__)
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return 0;
    if (setenv("OPENBLAS_CORETYPE", name, 1) != 0) return 0;
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
    return 1;
#else
    (void)name;
    return 0;
#endif
}
#endif
