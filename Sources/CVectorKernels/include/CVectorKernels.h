#ifndef SWIFT_DDP_CVECTORKERNELS_H
#define SWIFT_DDP_CVECTORKERNELS_H
// Element loops of the optimizers, compiled twice: for the baseline instruction set and for
// AVX2 (eight floats per instruction), chosen when the process starts. Swift compiles for the
// baseline only (SSE2 on x86-64), where Adam's square root and two divisions per element
// keep the divider busier than the memory: the AVX2 loop moves the same bytes in about the
// time of a plain pass over them. Same arithmetic in the same order as the scalar code
// (no fused multiply-adds), so both loops give the same bits.

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The coefficients of one Adam (or AdamW) step for one parameter, worked out in double
/// precision by the caller (torch's Python floats) and rounded to float.
typedef struct {
    float shrink;           ///< 1 - lr * weight_decay with decoupled decay, else 1
    float l2;               ///< weight_decay added to the gradient (L2), else 0
    float sign;             ///< -1 to maximize, else 1
    float averageRate;      ///< 1 - beta1
    float squareKeep;       ///< beta2
    float squareRate;       ///< 1 - beta2
    float stepSize;         ///< lr / (1 - beta1^step)
    float correction2Root;  ///< sqrt(1 - beta2^step)
    float eps;
} swiftddp_adam_coefficients;

/// Adam without AMSGrad over `count` elements, in torch.optim's order:
///
///     x = p * shrink;  d = sign * g + l2 * x
///     m = m + averageRate * (d - m);  v = v * squareKeep + squareRate * d * d
///     p = x - stepSize * (m / (sqrt(v) / correction2Root + eps))
///
/// The four arrays must not overlap.
void swiftddp_adam_update(float *parameter, const float *gradient, float *average, float *square,
                          size_t count, swiftddp_adam_coefficients coefficients);

/// SGD with momentum over `count` elements, in torch.optim's order:
///
///     d = sign * g + decay * p;  b = keep * b + add * d
///     p = p - lr * (d + momentum * b)  (Nesterov)  or  p = p - lr * b
///
/// The three arrays must not overlap.
void swiftddp_sgd_momentum_update(float *parameter, const float *gradient, float *buffer, size_t count,
                                  float lr, float sign, float decay, float keep, float add, float momentum,
                                  bool nesterov);

/// Whether the AVX2 loops run on this machine.
bool swiftddp_vector_kernels_use_avx2(void);

#ifdef __cplusplus
}
#endif

#endif
