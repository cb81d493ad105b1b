// minGRU and minLSTM (rnnkit/cells/min.py) over a whole sequence: the recurrence
//     h_t = a_t ⊙ h_{t-1} + b_t,   a_t = 1 - w_t,  b_t = w_t ⊙ g(v_t),  w_t = σ(u_t)
// in one pass forward and one pass back (rnnkit/engine/scan.py, the "compiled" method), every
// coefficient computed from the input projection xp (S, B, G*H) in registers as the pass reaches it:
// nothing of (S, B, H) is written but h (forward) and the gradient of xp (backward). u_t is the cell's
// mixing logit: k_t for minGRU (xp = [v; k]), softplus(-k^f_t) - softplus(-k^i_t) for minLSTM
// (xp = [v; k^f; k^i]). g(v) = v + 0.5 (v >= 0), σ(v) below. Backward, with λ_t = dL/dh_t through
// every later step:
//     λ_t = dL/dh_t + a_{t+1} ⊙ λ_{t+1},  du_t = λ_t ⊙ (g(v_t) - h_{t-1}) ⊙ w_t ⊙ a_t,  dv_t = λ_t ⊙ w_t ⊙ g'(v_t)
// (minLSTM: dk^f = -du σ(-k^f), dk^i = du σ(-k^i)); dL/dh_0 = a_1 ⊙ λ_1. Batch rows are independent:
// each thread runs the whole time loop over its slice of rows (`over_batch`).
#include "kernels.h"

namespace rnnkit {
namespace {

// e^x: float with torch's fast exp (as common.h's sigmoid), double with Sleef's 1-ULP exp.
template <typename T>
inline Vec<T> vexp(const Vec<T>& x) {
  return x.exp();
}
template <>
inline Vec<float> vexp(const Vec<float>& x) {
  return x.exp_u20();
}

template <typename T>
inline Vec<T> softplus(const Vec<T>& x) {  // max(x, 0) + log1p(e^-|x|): no overflow
  return at::vec::maximum(x, Vec<T>(T(0))) + vexp(x.abs().neg()).log1p();
}

// w = σ(u) and a = 1 - w = σ(-u), both from one e^-|u| (no cancellation when w nears 1).
template <typename T>
inline void mix_weights(const Vec<T>& u, Vec<T>& w, Vec<T>& a) {
  const Vec<T> e = vexp(u.abs().neg());
  const Vec<T> r = (Vec<T>(T(1)) + e).reciprocal();
  const Vec<T> er = e * r;
  const Vec<T> pos = u >= Vec<T>(T(0));
  w = Vec<T>::blendv(er, r, pos);
  a = Vec<T>::blendv(r, er, pos);
}

// g(v) and g'(v): v + 0.5 and 1 for v >= 0, σ(v) and σ(v)(1 - σ(v)) below.
template <typename T>
inline void candidate(const Vec<T>& v, Vec<T>& g, Vec<T>* dg) {
  const Vec<T> one(T(1));
  const Vec<T> e = vexp(at::vec::minimum(v, Vec<T>(T(0))));  // <= 1
  const Vec<T> s = e / (one + e);
  const Vec<T> pos = v >= Vec<T>(T(0));
  g = Vec<T>::blendv(s, v + Vec<T>(T(0.5)), pos);
  if (dg) *dg = Vec<T>::blendv(s * (one - s), one, pos);
}

// The mixing logit u at lanes [j, j + n) of one row of xp (width G*H).
template <typename T, bool LSTM>
inline Vec<T> logit(const T* row, int64_t H, int64_t j, int64_t n) {
  if constexpr (LSTM) {
    return softplus(ld(row + H + j, n).neg()) - softplus(ld(row + 2 * H + j, n).neg());
  } else {
    return ld(row + H + j, n);
  }
}

template <typename T, bool LSTM>
void forward_rows(const T* xp, const T* h0, T* h, int64_t S, int64_t B, int64_t H, int64_t b0, int64_t b1) {
  const int64_t G = LSTM ? 3 : 2;
  for (int64_t t = 0; t < S; ++t) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* row = xp + (t * B + b) * G * H;
      const T* prev = t == 0 ? h0 + b * H : h + ((t - 1) * B + b) * H;
      T* out = h + (t * B + b) * H;
      chunks<T>(H, [&](int64_t j, int64_t n) {
        Vec<T> w, a, g;
        mix_weights(logit<T, LSTM>(row, H, j, n), w, a);
        candidate(ld(row + j, n), g, static_cast<Vec<T>*>(nullptr));
        st(a * ld(prev + j, n) + w * g, out + j, n);
      });
    }
  }
}

