// LSTM kernels: the plain LSTM (peepholes, recurrent dropout, weight drop, zoneout) and the
// layer-normalised LSTM (haste's LayerNormLSTM), forward and backward over a whole sequence.

#include "kernels.h"

using namespace rnnkit;  // the shared helpers of common.h

// =====================================================================================================
// LSTM: gates i, f, g, o; peep (3, H) rows w_ci, w_cf, w_co.
// =====================================================================================================
std::vector<Tensor> lstm_forward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                                 const Tensor& w_hh, const Tensor& bias, const OptTensor& peep,
                                 const OptTensor& lengths, const OptTensor& mask, const OptTensor& zone_h,
                                 const OptTensor& zone_c, bool keep) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = h0.size(1);
  const Padding pad(lengths);
  // brgemm (float): W_ih x_t and W_hh h(t-1) per step and slice, each thread's gates cache-resident, b
  // added in the pass; without history (keep = false) the gates hold one step. Otherwise (BLAS) the
  // input projections of all steps in one GEMM before the loop, W_hh h(t-1) added per step.
  const bool brg = x.scalar_type() == at::kFloat && use_brgemm<float>();
  Tensor gates = brg ? at::empty({keep ? T : 1, B, 4 * H}, x.options())
                     : project(x, w_ih, bias);  // (T, B, 4H): z, then the activations i, f, g, o
  const int64_t SG = gates.size(0);
  Tensor w_ih_t = brg ? w_ih.t().contiguous() : Tensor(), w_hh_t = brg ? w_hh.t().contiguous() : Tensor();  // (I | H, 4H)
  // keep = false (no gradient wanted): no history for backward; C_t in a ring of two steps, no gate stores
  const int64_t SC = keep ? T : 2;
  Tensor cs = at::empty({SC, B, H}, h0.options());
  Tensor tcs = keep ? at::empty({T, B, H}, h0.options()) : Tensor();  // tanh(C~_t)
  Tensor craw = has(zone_c) && keep ? at::empty({T, B, H}, h0.options()) : Tensor();  // C~_t before zoneout
  ForwardBuffers fb(h0, T, pad, mask);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_forward", [&] {
    using T_ = scalar_t;
    T_* const craw_p = craw.defined() ? craw.data_ptr<T_>() : nullptr;  // row pointers taken once
    const PrevRows<T_> h_prevs(fb.hs, h0);  // s(t-1) rows
    const RowWriters<T_> writers(fb, mask);
    const T_* pp = has(peep) ? peep->data_ptr<T_>() : nullptr;
    const Zoneout<T_> zh(zone_h), zc(zone_c);
    const T_* bp = brg ? bias.data_ptr<T_>() : nullptr;  // b, added in the pass
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = 0; t < T; ++t) {
      T_* gp = gates.data_ptr<T_>() + (t % SG) * B * 4 * H;  // (B, 4H)
      const T_* hin = fb.hin.defined() ? fb.hin.data_ptr<T_>() : h_prevs.row(t, 0);
      if (brg) {  // z = W_ih x_t + W_hh h(t-1) (+ b in the pass)
        mm_rows<T_>(true, s1 - s0, 4 * H, I, x.data_ptr<T_>() + (t * B + s0) * I, I, w_ih_t.data_ptr<T_>(),
                    gp + s0 * 4 * H, 4 * H, false);
        mm_rows<T_>(true, s1 - s0, 4 * H, H, hin + s0 * H, H, w_hh_t.data_ptr<T_>(), gp + s0 * 4 * H, 4 * H, true);
      } else {  // z = W_ih x + b + W_hh h(t-1)
        gemm_wt_rows<T_>(s1 - s0, hin + s0 * H, H, w_hh, gp + s0 * 4 * H, 4 * H, 1);
      }
      T_* cp = cs.data_ptr<T_>() + (t % SC) * B * H;
      T_* tp = keep ? tcs.data_ptr<T_>() + t * B * H : nullptr;
      const T_* cpp = t == 0 ? c0.data_ptr<T_>() : cs.data_ptr<T_>() + ((t - 1) % SC) * B * H;
      over_rows(s0, s1, 4 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const T_* h_prev = h_prevs.row(t, b);
          const T_* c_prev = cpp + b * H;
          T_* g = gp + b * 4 * H;
          T_* c_row = cp + b * H;
          T_* tc_row = tp ? tp + b * H : nullptr;
          T_* craw_row = craw_p ? craw_p + (t * B + b) * H : nullptr;
          const T_* zh_row = zh.row(t, b);
          const T_* zc_row = zc.row(t, b);
          const bool alive = pad.alive(t, b);
          RowWriter<T_> w = writers.at(t, b);
          if (!alive) {  // past the end: keep the state
            chunks<T_>(H, [&](int64_t j, int64_t n) {
              st(ld(c_prev + j, n), c_row + j, n);
              if (craw_row) st(ld(c_prev + j, n), craw_row + j, n);  // defined: backward sums over it
              w.put(ld(h_prev + j, n), j, n, false);
            });
            continue;
          }
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            const Vec<T_> cpv = ld(c_prev + j, n);
            Vec<T_> zi = ld(g + j, n), zf = ld(g + H + j, n), zg = ld(g + 2 * H + j, n), zo = ld(g + 3 * H + j, n);
            if (bp) {
              zi = zi + ld(bp + j, n); zf = zf + ld(bp + H + j, n);
              zg = zg + ld(bp + 2 * H + j, n); zo = zo + ld(bp + 3 * H + j, n);
            }
            if (pp) {
              zi = at::vec::fmadd(ld(pp + j, n), cpv, zi);
              zf = at::vec::fmadd(ld(pp + H + j, n), cpv, zf);
            }
            const Vec<T_> i = sigmoid(zi), f = sigmoid(zf), gg = tanh(zg);
            const Vec<T_> c = at::vec::fmadd(f, cpv, i * gg);
            if (pp) zo = at::vec::fmadd(ld(pp + 2 * H + j, n), c, zo);
            const Vec<T_> o = sigmoid(zo);
            const Vec<T_> tc = tanh(c);
            if (keep) {
              st(i, g + j, n); st(f, g + H + j, n); st(gg, g + 2 * H + j, n); st(o, g + 3 * H + j, n);
              st(tc, tc_row + j, n);
            }
            Vec<T_> h = o * tc;
            if (zh.on()) h = zone_lerp(h, ld(h_prev + j, n), zh.get(zh_row, j, n));
            if (zc.on()) {
              if (craw_row) st(c, craw_row + j, n);
              st(zone_lerp(c, cpv, zc.get(zc_row, j, n)), c_row + j, n);
            } else {
              st(c, c_row + j, n);
            }
            w.put(h, j, n, true);
          });
        }
      });
    }
    release_brgemm(brg);
    });
  });
  return {fb.out, fb.hs, cs, gates, tcs, craw};
}

