// GRU kernels: reset after (torch / cuDNN / Keras default), its layer-normalised form, and reset
// before (Cho et al. 2014), forward and backward over a whole sequence.

#include "kernels.h"

using namespace rnnkit;  // the shared helpers of common.h

// =====================================================================================================
// GRU, reset after (torch / cuDNN / Keras default): n = tanh(x_n + r * (W_hn h + b_hn)).
// =====================================================================================================
std::vector<Tensor> gru_after_forward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                      const Tensor& bias, const Tensor& bias_hh, const OptTensor& lengths,
                                      const OptTensor& mask, const OptTensor& zone_h) {
  const int64_t T = x.size(0), B = x.size(1), H = h0.size(1);
  const Padding pad(lengths);
  Tensor gates = project(x, w_ih, bias);  // (T, B, 3H): x parts, then the activations r, z, n
  Tensor hn = at::empty({T, B, H}, h0.options());  // W_hn h + b_hn, what r multiplied
  Tensor hp = at::empty({B, 3 * H}, h0.options());
  const bool brg = x.scalar_type() == at::kFloat && use_brgemm<float>();  // per-step GEMMs: see mm_rows
  Tensor w_hh_t = w_hh.t().contiguous();  // (H, 3H)
  ForwardBuffers fb(h0, T, pad, mask);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_after_forward", [&] {
    using T_ = scalar_t;
    const PrevRows<T_> h_prevs(fb.hs, h0);  // s(t-1) rows
    const RowWriters<T_> writers(fb, mask);
    const Zoneout<T_> zh(zone_h);
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = 0; t < T; ++t) {
      const T_* hin = fb.hin.defined() ? fb.hin.data_ptr<T_>() : h_prevs.row(t, 0);
      mm_rows<T_>(brg, s1 - s0, 3 * H, H, hin + s0 * H, H, w_hh_t.data_ptr<T_>(), hp.data_ptr<T_>() + s0 * 3 * H, 3 * H,
                  false);  // (B, 3H); b_hh is added in the pass
      T_* gp = gates.data_ptr<T_>() + t * B * 3 * H;
      const T_* hpp = hp.data_ptr<T_>();
      const T_* bh = bias_hh.data_ptr<T_>();
      T_* hnp = hn.data_ptr<T_>() + t * B * H;
      over_rows(s0, s1, 3 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const T_* h_prev = h_prevs.row(t, b);
          T_* g = gp + b * 3 * H;
          const T_* q = hpp + b * 3 * H;
          T_* hn_row = hnp + b * H;
          const T_* zh_row = zh.row(t, b);
          const bool alive = pad.alive(t, b);
          RowWriter<T_> w = writers.at(t, b);
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            const Vec<T_> hpv = ld(h_prev + j, n);
            if (!alive) { w.put(hpv, j, n, false); return; }
            const Vec<T_> r = sigmoid(ld(g + j, n) + ld(q + j, n) + ld(bh + j, n));
            const Vec<T_> z = sigmoid(ld(g + H + j, n) + ld(q + H + j, n) + ld(bh + H + j, n));
            const Vec<T_> qn = ld(q + 2 * H + j, n) + ld(bh + 2 * H + j, n);  // W_hn h + b_hn
            const Vec<T_> nn_ = tanh(at::vec::fmadd(r, qn, ld(g + 2 * H + j, n)));
            st(r, g + j, n); st(z, g + H + j, n); st(nn_, g + 2 * H + j, n);
            st(qn, hn_row + j, n);
            Vec<T_> h = at::vec::fmadd(z, hpv - nn_, nn_);  // (1 - z) n + z h(t-1)
            if (zh.on()) h = zone_lerp(h, hpv, zh.get(zh_row, j, n));
            w.put(h, j, n, true);
          });
        }
      });
    }
    release_brgemm(brg);
    });
  });
  return {fb.out, fb.hs, gates, hn};
}

