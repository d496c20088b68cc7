#ifndef SWIFT_DDP_CZLIB_SHIM_H
#define SWIFT_DDP_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro; 15 + 32 accepts both gzip and zlib headers.
static inline int swiftddp_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