std::vector<Tensor> lstm_backward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                                  const Tensor& w_hh, const OptTensor& peep, const OptTensor& lengths,
                                  const OptTensor& mask, const Tensor& hs, const Tensor& cs, const Tensor& gates,
                                  const Tensor& tcs, const OptTensor& zone_h, const OptTensor& zone_c,
                                  const OptTensor& craw, const Tensor& grad_out, const Tensor& grad_hT,
                                  const Tensor& grad_cT, bool need_grad_x) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = h0.size(1);
  const Padding pad(lengths);
  Tensor dZ = at::empty({T, B, 4 * H}, x.options());  // gradients of the gate pre-activations
  const bool brg = x.scalar_type() == at::kFloat && use_brgemm<float>();
  BackwardCarry carry(grad_hT);
  Tensor dc = grad_cT.clone();  // (B, H), updated in place to dC(t-1)
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_backward", [&] {
    using T_ = scalar_t;
    const PrevRows<T_> c_prevs(cs, c0);  // s(t-1) rows
    const T_* pp = has(peep) ? peep->data_ptr<T_>() : nullptr;
    const T_* mp = has(mask) ? mask->data_ptr<T_>() : nullptr;
    const Zoneout<T_> zh(zone_h), zc(zone_c);
    T_* direct = carry.direct.data_ptr<T_>();
    const T_* gemm = carry.gemm.data_ptr<T_>();
    T_* dcp = dc.data_ptr<T_>();
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = T - 1; t >= 0; --t) {
      const T_* gp = gates.data_ptr<T_>() + t * B * 4 * H;
      const T_* cp = cs.data_ptr<T_>() + t * B * H;
      const T_* tp = tcs.data_ptr<T_>() + t * B * H;
      const T_* op = grad_out.data_ptr<T_>() + t * B * H;
      T_* dzp = dZ.data_ptr<T_>() + t * B * 4 * H;
      over_rows(s0, s1, 4 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const bool alive = pad.alive(t, b);
          const T_* g = gp + b * 4 * H;
          const T_* c_row = cp + b * H;
          const T_* tc_row = tp + b * H;
          const T_* c_prev = c_prevs.row(t, b);
          T_* dz = dzp + b * 4 * H;
          T_* dir = direct + b * H;
          T_* dcr = dcp + b * H;
          const T_* m = mp ? mp + b * H : nullptr;
          const T_* zh_row = zh.row(t, b);
          const T_* zc_row = zc.row(t, b);
          chunks<T_>(H, [&](int64_t j, int64_t n) {
            Vec<T_> dh = incoming_dh(dir, gemm + b * H, m, alive ? op + b * H : nullptr, j, n);
            if (!alive) {  // padded step: the gradient passes to the previous state untouched
              const Vec<T_> zero(T_(0));
              st(zero, dz + j, n); st(zero, dz + H + j, n); st(zero, dz + 2 * H + j, n); st(zero, dz + 3 * H + j, n);
              st(dh, dir + j, n);
              return;
            }
            const Vec<T_> one(T_(1));
            Vec<T_> dc_in = ld(dcr + j, n);
            const Vec<T_> dh_keep = zone_split(zh, zh_row, dh, j, n);  // zoneout: part skips the step
            const Vec<T_> dc_keep = zone_split(zc, zc_row, dc_in, j, n);
            const Vec<T_> i = ld(g + j, n), f = ld(g + H + j, n), gg = ld(g + 2 * H + j, n), o = ld(g + 3 * H + j, n);
            const Vec<T_> tc = ld(tc_row + j, n), cpv = ld(c_prev + j, n);
            const Vec<T_> dz_o = dh * tc * o * (one - o);
            Vec<T_> dcv = dc_in + dh * o * (one - tc * tc);
            if (pp) dcv = at::vec::fmadd(dz_o, ld(pp + 2 * H + j, n), dcv);
            const Vec<T_> dz_i = dcv * gg * i * (one - i);
            const Vec<T_> dz_f = dcv * cpv * f * (one - f);
            const Vec<T_> dz_g = dcv * i * (one - gg * gg);
            Vec<T_> dc_prev = dcv * f;
            if (pp) dc_prev = dc_prev + dz_i * ld(pp + j, n) + dz_f * ld(pp + H + j, n);
            st(dz_i, dz + j, n); st(dz_f, dz + H + j, n); st(dz_g, dz + 2 * H + j, n); st(dz_o, dz + 3 * H + j, n);
            st(zc.on() ? dc_prev + dc_keep : dc_prev, dcr + j, n);
            st(dh_keep, dir + j, n);
          });
          (void)c_row;
        }
      });
      // dh(t-1) through W_hh: (B, 4H) @ (4H, H) on this slice's rows
      mm_rows<T_>(brg, s1 - s0, H, 4 * H, dzp + s0 * 4 * H, 4 * H, w_hh.data_ptr<T_>(), carry.gemm.data_ptr<T_>() + s0 * H,
                  H, false);
    }
    release_brgemm(brg);
    });
  });
  Tensor flat = dZ.view({T * B, 4 * H});
  Tensor grad_x = need_grad_x ? flat.mm(w_ih).view({T, B, I}) : Tensor();
  Tensor grad_w_ih = flat.t().mm(x.reshape({T * B, I}));  // (4H, I): one GEMM over all steps
  Tensor grad_bias = flat.sum(0);
  Tensor grad_w_hh = grad_recurrent(dZ, hs, h0, mask);
  Tensor grad_peep;
  if (has(peep)) {  // w_ci, w_cf read C(t-1); w_co reads C(t)
    Tensor c_prev_all = T > 1 ? at::cat({c0.unsqueeze(0), cs.narrow(0, 0, T - 1)}, 0) : c0.unsqueeze(0);
    Tensor g_ci = (dZ.narrow(2, 0, H) * c_prev_all).sum({0, 1});
    Tensor g_cf = (dZ.narrow(2, H, H) * c_prev_all).sum({0, 1});
    Tensor g_co = (dZ.narrow(2, 3 * H, H) * (has(craw) ? *craw : cs)).sum({0, 1});  // C~_t, before zoneout
    grad_peep = at::stack({g_ci, g_cf, g_co}, 0);  // (3, H)
  }
  return {grad_x, grad_initial(carry.direct, carry.gemm, mask), dc, grad_w_ih, grad_w_hh, grad_bias, grad_peep};
}