std::vector<Tensor> gru_after_backward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                       const OptTensor& lengths, const OptTensor& mask, const Tensor& hs,
                                       const Tensor& gates, const Tensor& hn, const OptTensor& zone_h,
                                       const Tensor& grad_out, const Tensor& grad_hT, bool need_grad_x) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = h0.size(1);
  const Padding pad(lengths);
  Tensor dHP = at::empty({T, B, 3 * H}, x.options());  // grad of W_hh h + b_hh: (dz_r, dz_z, dz_n * r)
  Tensor dXn = at::empty({T, B, H}, x.options());  // grad of the n pre-activation (x side)
  const bool brg = x.scalar_type() == at::kFloat && use_brgemm<float>();
  BackwardCarry carry(grad_hT);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_after_backward", [&] {
    using T_ = scalar_t;
    const PrevRows<T_> h_prevs(hs, h0);  // s(t-1) rows
    const T_* mp = has(mask) ? mask->data_ptr<T_>() : nullptr;
    const Zoneout<T_> zh(zone_h);
    T_* direct = carry.direct.data_ptr<T_>();
    const T_* gemm = carry.gemm.data_ptr<T_>();
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = T - 1; t >= 0; --t) {
      const T_* gp = gates.data_ptr<T_>() + t * B * 3 * H;
      const T_* hnp = hn.data_ptr<T_>() + t * B * H;
      const T_* op = grad_out.data_ptr<T_>() + t * B * H;
      T_* dhp = dHP.data_ptr<T_>() + t * B * 3 * H;
      T_* dxn = dXn.data_ptr<T_>() + t * B * H;
      over_rows(s0, s1, 3 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const bool alive = pad.alive(t, b);
          const T_* g = gp + b * 3 * H;
          const T_* h_prev = h_prevs.row(t, b);
          const T_* hn_row = hnp + b * H;
          T_* d = dhp + b * 3 * H;
          T_* dn = dxn + b * H;
          T_* dir = direct + b * H;
          const T_* m = mp ? mp + b * H : nullptr;
          const T_* zh_row = zh.row(t, b);
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            Vec<T_> dh = incoming_dh(dir, gemm + b * H, m, alive ? op + b * H : nullptr, j, n);
            if (!alive) {
              const Vec<T_> zero(T_(0));
              st(zero, d + j, n); st(zero, d + H + j, n); st(zero, d + 2 * H + j, n); st(zero, dn + j, n);
              st(dh, dir + j, n);
              return;
            }
            const Vec<T_> one(T_(1));
            const Vec<T_> dh_keep = zone_split(zh, zh_row, dh, j, n);
            const Vec<T_> r = ld(g + j, n), z = ld(g + H + j, n), nn_ = ld(g + 2 * H + j, n);
            const Vec<T_> dz_n = dh * (one - z) * (one - nn_ * nn_);
            const Vec<T_> dz_z = dh * (ld(h_prev + j, n) - nn_) * z * (one - z);
            const Vec<T_> dz_r = dz_n * ld(hn_row + j, n) * r * (one - r);
            st(dz_r, d + j, n); st(dz_z, d + H + j, n); st(dz_n * r, d + 2 * H + j, n);
            st(dz_n, dn + j, n);
            st(zh.on() ? at::vec::fmadd(dh, z, dh_keep) : dh * z, dir + j, n);  // direct: z_t h(t-1), zoneout
          });
        }
      });
      mm_rows<T_>(brg, s1 - s0, H, 3 * H, dhp + s0 * 3 * H, 3 * H, w_hh.data_ptr<T_>(), carry.gemm.data_ptr<T_>() + s0 * H, H,
                  false);  // (B, 3H) @ (3H, H)
    }
    release_brgemm(brg);
    });
  });
  Tensor flat = dHP.view({T * B, 3 * H});
  Tensor flat_rz = flat.narrow(1, 0, 2 * H);  // r and z: the x side equals the h side
  Tensor flat_n = dXn.view({T * B, H});
  Tensor x2 = x.reshape({T * B, I});
  Tensor grad_x;
  if (need_grad_x) {
    grad_x = flat_rz.mm(w_ih.narrow(0, 0, 2 * H));
    grad_x.addmm_(flat_n, w_ih.narrow(0, 2 * H, H));
    grad_x = grad_x.view({T, B, I});
  }
  Tensor grad_w_ih = at::cat({flat_rz.t().mm(x2), flat_n.t().mm(x2)}, 0);  // (3H, I)
  Tensor grad_bias = at::cat({flat_rz.sum(0), flat_n.sum(0)}, 0);
  Tensor grad_w_hh = grad_recurrent(dHP, hs, h0, mask);
  Tensor grad_bias_hh = flat.sum(0);
  return {grad_x, grad_initial(carry.direct, carry.gemm, mask), grad_w_ih, grad_w_hh, grad_bias, grad_bias_hh};
}

