// The kernels' entry points, one forward and one backward per cell variant, defined in the family
// files and bound to Python in bindings.cpp; argument order is compiled.py's calling convention.
#pragma once

#include "common.h"

// lstm.cpp
std::vector<Tensor> lstm_forward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                                 const Tensor& w_hh, const Tensor& bias, const OptTensor& peep,
                                 const OptTensor& lengths, const OptTensor& mask, const OptTensor& zone_h,
                                 const OptTensor& zone_c, bool keep);
std::vector<Tensor> lstm_backward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                                  const Tensor& w_hh, const OptTensor& peep, const OptTensor& lengths,
                                  const OptTensor& mask, const Tensor& hs, const Tensor& cs, const Tensor& gates,
                                  const Tensor& tcs, const OptTensor& zone_h, const OptTensor& zone_c,
                                  const OptTensor& craw, const Tensor& grad_out, const Tensor& grad_hT,
                                  const Tensor& grad_cT, bool need_grad_x);
std::vector<Tensor> lstm_ln_forward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                                    const Tensor& gain_ih, const Tensor& bias, const Tensor& w_hh,
                                    const Tensor& gain_hh, const Tensor& gain_c, const Tensor& bias_c,
                                    const OptTensor& peep, const OptTensor& lengths, const OptTensor& mask,
                                    const OptTensor& zone_h, const OptTensor& zone_c, double eps, bool keep);
std::vector<Tensor> lstm_ln_backward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                                     const Tensor& gain_ih, const Tensor& w_hh, const Tensor& gain_hh,
                                     const Tensor& gain_c, const OptTensor& peep, const OptTensor& lengths,
                                     const OptTensor& mask, const Tensor& hs, const Tensor& cs, const Tensor& gates,
                                     const Tensor& tcs, const Tensor& craw, const Tensor& ahat, const Tensor& ainv,
                                     const Tensor& rhat, const Tensor& rinv, const Tensor& cstat,
                                     const OptTensor& zone_h, const OptTensor& zone_c, const Tensor& grad_out,
                                     const Tensor& grad_hT, const Tensor& grad_cT, bool need_grad_x);

// gru.cpp
std::vector<Tensor> gru_after_forward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                      const Tensor& bias, const Tensor& bias_hh, const OptTensor& lengths,
                                      const OptTensor& mask, const OptTensor& zone_h);
std::vector<Tensor> gru_after_backward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                       const OptTensor& lengths, const OptTensor& mask, const Tensor& hs,
                                       const Tensor& gates, const Tensor& hn, const OptTensor& zone_h,
                                       const Tensor& grad_out, const Tensor& grad_hT, bool need_grad_x);
std::vector<Tensor> gru_ln_forward(const Tensor& xp, const Tensor& h0, const Tensor& w_hh, const Tensor& gain_hh,
                                   const Tensor& bias_hh, const OptTensor& lengths, const OptTensor& mask,
                                   const OptTensor& zone_h, double eps, bool keep);
std::vector<Tensor> gru_ln_backward(const Tensor& h0, const Tensor& w_hh, const Tensor& gain_hh,
                                    const OptTensor& lengths, const OptTensor& mask, const Tensor& hs,
                                    const Tensor& gates, const Tensor& hn, const Tensor& rhat, const Tensor& rinv,
                                    const OptTensor& zone_h, const Tensor& grad_out, const Tensor& grad_hT);
std::vector<Tensor> gru_before_forward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                       const Tensor& bias, const OptTensor& lengths, const OptTensor& mask,
                                       const OptTensor& zone_h);
std::vector<Tensor> gru_before_backward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                        const OptTensor& lengths, const OptTensor& mask, const Tensor& hs,
                                        const Tensor& gates, const Tensor& rh, const OptTensor& zone_h,
                                        const Tensor& grad_out, const Tensor& grad_hT, bool need_grad_x);

// simple_rnn.cpp
std::vector<Tensor> simple_forward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                   const Tensor& bias, bool relu, const OptTensor& lengths, const OptTensor& mask,
                                   const OptTensor& zone_h);
std::vector<Tensor> simple_backward(const Tensor& x, const Tensor& h0, const Tensor& w_ih, const Tensor& w_hh,
                                    bool relu, const OptTensor& lengths, const OptTensor& mask, const Tensor& hs,
                                    const OptTensor& zone_h, const OptTensor& hraw, const Tensor& grad_out,
                                    const Tensor& grad_hT, bool need_grad_x);

// masks.cpp
Tensor bernoulli_masks(Tensor out, double p, int64_t seed);

// minimal.cpp (minGRU: lstm = false, minLSTM: lstm = true; the scan runner's "compiled" method)
Tensor min_scan_forward(const Tensor& xp, const Tensor& h0, bool lstm);
std::vector<Tensor> min_scan_backward(const Tensor& xp, const Tensor& h0, const Tensor& h, const Tensor& grad_h,
                                      bool lstm);