// =====================================================================================================
// Layer-normalised LSTM (haste's LayerNormLSTM, `LSTMCell(layer_norm=True)`):
//   z_t = LN(W_ih x_t) ⊙ γ_ih + b + LN(W_hh h_in) ⊙ γ_hh
//   h_t = o_t ⊙ tanh(LN(C_t) ⊙ γ_c + β_c)      C_t carried un-normalised
// W_ih x for all steps is one GEMM before the loop; both LNs of the gate pre-activations happen inside
// the per-step pass: per row the reductions of W_ih x_t and of W_hh h_in, one pass over the gates
// (normalising both rows in place: they are the history backward reads), the two reductions of
// LN(C_t), one pass to h_t, all on cache-resident rows. Backward: per row three passes (through h_t,
// the gates, both LNs' backward), the gains' and bias' gradients summed per thread inside them, the
// gradient of W_ih x_t written in place, then W_ih's and x's gradients as single GEMMs after the loop.
// LN(C_t) is not stored: backward recomputes it from C~_t and the saved mean and 1 / std.
// =====================================================================================================
std::vector<Tensor> lstm_ln_forward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                                    const Tensor& gain_ih, const Tensor& bias, const Tensor& w_hh,
                                    const Tensor& gain_hh, const Tensor& gain_c, const Tensor& bias_c,
                                    const OptTensor& peep, const OptTensor& lengths, const OptTensor& mask,
                                    const OptTensor& zone_h, const OptTensor& zone_c, double eps, bool keep) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = h0.size(1);
  const Padding pad(lengths);
  // keep = false (no gradient wanted): the per-step buffers hold one step (C_t a ring of two), no history
  const int64_t S = keep ? T : 1, SC = keep ? T : 2;
  // brgemm (float, see mm_rows): W_ih x_t per step and slice, one slot without history; else one GEMM for all steps
  const bool brg = x.scalar_type() == at::kFloat && use_brgemm<float>();
  Tensor ahat = brg ? at::empty({S, B, 4 * H}, x.options())
                    : at::mm(x.reshape({T * B, I}), w_ih.t()).view({T, B, 4 * H});  // W_ih x, normalised in place
  const int64_t SA = ahat.size(0);
  Tensor w_ih_t = brg ? w_ih.t().contiguous() : Tensor(), w_hh_t = brg ? w_hh.t().contiguous() : Tensor();  // (I | H, 4H)
  Tensor ainv = at::empty({S, B}, h0.options());  // its 1 / sqrt(var + eps)
  Tensor gates = at::empty({S, B, 4 * H}, h0.options());  // the activations i, f, g, o
  Tensor rhat = at::empty({S, B, 4 * H}, h0.options());  // W_hh h_in, normalised in place
  Tensor rinv = at::empty({S, B}, h0.options());
  Tensor cs = at::empty({SC, B, H}, h0.options());  // the carried C_t (after zoneout)
  Tensor craw = has(zone_c) ? at::empty({SC, B, H}, h0.options()) : cs;  // the cell's own C~_t
  Tensor cstat = at::empty({S, B, 2}, h0.options());  // mean and 1 / std of C~_t: LN(C~_t) is recomputed
  Tensor tcs = at::empty({S, B, H}, h0.options());  // tanh(LN(C~_t) γ_c + β_c)
  ForwardBuffers fb(h0, T, pad, mask);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_ln_forward", [&] {
    using T_ = scalar_t;
    T_* const ahat_p = ahat.data_ptr<T_>();  // row pointers taken once
    T_* const ainv_p = ainv.data_ptr<T_>();
    T_* const craw_p = craw.data_ptr<T_>();
    T_* const cs_p = cs.data_ptr<T_>();
    T_* const cstat_p = cstat.data_ptr<T_>();
    T_* const gates_p = gates.data_ptr<T_>();
    T_* const rhat_p = rhat.data_ptr<T_>();
    T_* const rinv_p = rinv.data_ptr<T_>();
    T_* const tcs_p = tcs.data_ptr<T_>();
    const PrevRows<T_> h_prevs(fb.hs, h0);  // s(t-1) rows
    const RowWriters<T_> writers(fb, mask);
    const T_* pp = has(peep) ? peep->data_ptr<T_>() : nullptr;
    const T_* gi = gain_ih.data_ptr<T_>();
    const T_* bi = bias.data_ptr<T_>();
    const T_* gh = gain_hh.data_ptr<T_>();
    const T_* gc = gain_c.data_ptr<T_>();
    const T_* bc = bias_c.data_ptr<T_>();
    const Zoneout<T_> zh(zone_h), zc(zone_c);
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = 0; t < T; ++t) {
      const T_* hin = fb.hin.defined() ? fb.hin.data_ptr<T_>() : h_prevs.row(t, 0);
      T_* rp = rhat.data_ptr<T_>() + ((t % S) * B + s0) * 4 * H;
      if (brg) {
        mm_rows<T_>(true, s1 - s0, 4 * H, I, x.data_ptr<T_>() + (t * B + s0) * I, I, w_ih_t.data_ptr<T_>(),
                    ahat.data_ptr<T_>() + ((t % SA) * B + s0) * 4 * H, 4 * H, false);  // a = W_ih x_t
        mm_rows<T_>(true, s1 - s0, 4 * H, H, hin + s0 * H, H, w_hh_t.data_ptr<T_>(), rp, 4 * H, false);  // r = W_hh h_in
      } else {
        gemm_wt_rows<T_>(s1 - s0, hin + s0 * H, H, w_hh, rp, 4 * H, 0);  // r = W_hh h_in  (B, 4H)
      }
      const T_* cpp = t == 0 ? c0.data_ptr<T_>() : cs.data_ptr<T_>() + ((t - 1) % SC) * B * H;
      over_rows(s0, s1, 8 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t row = (t % S) * B + b, crow = (t % SC) * B + b;  // rows of the S / SC slot buffers
          T_* a = ahat_p + ((t % SA) * B + b) * 4 * H;
          T_* g = gates_p + row * 4 * H;
          T_* r = rhat_p + row * 4 * H;
          const T_* h_prev = h_prevs.row(t, b);
          const T_* c_prev = cpp + b * H;
          T_* c_row = cs_p + crow * H;
          T_* craw_row = craw_p + crow * H;
          T_* tc_row = tcs_p + row * H;
          T_* cst_row = cstat_p + row * 2;
          const T_* zh_row = zh.row(t, b);
          const T_* zc_row = zc.row(t, b);
          RowWriter<T_> w = writers.at(t, b);
          if (!pad.alive(t, b)) {  // past the end: keep the state (backward reads none of this row)
            chunks<T_>(H, [&](int64_t j, int64_t n) {
              st(ld(c_prev + j, n), c_row + j, n);
              if (craw_row != c_row) st(ld(c_prev + j, n), craw_row + j, n);
              w.put(ld(h_prev + j, n), j, n, false);
            });
            ainv_p[row] = rinv_p[row] = cst_row[0] = cst_row[1] = T_(0);
            continue;
          }
          const RowStats as = row_stats(a, 4 * H, eps), rs = row_stats(r, 4 * H, eps);
          const Vec<T_> a_mean(T_(as.mean)), a_inv(T_(as.inv_std)), r_mean(T_(rs.mean)), r_inv(T_(rs.inv_std));
          ainv_p[row] = T_(as.inv_std);
          rinv_p[row] = T_(rs.inv_std);
          chunks<T_>(H, [&](int64_t j, int64_t n) {  // the gates, C~_t
            Vec<T_> z[4];
            for (int k = 0; k < 4; ++k) {
              const int64_t q = k * H + j;
              const Vec<T_> x_hat = (ld(a + q, n) - a_mean) * a_inv, r_hat = (ld(r + q, n) - r_mean) * r_inv;
              if (keep) { st(x_hat, a + q, n); st(r_hat, r + q, n); }
              z[k] = at::vec::fmadd(r_hat, ld(gh + q, n), at::vec::fmadd(x_hat, ld(gi + q, n), ld(bi + q, n)));
            }
            const Vec<T_> cpv = ld(c_prev + j, n);
            if (pp) {
              z[0] = at::vec::fmadd(ld(pp + j, n), cpv, z[0]);
              z[1] = at::vec::fmadd(ld(pp + H + j, n), cpv, z[1]);
            }
            const Vec<T_> i = sigmoid(z[0]), f = sigmoid(z[1]), gg = tanh(z[2]);
            const Vec<T_> c = at::vec::fmadd(f, cpv, i * gg);
            if (pp) z[3] = at::vec::fmadd(ld(pp + 2 * H + j, n), c, z[3]);
            const Vec<T_> o = sigmoid(z[3]);
            if (keep) { st(i, g + j, n); st(f, g + H + j, n); st(gg, g + 2 * H + j, n); }
            st(o, g + 3 * H + j, n);  // read back by the h_t pass
            st(c, craw_row + j, n);
          });
          const RowStats cst = row_stats(craw_row, H, eps);
          const Vec<T_> c_mean(T_(cst.mean)), c_inv(T_(cst.inv_std));
          cst_row[0] = T_(cst.mean);
          cst_row[1] = T_(cst.inv_std);
          chunks<T_>(H, [&](int64_t j, int64_t n) {  // LN(C~_t), h_t, zoneout
            const Vec<T_> c = ld(craw_row + j, n);
            const Vec<T_> c_hat = (c - c_mean) * c_inv;
            const Vec<T_> tc = tanh(at::vec::fmadd(c_hat, ld(gc + j, n), ld(bc + j, n)));
            st(tc, tc_row + j, n);
            Vec<T_> h = ld(g + 3 * H + j, n) * tc;
            if (zh.on()) h = zone_lerp(h, ld(h_prev + j, n), zh.get(zh_row, j, n));
            if (zc.on()) st(zone_lerp(c, ld(c_prev + j, n), zc.get(zc_row, j, n)), c_row + j, n);
            w.put(h, j, n, true);
          });
        }
      });
    }
    release_brgemm(brg);
    });
  });
  return {fb.out, fb.hs, cs, gates, tcs, craw, ahat, ainv, rhat, rinv, cstat};
}

