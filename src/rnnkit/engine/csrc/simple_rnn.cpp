// SimpleRNN kernels (tanh or relu), forward and backward over a whole sequence.

#include "kernels.h"

using namespace rnnkit;  // the shared helpers of common.h

// =====================================================================================================
// SimpleRNN: h = act(W_ih x + b + W_hh h(t-1)), act tanh or relu.
// =====================================================================================================
std::vector<Tensor> simple_forward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                   const Tensor& bias, bool relu, const OptTensor& lengths, const OptTensor& mask,
                                   const OptTensor& zone_h) {
  const int64_t T = x.size(0), B = x.size(1), H = h0.size(1);
  const Padding pad(lengths);
  Tensor pre = project(x, w_ih, bias);  // (T, B, H)
  Tensor hraw = has(zone_h) ? at::empty({T, B, H}, h0.options()) : Tensor();  // h~_t before zoneout
  const bool brg = x.scalar_type() == at::kFloat && use_brgemm<float>();  // per-step GEMMs: see mm_rows
  Tensor w_hh_t = w_hh.t().contiguous();  // (H, H)
  ForwardBuffers fb(h0, T, pad, mask);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "simple_forward", [&] {
    using T_ = scalar_t;
    T_* const hraw_p = hraw.defined() ? hraw.data_ptr<T_>() : nullptr;  // row pointers taken once
    const PrevRows<T_> h_prevs(fb.hs, h0);  // s(t-1) rows
    const RowWriters<T_> writers(fb, mask);
    const Zoneout<T_> zh(zone_h);
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = 0; t < T; ++t) {
      const T_* hin = fb.hin.defined() ? fb.hin.data_ptr<T_>() : h_prevs.row(t, 0);
      T_* ap = pre.data_ptr<T_>() + t * B * H;
      mm_rows<T_>(brg, s1 - s0, H, H, hin + s0 * H, H, w_hh_t.data_ptr<T_>(), ap + s0 * H, H, true);  // + W_hh h_in
      over_rows(s0, s1, H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const T_* h_prev = h_prevs.row(t, b);
          const T_* a = ap + b * H;
          const T_* zh_row = zh.row(t, b);
          T_* raw = hraw_p ? hraw_p + (t * B + b) * H : nullptr;
          const bool alive = pad.alive(t, b);
          RowWriter<T_> w = writers.at(t, b);
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            if (!alive) {
              if (raw) st(ld(h_prev + j, n), raw + j, n);
              w.put(ld(h_prev + j, n), j, n, false);
              return;
            }
            const Vec<T_> av = ld(a + j, n);
            Vec<T_> h = relu ? at::vec::maximum(av, Vec<T_>(T_(0))) : tanh(av);
            if (raw) {
              st(h, raw + j, n);
              h = zone_lerp(h, ld(h_prev + j, n), zh.get(zh_row, j, n));
            }
            w.put(h, j, n, true);
          });
        }
      });
    }
    release_brgemm(brg);
    });
  });
  return {fb.out, fb.hs, hraw};
}

std::vector<Tensor> simple_backward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                    bool relu, const OptTensor& lengths, const OptTensor& mask, const Tensor& hs,
                                    const OptTensor& zone_h, const OptTensor& hraw, const Tensor& grad_out,
                                    const Tensor& grad_hT, bool need_grad_x) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = h0.size(1);
  const Padding pad(lengths);
  Tensor dA = at::empty({T, B, H}, x.options());
  const bool brg = x.scalar_type() == at::kFloat && use_brgemm<float>();
  BackwardCarry carry(grad_hT);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "simple_backward", [&] {
    using T_ = scalar_t;
    const T_* mp = has(mask) ? mask->data_ptr<T_>() : nullptr;
    const Zoneout<T_> zh(zone_h);
    const Tensor& acts = has(hraw) ? *hraw : hs;  // the activation h~_t (before zoneout)
    T_* direct = carry.direct.data_ptr<T_>();
    const T_* gemm = carry.gemm.data_ptr<T_>();
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = T - 1; t >= 0; --t) {
      const T_* hp = acts.data_ptr<T_>() + t * B * H;
      const T_* op = grad_out.data_ptr<T_>() + t * B * H;
      T_* dap = dA.data_ptr<T_>() + t * B * H;
      over_rows(s0, s1, H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const bool alive = pad.alive(t, b);
          const T_* h = hp + b * H;
          T_* da = dap + b * H;
          T_* dir = direct + b * H;
          const T_* m = mp ? mp + b * H : nullptr;
          const T_* zh_row = zh.row(t, b);
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            Vec<T_> dh = incoming_dh(dir, gemm + b * H, m, alive ? op + b * H : nullptr, j, n);
            const Vec<T_> zero(T_(0));
            if (!alive) { st(zero, da + j, n); st(dh, dir + j, n); return; }
            const Vec<T_> dh_keep = zone_split(zh, zh_row, dh, j, n);
            const Vec<T_> hv = ld(h + j, n);
            const Vec<T_> d = relu ? Vec<T_>::blendv(zero, dh, hv > zero) : dh * (Vec<T_>(T_(1)) - hv * hv);
            st(d, da + j, n);
            st(dh_keep, dir + j, n);
          });
        }
      });
      mm_rows<T_>(brg, s1 - s0, H, H, dap + s0 * H, H, w_hh.data_ptr<T_>(), carry.gemm.data_ptr<T_>() + s0 * H, H, false);
    }
    release_brgemm(brg);
    });
  });
  Tensor flat = dA.view({T * B, H});
  Tensor grad_x = need_grad_x ? flat.mm(w_ih).view({T, B, I}) : Tensor();
  Tensor grad_w_ih = flat.t().mm(x.reshape({T * B, I}));
  Tensor grad_bias = flat.sum(0);
  Tensor grad_w_hh = grad_recurrent(dA, hs, h0, mask);
  return {grad_x, grad_initial(carry.direct, carry.gemm, mask), grad_w_ih, grad_w_hh, grad_bias};
}