// =====================================================================================================
// Layer-normalised GRU (reset after, `GRUCell(layer_norm=True)`):
//   hp_t = LN(W_hh h_in) ⊙ γ_hh + b_hh, then r, z, n as the reset-after GRU;
//   xp_t = LN(W_ih x_t) ⊙ γ_ih + b for all steps by the caller, which differentiates it from grad xp.
// =====================================================================================================
std::vector<Tensor> gru_ln_forward(const Tensor& xp, const Tensor& h0, const Tensor& w_hh, const Tensor& gain_hh,
                                   const Tensor& bias_hh, const OptTensor& lengths, const OptTensor& mask,
                                   const OptTensor& zone_h, double eps, bool keep) {
  const int64_t T = xp.size(0), B = xp.size(1), H = h0.size(1);
  const Padding pad(lengths);
  const int64_t S = keep ? T : 1;  // keep = false (no gradient wanted): the buffers hold one step, no history
  Tensor gates = at::empty({S, B, 3 * H}, h0.options());  // the activations r, z, n (xp is only read)
  Tensor rhat = at::empty({S, B, 3 * H}, h0.options());  // W_hh h_in, normalised in place
  Tensor rinv = at::empty({S, B}, h0.options());
  Tensor hn = at::empty({S, B, H}, h0.options());  // the n part of hp, what r multiplied
  const bool brg = xp.scalar_type() == at::kFloat && use_brgemm<float>();  // per-step GEMMs: see mm_rows
  Tensor w_hh_t = w_hh.t().contiguous();  // (H, 3H)
  ForwardBuffers fb(h0, T, pad, mask);
  AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "gru_ln_forward", [&] {
    using T_ = scalar_t;
    T_* const gates_p = gates.data_ptr<T_>();  // row pointers taken once
    T_* const hn_p = hn.data_ptr<T_>();
    T_* const rhat_p = rhat.data_ptr<T_>();
    T_* const rinv_p = rinv.data_ptr<T_>();
    T_* const xp_p = xp.data_ptr<T_>();
    const PrevRows<T_> h_prevs(fb.hs, h0);  // s(t-1) rows
    const RowWriters<T_> writers(fb, mask);
    const T_* gh = gain_hh.data_ptr<T_>();
    const T_* bh = bias_hh.data_ptr<T_>();
    const Zoneout<T_> zh(zone_h);
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = 0; t < T; ++t) {
      const T_* hin = fb.hin.defined() ? fb.hin.data_ptr<T_>() : h_prevs.row(t, 0);
      mm_rows<T_>(brg, s1 - s0, 3 * H, H, hin + s0 * H, H, w_hh_t.data_ptr<T_>(),
                  rhat.data_ptr<T_>() + ((t % S) * B + s0) * 3 * H, 3 * H, false);  // a = W_hh h_in  (B, 3H)
      over_rows(s0, s1, 6 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t row = (t % S) * B + b;
          const T_* x_in = xp_p + (t * B + b) * 3 * H;
          T_* g = gates_p + row * 3 * H;
          T_* r_ = rhat_p + row * 3 * H;
          T_* hn_row = hn_p + row * H;
          const T_* h_prev = h_prevs.row(t, b);
          const T_* zh_row = zh.row(t, b);
          RowWriter<T_> w = writers.at(t, b);
          const RowStats rs = row_stats(r_, 3 * H, eps);
          const Vec<T_> r_mean(T_(rs.mean)), r_inv(T_(rs.inv_std));
          rinv_p[row] = T_(rs.inv_std);
          if (!pad.alive(t, b)) {  // past the end: keep the state (â still written: backward reads it)
            chunks<T_>(3 * H, [&](int64_t j, int64_t n) { st((ld(r_ + j, n) - r_mean) * r_inv, r_ + j, n); });
            chunks<T_>(H, [&](int64_t j, int64_t n) { w.put(ld(h_prev + j, n), j, n, false); });
            continue;
          }
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            Vec<T_> q[3];
            for (int k = 0; k < 3; ++k) {
              const Vec<T_> a_hat = (ld(r_ + k * H + j, n) - r_mean) * r_inv;
              st(a_hat, r_ + k * H + j, n);
              q[k] = at::vec::fmadd(a_hat, ld(gh + k * H + j, n), ld(bh + k * H + j, n));  // hp_t
            }
            const Vec<T_> r = sigmoid(ld(x_in + j, n) + q[0]);
            const Vec<T_> z = sigmoid(ld(x_in + H + j, n) + q[1]);
            const Vec<T_> nn_ = tanh(at::vec::fmadd(r, q[2], ld(x_in + 2 * H + j, n)));
            if (keep) {
              st(r, g + j, n); st(z, g + H + j, n); st(nn_, g + 2 * H + j, n);
              st(q[2], hn_row + j, n);
            }
            const Vec<T_> hpv = ld(h_prev + j, n);
            Vec<T_> h = at::vec::fmadd(z, hpv - nn_, nn_);  // (1 - z) n + z h(t-1)
            if (zh.on()) h = zone_lerp(h, hpv, zh.get(zh_row, j, n));
            w.put(h, j, n, true);
          });
        }
      });
    }
    release_brgemm(brg);
    });
  });
  return {fb.out, fb.hs, gates, hn, rhat, rinv};
}