template <typename T, bool LSTM>
void backward_rows(const T* xp, const T* h0, const T* h, const T* grad_h, T* grad_xp, T* carry, int64_t S,
                   int64_t B, int64_t H, int64_t b0, int64_t b1) {
  const int64_t G = LSTM ? 3 : 2;
  for (int64_t t = S - 1; t >= 0; --t) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* row = xp + (t * B + b) * G * H;
      T* grow = grad_xp + (t * B + b) * G * H;
      const T* prev = t == 0 ? h0 + b * H : h + ((t - 1) * B + b) * H;
      const T* gh = grad_h + (t * B + b) * H;
      T* c = carry + b * H;  // a_{t+1} ⊙ λ_{t+1}, then a_t ⊙ λ_t
      chunks<T>(H, [&](int64_t j, int64_t n) {
        Vec<T> w, a, g, dg;
        mix_weights(logit<T, LSTM>(row, H, j, n), w, a);
        candidate(ld(row + j, n), g, &dg);
        const Vec<T> lam = ld(gh + j, n) + ld(c + j, n);
        const Vec<T> du = lam * (g - ld(prev + j, n)) * w * a;
        st(lam * w * dg, grow + j, n);
        if constexpr (LSTM) {
          st(du.neg() * sigmoid(ld(row + H + j, n).neg()), grow + H + j, n);  // d softplus(-k)/dk = -σ(-k)
          st(du * sigmoid(ld(row + 2 * H + j, n).neg()), grow + 2 * H + j, n);
        } else {
          st(du, grow + H + j, n);
        }
        st(a * lam, c + j, n);
      });
    }
  }
}

}  // namespace
}  // namespace rnnkit

using namespace rnnkit;

// xp (S, B, G*H) and h0 (B, H) contiguous; G = 3 for minLSTM, 2 for minGRU. Returns h (S, B, H).
Tensor min_scan_forward(const Tensor& xp, const Tensor& h0, bool lstm) {
  const int64_t S = xp.size(0), B = xp.size(1), H = h0.size(1);
  TORCH_CHECK(xp.is_contiguous() && h0.is_contiguous() && xp.size(2) == (lstm ? 3 : 2) * H,
              "min_scan_forward: contiguous xp (S, B, G*H) and h0 (B, H) expected");
  Tensor h = at::empty({S, B, H}, xp.options());
  AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "min_scan_forward", [&] {
    const auto *x = xp.data_ptr<scalar_t>(), *s0 = h0.data_ptr<scalar_t>();
    auto* out = h.data_ptr<scalar_t>();
    over_batch(B, [&](int64_t b0, int64_t b1) {
      if (lstm) forward_rows<scalar_t, true>(x, s0, out, S, B, H, b0, b1);
      else forward_rows<scalar_t, false>(x, s0, out, S, B, H, b0, b1);
    });
  });
  return h;
}

// Returns {dL/dxp (S, B, G*H), dL/dh0 (B, H)} from dL/dh (S, B, H) (contiguous) and forward's h.
std::vector<Tensor> min_scan_backward(const Tensor& xp, const Tensor& h0, const Tensor& h, const Tensor& grad_h,
                                      bool lstm) {
  const int64_t S = xp.size(0), B = xp.size(1), H = h0.size(1);
  TORCH_CHECK(grad_h.is_contiguous() && h.is_contiguous(), "min_scan_backward: contiguous h and grad_h expected");
  Tensor grad_xp = at::empty_like(xp);
  Tensor carry = at::zeros_like(h0);  // ends as dL/dh0
  AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "min_scan_backward", [&] {
    const auto *x = xp.data_ptr<scalar_t>(), *s0 = h0.data_ptr<scalar_t>(), *hs = h.data_ptr<scalar_t>(),
               *gh = grad_h.data_ptr<scalar_t>();
    auto *gx = grad_xp.data_ptr<scalar_t>(), *c = carry.data_ptr<scalar_t>();
    over_batch(B, [&](int64_t b0, int64_t b1) {
      if (lstm) backward_rows<scalar_t, true>(x, s0, hs, gh, gx, c, S, B, H, b0, b1);
      else backward_rows<scalar_t, false>(x, s0, hs, gh, gx, c, S, B, H, b0, b1);
    });
  });
  return {grad_xp, carry};
}