std::vector<Tensor> lstm_ln_backward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                                     const Tensor& gain_ih, const Tensor& w_hh, const Tensor& gain_hh,
                                     const Tensor& gain_c, const OptTensor& peep, const OptTensor& lengths,
                                     const OptTensor& mask, const Tensor& hs, const Tensor& cs, const Tensor& gates,
                                     const Tensor& tcs, const Tensor& craw, const Tensor& ahat, const Tensor& ainv,
                                     const Tensor& rhat, const Tensor& rinv, const Tensor& cstat,
                                     const OptTensor& zone_h, const OptTensor& zone_c, const Tensor& grad_out,
                                     const Tensor& grad_hT, const Tensor& grad_cT, bool need_grad_x) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = h0.size(1);
  const Padding pad(lengths);
  Tensor dA = at::empty({T, B, 4 * H}, x.options());  // grads of z_t per row, then of W_ih x_t (through its LN)
  Tensor dR = at::empty({T, B, 4 * H}, x.options());  // grads of W_hh h_in (through its LN)
  Tensor dPre = at::empty({B, H}, x.options());  // this step's grads of LN(C~_t) γ_c + β_c
  const bool brg = x.scalar_type() == at::kFloat && use_brgemm<float>();
  ThreadSums sum_gain_ih(4 * H, x), sum_bias(4 * H, x), sum_gain_hh(4 * H, x), sum_gain_c(H, x), sum_bias_c(H, x);
  ThreadSums sum_peep(has(peep) ? 3 * H : 0, x);  // w_ci, w_cf read C(t-1); w_co reads C~(t)
  BackwardCarry carry(grad_hT);
  Tensor dc = grad_cT.clone();  // (B, H), updated in place to dC(t-1)
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_ln_backward", [&] {
    using T_ = scalar_t;
    T_* const ahat_p = ahat.data_ptr<T_>();  // row pointers taken once
    T_* const ainv_p = ainv.data_ptr<T_>();
    T_* const craw_p = craw.data_ptr<T_>();
    T_* const cstat_p = cstat.data_ptr<T_>();
    T_* const dA_p = dA.data_ptr<T_>();
    T_* const dPre_p = dPre.data_ptr<T_>();
    T_* const dR_p = dR.data_ptr<T_>();
    T_* const gates_p = gates.data_ptr<T_>();
    T_* const grad_out_p = grad_out.data_ptr<T_>();
    T_* const rhat_p = rhat.data_ptr<T_>();
    T_* const rinv_p = rinv.data_ptr<T_>();
    T_* const tcs_p = tcs.data_ptr<T_>();
    const PrevRows<T_> c_prevs(cs, c0);  // s(t-1) rows
    const T_* pp = has(peep) ? peep->data_ptr<T_>() : nullptr;
    const T_* mp = has(mask) ? mask->data_ptr<T_>() : nullptr;
    const T_* gi = gain_ih.data_ptr<T_>();
    const T_* gh = gain_hh.data_ptr<T_>();
    const T_* gc = gain_c.data_ptr<T_>();
    const Zoneout<T_> zh(zone_h), zc(zone_c);
    T_* direct = carry.direct.data_ptr<T_>();
    const T_* gemm = carry.gemm.data_ptr<T_>();
    T_* dcp = dc.data_ptr<T_>();
    over_batch(B, [&](int64_t s0, int64_t s1) {
    for (int64_t t = T - 1; t >= 0; --t) {
      over_rows(s0, s1, 8 * H, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t row = t * B + b;
          const T_* g = gates_p + row * 4 * H;
          const T_* a = ahat_p + row * 4 * H;
          const T_* r = rhat_p + row * 4 * H;
          const T_* tc_row = tcs_p + row * H;
          const T_* craw_row = craw_p + row * H;
          const T_* c_prev = c_prevs.row(t, b);
          const T_* gout = grad_out_p + row * H;
          T_* da = dA_p + row * 4 * H;
          T_* dr = dR_p + row * 4 * H;
          T_* dpre = dPre_p + b * H;
          T_* dir = direct + b * H;
          T_* dcr = dcp + b * H;
          const T_* m = mp ? mp + b * H : nullptr;
          const T_* zh_row = zh.row(t, b);
          const T_* zc_row = zc.row(t, b);
          const Vec<T_> zero(T_(0)), one(T_(1));
          if (!pad.alive(t, b)) {  // padded step: the gradient passes to the previous state untouched
            chunks<T_>(H, [&](int64_t j, int64_t n) {
              st(incoming_dh(dir, gemm + b * H, m, (const T_*)nullptr, j, n), dir + j, n);
            });
            chunks<T_>(4 * H, [&](int64_t j, int64_t n) { st(zero, da + j, n); st(zero, dr + j, n); });
            continue;
          }
          T_* acc_gain_c = sum_gain_c.row<T_>();
          T_* acc_bias_c = sum_bias_c.row<T_>();
          const T_* cst_row = cstat_p + row * 2;
          const Vec<T_> c_mean(cst_row[0]), c_inv(cst_row[1]);
          LnGradMeans<T_> c_means;
          chunks<T_>(H, [&](int64_t j, int64_t n) {  // through h_t = o tanh(.): dz_o and the LN(C) input grad
            Vec<T_> dh = incoming_dh(dir, gemm + b * H, m, gout, j, n);
            st(zone_split(zh, zh_row, dh, j, n), dir + j, n);  // zoneout: part skips the step
            const Vec<T_> o = ld(g + 3 * H + j, n), tc = ld(tc_row + j, n);
            const Vec<T_> d_pre = dh * o * (one - tc * tc);
            st(dh * tc * o * (one - o), da + 3 * H + j, n);
            const Vec<T_> c_hat = (ld(craw_row + j, n) - c_mean) * c_inv;  // recomputed, as the forward did
            st(d_pre, dpre + j, n);
            c_means.add(d_pre * ld(gc + j, n), c_hat, n);
            accumulate(acc_gain_c, d_pre * c_hat, j, n);
            accumulate(acc_bias_c, d_pre, j, n);
          });
          const auto [mean_g, mean_gc] = c_means.means(H);
          const Vec<T_> mg(mean_g), mgc(mean_gc);
          T_* acc_gain_ih = sum_gain_ih.row<T_>();
          T_* acc_bias = sum_bias.row<T_>();
          T_* acc_gain_hh = sum_gain_hh.row<T_>();
          T_* acc_peep = pp ? sum_peep.row<T_>() : nullptr;
          LnGradMeans<T_> a_means, r_means;
          chunks<T_>(H, [&](int64_t j, int64_t n) {  // dC_t, the gate grads, dC_{t-1}
            Vec<T_> dc_in = ld(dcr + j, n);
            const Vec<T_> dc_keep = zone_split(zc, zc_row, dc_in, j, n);
            const Vec<T_> c = ld(craw_row + j, n);
            const Vec<T_> gl = ld(dpre + j, n) * ld(gc + j, n);
            Vec<T_> dcv = dc_in + c_inv * (gl - mg - (c - c_mean) * c_inv * mgc);  // + LN's backward
            const Vec<T_> dz_o = ld(da + 3 * H + j, n);
            if (pp) dcv = at::vec::fmadd(dz_o, ld(pp + 2 * H + j, n), dcv);
            const Vec<T_> i = ld(g + j, n), f = ld(g + H + j, n), gg = ld(g + 2 * H + j, n);
            const Vec<T_> cpv = ld(c_prev + j, n);
            const Vec<T_> dz_i = dcv * gg * i * (one - i);
            const Vec<T_> dz_f = dcv * cpv * f * (one - f);
            const Vec<T_> dz_g = dcv * i * (one - gg * gg);
            Vec<T_> dc_prev = dcv * f;
            if (pp) {
              dc_prev = dc_prev + dz_i * ld(pp + j, n) + dz_f * ld(pp + H + j, n);
              accumulate(acc_peep, dz_i * cpv, j, n);
              accumulate(acc_peep, dz_f * cpv, H + j, n);
              accumulate(acc_peep, dz_o * c, 2 * H + j, n);
            }
            st(dz_i, da + j, n); st(dz_f, da + H + j, n); st(dz_g, da + 2 * H + j, n);
            st(zc.on() ? dc_prev + dc_keep : dc_prev, dcr + j, n);
            const Vec<T_> dzs[4] = {dz_i, dz_f, dz_g, dz_o};
            for (int k = 0; k < 4; ++k) {
              const int64_t q = k * H + j;
              const Vec<T_> x_hat = ld(a + q, n), r_hat = ld(r + q, n);
              a_means.add(dzs[k] * ld(gi + q, n), x_hat, n);
              r_means.add(dzs[k] * ld(gh + q, n), r_hat, n);
              accumulate(acc_gain_ih, dzs[k] * x_hat, q, n);
              accumulate(acc_bias, dzs[k], q, n);
              accumulate(acc_gain_hh, dzs[k] * r_hat, q, n);
            }
          });
          const auto [mean_ga, mean_gaa] = a_means.means(4 * H);
          const auto [mean_gr, mean_gra] = r_means.means(4 * H);
          const Vec<T_> a_inv(ainv_p[row]), ma(mean_ga), maa(mean_gaa);
          const Vec<T_> r_inv(rinv_p[row]), mr(mean_gr), mra(mean_gra);
          chunks<T_>(4 * H, [&](int64_t j, int64_t n) {  // through LN(W_hh h_in) γ_hh and LN(W_ih x_t) γ_ih
            const Vec<T_> dz = ld(da + j, n);
            st(r_inv * (dz * ld(gh + j, n) - mr - ld(r + j, n) * mra), dr + j, n);
            st(a_inv * (dz * ld(gi + j, n) - ma - ld(a + j, n) * maa), da + j, n);
          });
        }
      });
      // dh(t-1) through W_hh: (B, 4H) @ (4H, H) on this slice's rows
      mm_rows<T_>(brg, s1 - s0, H, 4 * H, dR.data_ptr<T_>() + (t * B + s0) * 4 * H, 4 * H, w_hh.data_ptr<T_>(),
                  carry.gemm.data_ptr<T_>() + s0 * H, H, false);
    }
    release_brgemm(brg);
    });
  });
  Tensor flat = dA.view({T * B, 4 * H});
  Tensor grad_x = need_grad_x ? flat.mm(w_ih).view({T, B, I}) : Tensor();
  Tensor grad_w_ih = flat.t().mm(x.reshape({T * B, I}));  // (4H, I): one GEMM over all steps
  Tensor grad_w_hh = grad_recurrent(dR, hs, h0, mask);
  Tensor grad_peep = has(peep) ? sum_peep.total().view({3, H}) : Tensor();
  return {grad_x, grad_initial(carry.direct, carry.gemm, mask), dc, grad_w_ih, grad_w_hh, sum_gain_ih.total(),
          sum_bias.total(), sum_gain_hh.total(), sum_gain_c.total(), sum_bias_c.total(), grad_peep};
}