std::vector<Tensor> gru_ln_backward(const Tensor& h0, const Tensor& w_hh, const Tensor& gain_hh,
                                    const OptTensor& lengths, const OptTensor& mask, const Tensor& hs,
                                    const Tensor& gates, const Tensor& hn, const Tensor& rhat, const Tensor& rinv,
                                    const OptTensor& zone_h, const Tensor& grad_out, const Tensor& grad_hT) {
  const int64_t T = gates.size(0), B = gates.size(1), H = h0.size(1);
  const Padding pad(lengths);
  Tensor dHP = at::empty({T, B, 3 * H}, gates.options());  // grad of hp_t: (dz_r, dz_z, dz_n * r)
  Tensor dXn = at::empty({T, B, H}, gates.options());  // grad of the n pre-activation (x side)
  Tensor dR = at::empty({T, B, 3 * H}, gates.options());  // grad of W_hh h_in (through its LN)
  ThreadSums sum_gain_hh(3 * H, gates), sum_bias_hh(3 * H, gates);
  const bool brg = gates.scalar_type() == at::kFloat && use_brgemm<float>();
  BackwardCarry carry(grad_hT);
  AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "gru_ln_backward", [&] {
    using T_ = scalar_t;
    T_* const dHP_p = dHP.data_ptr<T_>();  // row pointers taken once
    T_* const dR_p = dR.data_ptr<T_>();
    T_* const dXn_p = dXn.data_ptr<T_>();
    T_* const gates_p = gates.data_ptr<T_>();
    T_* const grad_out_p = grad_out.data_ptr<T_>();
    T_* const hn_p = hn.data_ptr<T_>();
    T_* const rhat_p = rhat.data_ptr<T_>();
    T_* const rinv_p = rinv.data_ptr<T_>();
    const PrevRows<T_> h_prevs(hs, h0);  // s(t-1) rows
    const T_* mp = has(mask) ? mask->data_ptr<T_>() : nullptr;
    const T_* gh = gain_hh.data_ptr<T_>();
    const Zoneout<T_> zh(zone_h);
    T_* direct = carry.direct.data_ptr<T_>();
    const T_* gemm = carry.gemm.data_ptr<T_>();
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = T - 1; t >= 0; --t) {
      over_rows(s0, s1, 6 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t row = t * B + b;
          const bool alive = pad.alive(t, b);
          const T_* g = gates_p + row * 3 * H;
          const T_* r_ = rhat_p + row * 3 * H;
          const T_* hn_row = hn_p + row * H;
          const T_* h_prev = h_prevs.row(t, b);
          T_* d = dHP_p + row * 3 * H;
          T_* dn = dXn_p + row * H;
          T_* dr = dR_p + row * 3 * H;
          T_* dir = direct + b * H;
          const T_* m = mp ? mp + b * H : nullptr;
          const T_* zh_row = zh.row(t, b);
          const Vec<T_> zero(T_(0)), one(T_(1));
          if (!alive) {
            chunks<T_>(H, [&](int64_t j, int64_t n) {
              st(incoming_dh(dir, gemm + b * H, m, (const T_*)nullptr, j, n), dir + j, n);
              st(zero, dn + j, n);
            });
            chunks<T_>(3 * H, [&](int64_t j, int64_t n) { st(zero, d + j, n); st(zero, dr + j, n); });
            continue;
          }
          T_* acc_gain_hh = sum_gain_hh.row<T_>();
          T_* acc_bias_hh = sum_bias_hh.row<T_>();
          LnGradMeans<T_> r_means;
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            Vec<T_> dh = incoming_dh(dir, gemm + b * H, m, grad_out_p + row * H, j, n);
            const Vec<T_> dh_keep = zone_split(zh, zh_row, dh, j, n);
            const Vec<T_> r = ld(g + j, n), z = ld(g + H + j, n), nn_ = ld(g + 2 * H + j, n);
            const Vec<T_> dz_n = dh * (one - z) * (one - nn_ * nn_);
            const Vec<T_> dhp[3] = {dz_n * ld(hn_row + j, n) * r * (one - r), dh * (ld(h_prev + j, n) - nn_) * z * (one - z),
                                    dz_n * r};
            for (int k = 0; k < 3; ++k) {
              st(dhp[k], d + k * H + j, n);
              const Vec<T_> a_hat = ld(r_ + k * H + j, n);
              r_means.add(dhp[k] * ld(gh + k * H + j, n), a_hat, n);
              accumulate(acc_gain_hh, dhp[k] * a_hat, k * H + j, n);
              accumulate(acc_bias_hh, dhp[k], k * H + j, n);
            }
            st(dz_n, dn + j, n);
            st(zh.on() ? at::vec::fmadd(dh, z, dh_keep) : dh * z, dir + j, n);  // direct: z_t h(t-1), zoneout
          });
          const auto [mean_g, mean_ga] = r_means.means(3 * H);
          const Vec<T_> r_inv(rinv_p[row]), mg(mean_g), mga(mean_ga);
          chunks<T_>(3 * H, [&](int64_t j, int64_t n) {  // through LN(W_hh h_in) γ_hh
            st(r_inv * (ld(d + j, n) * ld(gh + j, n) - mg - ld(r_ + j, n) * mga), dr + j, n);
          });
        }
      });
      mm_rows<T_>(brg, s1 - s0, H, 3 * H, dR.data_ptr<T_>() + (t * B + s0) * 3 * H, 3 * H, w_hh.data_ptr<T_>(),
                  carry.gemm.data_ptr<T_>() + s0 * H, H, false);  // (B, 3H) @ (3H, H)
    }
    release_brgemm(brg);
    });
  });
  Tensor grad_xp = at::cat({dHP.narrow(2, 0, 2 * H), dXn}, 2);  // r and z: the x side equals the h side
  Tensor grad_w_hh = grad_recurrent(dR, hs, h0, mask);
  Tensor grad_bias_hh = sum_bias_hh.total(), grad_gain_hh = sum_gain_hh.total();
  return {grad_xp, grad_initial(carry.direct, carry.gemm, mask), grad_w_hh, grad_bias_hh, grad_gain_hh};
}

