#include "CVectorKernels.h"

// Rounding after every operation, as Swift and torch's scalar code do: no a * b + c fused.
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) && defined(__clang__)
#define SWIFTDDP_AVX2_VARIANT 1
#define SWIFTDDP_AVX2 __attribute__((target("avx2")))
#endif

// Each loop is written once as an inline body and instantiated per instruction set; the
// compiler vectorizes each instance for its target (`restrict`: the arrays do not overlap).
// `__builtin_elementwise_sqrt` is the instruction, never a libm call that may set errno and
// so keeps the loop scalar.

static inline __attribute__((always_inline)) void adam_body(
    float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t n,
    swiftddp_adam_coefficients c)
{
    for (size_t i = 0; i < n; i++) {
        float x = p[i] * c.shrink;
        float d = c.sign * g[i] + c.l2 * x;
        float mi = m[i] + c.averageRate * (d - m[i]);
        float vi = v[i] * c.squareKeep + c.squareRate * d * d;
        m[i] = mi;
        v[i] = vi;
        p[i] = x - c.stepSize * (mi / (__builtin_elementwise_sqrt(vi) / c.correction2Root + c.eps));
    }
}

static inline __attribute__((always_inline)) void sgd_momentum_body(
    float *restrict p, const float *restrict g, float *restrict b, size_t n,
    float lr, float sign, float decay, float keep, float add, float momentum, bool nesterov)
{
    // Two loops rather than a select per element, so each vectorizes.
    if (nesterov) {
        for (size_t i = 0; i < n; i++) {
            float d = sign * g[i] + decay * p[i];
            float buffer = keep * b[i] + add * d;
            b[i] = buffer;
            p[i] = p[i] - lr * (d + momentum * buffer);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float d = sign * g[i] + decay * p[i];
            float buffer = keep * b[i] + add * d;
            b[i] = buffer;
            p[i] = p[i] - lr * buffer;
        }
    }
}

#ifdef SWIFTDDP_AVX2_VARIANT
SWIFTDDP_AVX2 static void adam_avx2(float *restrict p, const float *restrict g, float *restrict m,
                                    float *restrict v, size_t n, swiftddp_adam_coefficients c)
{
    adam_body(p, g, m, v, n, c);
}

SWIFTDDP_AVX2 static void sgd_momentum_avx2(float *restrict p, const float *restrict g, float *restrict b, size_t n,
                                            float lr, float sign, float decay, float keep, float add,
                                            float momentum, bool nesterov)
{
    sgd_momentum_body(p, g, b, n, lr, sign, decay, keep, add, momentum, nesterov);
}
#endif

bool swiftddp_vector_kernels_use_avx2(void)
{
#ifdef SWIFTDDP_AVX2_VARIANT
    // Reads what the runtime's start-up code found (cpuid and the OS's saved AVX state).
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

void swiftddp_adam_update(float *parameter, const float *gradient, float *average, float *square,
                          size_t count, swiftddp_adam_coefficients coefficients)
{
#ifdef SWIFTDDP_AVX2_VARIANT
    if (swiftddp_vector_kernels_use_avx2()) {
        adam_avx2(parameter, gradient, average, square, count, coefficients);
        return;
    }
#endif
    adam_body(parameter, gradient, average, square, count, coefficients);
}

void swiftddp_sgd_momentum_update(float *parameter, const float *gradient, float *buffer, size_t count,
                                  float lr, float sign, float decay, float keep, float add, float momentum,
                                  bool nesterov)
{
#ifdef SWIFTDDP_AVX2_VARIANT
    if (swiftddp_vector_kernels_use_avx2()) {
        sgd_momentum_avx2(parameter, gradient, buffer, count, lr, sign, decay, keep, add, momentum, nesterov);
        return;
    }
#endif
    sgd_momentum_body(parameter, gradient, buffer, count, lr, sign, decay, keep, add, momentum, nesterov);
}
