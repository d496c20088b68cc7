#ifndef SWIFT_DDP_CBLAS_SHIM_H
#define SWIFT_DDP_CBLAS_SHIM_H
#include <cblas.h>
#endif