// =====================================================================================================
// GRU, reset before (Cho et al. 2014): n = tanh(x_n + W_hn (r * h)). Two GEMMs per step.
// =====================================================================================================
std::vector<Tensor> gru_before_forward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                       const Tensor& bias, const OptTensor& lengths, const OptTensor& mask,
                                       const OptTensor& zone_h) {
  const int64_t T = x.size(0), B = x.size(1), H = h0.size(1);
  const Padding pad(lengths);
  Tensor gates = project(x, w_ih, bias);  // (T, B, 3H) -> r, z, n
  Tensor rh = at::empty({T, B, H}, h0.options());  // r * h_in
  Tensor hp = at::empty({B, 2 * H}, h0.options());
  ForwardBuffers fb(h0, T, pad, mask);
  const Tensor w_rz = w_hh.narrow(0, 0, 2 * H);  // (2H, H) rows of a contiguous matrix
  const Tensor w_n = w_hh.narrow(0, 2 * H, H);  // (H, H)
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_before_forward", [&] {
    using T_ = scalar_t;
    const PrevRows<T_> h_prevs(fb.hs, h0);  // s(t-1) rows
    const RowWriters<T_> writers(fb, mask);
    const T_* mp = has(mask) ? mask->data_ptr<T_>() : nullptr;
    const Zoneout<T_> zh(zone_h);
    for (int64_t t = 0; t < T; ++t) {
      gemm_wt<T_>(fb.gemm_input(t, h0), w_rz, hp, 0);  // (B, 2H)
      T_* gp = gates.data_ptr<T_>() + t * B * 3 * H;
      const T_* hpp = hp.data_ptr<T_>();
      T_* rhp = rh.data_ptr<T_>() + t * B * H;
      over_rows(B, 2 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const T_* h_prev = h_prevs.row(t, b);
          T_* g = gp + b * 3 * H;
          const T_* q = hpp + b * 2 * H;
          T_* rh_row = rhp + b * H;
          const T_* m = mp ? mp + b * H : nullptr;
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            Vec<T_> h_in = ld(h_prev + j, n);
            if (m) h_in = h_in * ld(m + j, n);
            const Vec<T_> r = sigmoid(ld(g + j, n) + ld(q + j, n));
            const Vec<T_> z = sigmoid(ld(g + H + j, n) + ld(q + H + j, n));
            st(r, g + j, n); st(z, g + H + j, n);
            st(r * h_in, rh_row + j, n);
          });
        }
      });
      gemm_wt<T_>(rh.select(0, t), w_n, gates.select(0, t).narrow(1, 2 * H, H), 1);  // x_n + W_hn (r h)
      over_rows(B, H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const T_* h_prev = h_prevs.row(t, b);
          T_* g = gp + b * 3 * H;
          const T_* zh_row = zh.row(t, b);
          const bool alive = pad.alive(t, b);
          RowWriter<T_> w = writers.at(t, b);
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            const Vec<T_> hpv = ld(h_prev + j, n);
            if (!alive) { w.put(hpv, j, n, false); return; }
            const Vec<T_> nn_ = tanh(ld(g + 2 * H + j, n));
            st(nn_, g + 2 * H + j, n);
            Vec<T_> h = at::vec::fmadd(ld(g + H + j, n), hpv - nn_, nn_);
            if (zh.on()) h = zone_lerp(h, hpv, zh.get(zh_row, j, n));
            w.put(h, j, n, true);
          });
        }
      });
    }
  });
  return {fb.out, fb.hs, gates, rh};
}

std::vector<Tensor> gru_before_backward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                        const OptTensor& lengths, const OptTensor& mask, const Tensor& hs,
                                        const Tensor& gates, const Tensor& rh, const OptTensor& zone_h,
                                        const Tensor& grad_out, const Tensor& grad_hT, bool need_grad_x) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = h0.size(1);
  const Padding pad(lengths);
  Tensor dZ = at::empty({T, B, 3 * H}, x.options());  // grads of the r, z, n pre-activations
  Tensor drh = at::empty({B, H}, x.options());  // grad of r * h_in, then reused for its r part
  BackwardCarry carry(grad_hT);
  const Tensor w_rz = w_hh.narrow(0, 0, 2 * H);
  const Tensor w_n = w_hh.narrow(0, 2 * H, H);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_before_backward", [&] {
    using T_ = scalar_t;
    const PrevRows<T_> h_prevs(hs, h0);  // s(t-1) rows
    const T_* mp = has(mask) ? mask->data_ptr<T_>() : nullptr;
    const Zoneout<T_> zh(zone_h);
    T_* direct = carry.direct.data_ptr<T_>();
    const T_* gemm = carry.gemm.data_ptr<T_>();
    T_* drp = drh.data_ptr<T_>();
    T_* gemm_out = carry.gemm.data_ptr<T_>();
    for (int64_t t = T - 1; t >= 0; --t) {
      const T_* gp = gates.data_ptr<T_>() + t * B * 3 * H;
      const T_* op = grad_out.data_ptr<T_>() + t * B * H;
      T_* dzp = dZ.data_ptr<T_>() + t * B * 3 * H;
      over_rows(B, 2 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const bool alive = pad.alive(t, b);
          const T_* g = gp + b * 3 * H;
          const T_* h_prev = h_prevs.row(t, b);
          T_* d = dzp + b * 3 * H;
          T_* dir = direct + b * H;
          const T_* m = mp ? mp + b * H : nullptr;
          const T_* zh_row = zh.row(t, b);
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            Vec<T_> dh = incoming_dh(dir, gemm + b * H, m, alive ? op + b * H : nullptr, j, n);
            if (!alive) {
              const Vec<T_> zero(T_(0));
              st(zero, d + H + j, n); st(zero, d + 2 * H + j, n);
              st(dh, dir + j, n);
              return;
            }
            const Vec<T_> one(T_(1));
            const Vec<T_> dh_keep = zone_split(zh, zh_row, dh, j, n);
            const Vec<T_> z = ld(g + H + j, n), nn_ = ld(g + 2 * H + j, n);
            st(dh * (ld(h_prev + j, n) - nn_) * z * (one - z), d + H + j, n);
            st(dh * (one - z) * (one - nn_ * nn_), d + 2 * H + j, n);
            st(zh.on() ? at::vec::fmadd(dh, z, dh_keep) : dh * z, dir + j, n);
          });
        }
      });
      gemm_w<T_>(dZ.select(0, t).narrow(1, 2 * H, H), w_n, drh, 0);  // grad of r * h_in: (B, H)
      over_rows(B, H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const T_* g = gp + b * 3 * H;
          const T_* h_prev = h_prevs.row(t, b);
          T_* d = dzp + b * 3 * H;
          T_* dr = drp + b * H;
          const T_* m = mp ? mp + b * H : nullptr;
          chunks<T_>(H, [&](int64_t j, int64_t n) {  // padded rows: drh = 0, so zeros follow
            Vec<T_> h_in = ld(h_prev + j, n);
            if (m) h_in = h_in * ld(m + j, n);
            const Vec<T_> r = ld(g + j, n), drv = ld(dr + j, n);
            st(drv * h_in * r * (Vec<T_>(T_(1)) - r), d + j, n);
            st(drv * r, gemm_out + b * H + j, n);  // the part of dh_in that skips the GEMM
          });
        }
      });
      gemm_w<T_>(dZ.select(0, t).narrow(1, 0, 2 * H), w_rz, carry.gemm, 1);  // + (B, 2H) @ (2H, H)
    }
  });
  Tensor flat = dZ.view({T * B, 3 * H});
  Tensor grad_x = need_grad_x ? flat.mm(w_ih).view({T, B, I}) : Tensor();
  Tensor grad_w_ih = flat.t().mm(x.reshape({T * B, I}));
  Tensor grad_bias = flat.sum(0);
  Tensor grad_w_hh = at::cat({grad_recurrent(dZ.narrow(2, 0, 2 * H), hs, h0, mask),
                              flat.narrow(1, 2 * H, H).t().mm(rh.view({T * B, H}))}, 0);  // (3H, H)
  return {grad_x, grad_initial(carry.direct, carry.gemm, mask), grad_w_ih, grad_w_hh, grad_bias};
}
