// Shared helpers of the compiled per-sequence kernels (lstm.cpp, gru.cpp, simple_rnn.cpp): vector
// math, the per-step GEMMs (BLAS, oneDNN brgemm), batch slices over threads, forward/backward
// bookkeeping, zoneout and layer-norm row helpers.
//
// Included by several translation units: everything here is a template or `inline` (one definition
// across the extension) and stays visible to each kernel's optimiser, so hot helpers inline as they
// did when all kernels lived in one file.
//
// The kernels: the same math as the cells' `step` / `step_backward` in rnnkit/cells (the
// source of truth), restructured for speed the way cuDNN and haste do it:
//   forward   input projections of ALL steps in one GEMM; per step one GEMM with weight_hh written in
//             place over that step's projection, then ONE vectorised pass over the gates
//             (at::vec::Vectorized exp/tanh, as torch's own CPU kernels), saving what backward needs;
//   backward  per step one vectorised pass computing the gate gradients, one GEMM for dh(t-1);
//             after the loop the weight gradients as single large GEMMs / reductions over all steps.
// Every kernel but the reset-before GRU: the batch splits into slices, one per thread, each running the
// whole time loop (`over_batch`: rows never interact in the recurrence), and the per-step GEMMs (in the
// LSTM kernels W_ih x_t too) go to oneDNN's brgemm micro-kernel on the slice (float; `mm_rows`), BLAS otherwise.
// Padding (lengths): steps t >= lengths[b] keep the state and output zeros; their gradient passes
// straight to the previous state. Variational recurrent dropout: h(t-1) * mask enters the GEMM.
// Zoneout (Krueger et al. 2016, `rnnkit.engine.masks.zoneout`): per step s_t = d s_{t-1} + (1 - d) s~_t
// with d given as (T, B, F) masks, 0/1 in training or the rate (an expanded constant) in eval; the
// zoned state is what is carried and output, the cell's own s~_t is what its gates and backward read.
// Buffers are time-major (T, B, F) and contiguous; `hs` is the state history h_0..h_{T-1} AFTER each
// step (state h(-1) = h0 is passed separately), so without padding `hs` IS the output.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/cpu/vec/functional.h>
#include <ATen/cpu/vec/vec.h>
#include <ATen/native/CPUBlas.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

using at::Tensor;
template <typename T>
using Vec = at::vec::Vectorized<T>;
using OptTensor = c10::optional<Tensor>;

namespace rnnkit {

// ---- vectorised helpers ---------------------------------------------------------------------------
template <typename T>
inline Vec<T> ld(const T* p, int64_t n) {
  return n == Vec<T>::size() ? Vec<T>::loadu(p) : Vec<T>::loadu(p, n);
}
template <typename T>
inline void st(const Vec<T>& v, T* p, int64_t n) {
  if (n == Vec<T>::size()) v.store(p); else v.store(p, n);
}
// float: torch's fast exp (exp_u20, ~2e-6 relative error, as its softmax kernels) with tanh from
// it; double keeps Sleef's 1-ULP functions so float64 gradchecks see exact math.
template <typename T>
inline Vec<T> sigmoid(const Vec<T>& x) {  // 1 / (1 + e^-x), as torch's sigmoid kernel
  return (Vec<T>(T(1)) + x.neg().exp()).reciprocal();
}
template <>
inline Vec<float> sigmoid(const Vec<float>& x) {
  return (Vec<float>(1.f) + x.neg().exp_u20()).reciprocal();
}
template <typename T>
inline Vec<T> tanh(const Vec<T>& x) {
  return x.tanh();
}
template <>
inline Vec<float> tanh(const Vec<float>& x) {  // 1 - 2 / (1 + e^2x)
  const Vec<float> one(1.f), two(2.f);
  return one - two / (one + (x + x).exp_u20());
}

// ---- the per-step GEMMs, straight to BLAS (no dispatcher or Tensor per call) ----------------------
// Column-major BLAS on row-major buffers: C (M, N) = beta C + A (M, K) @ op(W).
extern "C" {
void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*, const float*, const int*,
            const float*, const int*, const float*, float*, const int*) __attribute__((weak));
void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*, const double*, const int*,
            const double*, const int*, const double*, double*, const int*) __attribute__((weak));
}

template <typename T>
inline bool blas_call(char tw, int m, int n, int k, const T* w, int ldw, const T* a, int lda, T beta, T* c, int ldc);
template <>
inline bool blas_call<float>(char tw, int m, int n, int k, const float* w, int ldw, const float* a, int lda, float beta,
                             float* c, int ldc) {
  if (!sgemm_) return false;
  const char ta = 'N';
  const float one = 1.f;
  sgemm_(&tw, &ta, &m, &n, &k, &one, w, &ldw, a, &lda, &beta, c, &ldc);
  return true;
}
template <>
inline bool blas_call<double>(char tw, int m, int n, int k, const double* w, int ldw, const double* a, int lda,
                              double beta, double* c, int ldc) {
  if (!dgemm_) return false;
  const char ta = 'N';
  const double one = 1.0;
  dgemm_(&tw, &ta, &m, &n, &k, &one, w, &ldw, a, &lda, &beta, c, &ldc);
  return true;
}

// C = beta C + A @ W^T, W (N, K) contiguous; A (M, K) and C (M, N) rows with strides lda, ldc.
template <typename T>
void gemm_wt(const Tensor& A, const Tensor& W, Tensor C, T beta) {
  const int M = A.size(0), K = A.size(1), N = W.size(0);
  if (blas_call<T>('T', N, M, K, W.data_ptr<T>(), K, A.data_ptr<T>(), A.stride(0), beta, C.data_ptr<T>(), C.stride(0)))
    return;
  if (beta == T(0)) at::mm_out(C, A, W.t()); else C.addmm_(A, W.t());
}
// C = beta C + A @ W, W (K, N) contiguous.
template <typename T>
void gemm_w(const Tensor& A, const Tensor& W, Tensor C, T beta) {
  const int M = A.size(0), K = A.size(1), N = W.size(1);
  if (blas_call<T>('N', N, M, K, W.data_ptr<T>(), N, A.data_ptr<T>(), A.stride(0), beta, C.data_ptr<T>(), C.stride(0)))
    return;
  if (beta == T(0)) at::mm_out(C, A, W); else C.addmm_(A, W);
}

// C = beta C + A @ W^T on raw row blocks (a slice of the batch): C (M, N) rows ldc apart, A (M, K) rows lda apart.
template <typename T>
void gemm_wt_rows(int64_t M, const T* A, int64_t lda, const Tensor& W, T* C, int64_t ldc, T beta) {
  const int N = W.size(0), K = W.size(1);
  if (M <= 0) return;
  if (blas_call<T>('T', N, M, K, W.data_ptr<T>(), K, A, lda, beta, C, ldc)) return;
  auto opt = W.options();
  Tensor a = at::from_blob(const_cast<T*>(A), {M, K}, {lda, 1}, opt), c = at::from_blob(C, {M, N}, {ldc, 1}, opt);
  if (beta == T(0)) at::mm_out(c, a, W.t()); else c.addmm_(a, W.t());
}

// Per-step GEMMs of one thread's slice: C (M, N) (+)= A (M, K) @ Bm (K, N), all row-major, Bm contiguous.
// float goes to oneDNN's brgemm micro-kernel (`at::native::cpublas::brgemm`, what torch's own CPU
// attention kernels call per block): on these small per-step shapes it outruns MKL's sgemm, which takes a
// slower path on AVX-512 AMD machines (measurements: benchmarks/HISTORY.md). Used only if a
// probe call at first use works and agrees with BLAS; otherwise (and for double) BLAS as before.
// inline variables (C++17): one flag and one probe result for the whole extension, shared by every
// file's kernels, so `set_brgemm` from the bindings reaches them all.
inline bool g_use_brgemm = true;  // tests switch it off to run the BLAS path too
inline bool brgemm_works() {
#ifndef CPUBLAS_BRGEMM_F32F32F32  // a torch without float brgemm: BLAS only
  return false;
#else
  static const bool works = [] {
    try {
      // Fixed inputs, not at::randn: the probe must not draw from torch's generator, or the first
      // call in a process would shift every later random number (dropout masks) after manual_seed.
      Tensor a = at::arange(15, at::kFloat).reshape({3, 5}).sin(), b = at::arange(35, at::kFloat).reshape({5, 7}).cos();
      Tensor c = at::zeros({3, 7});
      at::native::cpublas::brgemm(3, 7, 5, 5, 7, 7, false, a.data_ptr<float>(), b.data_ptr<float>(),
                                  c.data_ptr<float>(), false);
      at::native::cpublas::brgemm_release(false);
      return at::allclose(c, a.mm(b), 1e-4, 1e-5);
    } catch (...) {
      return false;
    }
  }();
  return works;
#endif
}
template <typename T>
inline bool use_brgemm() { return false; }
template <>
inline bool use_brgemm<float>() { return g_use_brgemm && brgemm_works(); }

template <typename T>
inline void mm_rows(bool brgemm, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* Bm, T* C,
                    int64_t ldc, bool add) {
  if (M <= 0) return;
#ifdef CPUBLAS_BRGEMM_F32F32F32
  if constexpr (std::is_same_v<T, float>) {
    if (brgemm) {
      at::native::cpublas::brgemm(M, N, K, lda, N, ldc, add, A, Bm, C, false);
      return;
    }
  }
#endif
  if (blas_call<T>('N', N, M, K, Bm, N, A, lda, add ? T(1) : T(0), C, ldc)) return;
  auto opt = at::TensorOptions().dtype(c10::CppTypeToScalarType<T>::value);
  Tensor a = at::from_blob(const_cast<T*>(A), {M, K}, {lda, 1}, opt);
  Tensor b = at::from_blob(const_cast<T*>(Bm), {K, N}, opt), c = at::from_blob(C, {M, N}, {ldc, 1}, opt);
  if (add) c.addmm_(a, b); else at::mm_out(c, a, b);
}

// Batch rows never interact in the recurrence (only through the weights, read-only), so a sequence
// splits into batch slices, one per thread, each running the WHOLE time loop on its rows: no barrier
// per step, and each per-step GEMM runs single-threaded on its slice (BLAS called inside a parallel
// region uses one thread). f(s0, s1) runs one slice. Too few rows per thread: one slice on the calling
// thread (f(0, B)), where BLAS and `over_rows` thread each step as before.
constexpr int64_t kMinSliceRows = 8;
inline int64_t g_min_slice_rows = kMinSliceRows;  // tests force 1
template <typename F>
void over_batch(int64_t B, const F& f) {
  const int64_t parts = std::min<int64_t>(at::get_num_threads(), B / std::max<int64_t>(1, g_min_slice_rows));
  if (parts <= 1 || at::in_parallel_region()) {
    f(int64_t(0), B);
    return;
  }
  at::parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p * B / parts, (p + 1) * B / parts);
  });
}
// Releases what brgemm holds per thread (hardware context on AMX machines, nothing elsewhere).
inline void release_brgemm(bool used) {
#ifdef CPUBLAS_BRGEMM_F32F32F32
  if (used) at::native::cpublas::brgemm_release(false);
#endif
}

// Call f(j, n) over [0, width) in vector-sized chunks (n < size only for the tail).
template <typename T, typename F>
inline void chunks(int64_t width, const F& f) {
  constexpr int64_t W = Vec<T>::size();
  int64_t j = 0;
  for (; j + W <= width; j += W) f(j, W);
  if (j < width) f(j, width - j);
}

// Rows [0, B) in parallel when a step carries enough elementwise work to pay for the fork.
template <typename F>
inline void over_rows(int64_t B, int64_t row_width, const F& f) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, row_width));
  at::parallel_for(0, B, grain, f);
}
// Rows [b0, b1) of one batch slice: in parallel only when the slice is the whole batch (`over_batch`
// did not split). Inside a thread's slice f runs directly: `at::parallel_for` would run it inline too,
// but under thread id 0, and the per-thread sums (`ThreadSums`) must see the thread's own id.
template <typename F>
inline void over_rows(int64_t b0, int64_t b1, int64_t row_width, const F& f) {
  if (at::in_parallel_region()) {
    f(b0, b1);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, row_width));
  at::parallel_for(b0, b1, grain, f);
}

struct Padding {  // lengths: alive(t, b) = t < lengths[b]
  const int64_t* len = nullptr;
  explicit Padding(const OptTensor& lengths) {
    if (lengths.has_value() && lengths->defined()) len = lengths->data_ptr<int64_t>();
  }
  bool any() const { return len != nullptr; }
  bool alive(int64_t t, int64_t b) const { return len == nullptr || t < len[b]; }
};

inline bool has(const OptTensor& t) { return t.has_value() && t->defined(); }

// dh arriving at step t: carried direct part + (dh(t) from the GEMM) * mask + output gradient.
template <typename T>
inline Vec<T> incoming_dh(const T* direct, const T* gemm, const T* mask, const T* gout, int64_t j, int64_t n) {
  Vec<T> g = ld(gemm + j, n);
  if (mask) g = g * ld(mask + j, n);
  Vec<T> dh = ld(direct + j, n) + g;
  if (gout) dh = dh + ld(gout + j, n);
  return dh;
}

// grad_h0 = direct + gemm * mask (what is left after the backward loop).
inline Tensor grad_initial(const Tensor& direct, const Tensor& gemm, const OptTensor& mask) {
  return has(mask) ? direct + gemm * *mask : direct + gemm;
}

// sum_t dZ_t^T (h_{t-1} * mask): one GEMM over steps 1..T-1 plus step 0 with h0. dZ (T, B, N) may be a
// last-dim slice; hs (T, B, R) the state history; returns (N, R).
inline Tensor grad_recurrent(const Tensor& dZ, const Tensor& hs, const Tensor& h0, const OptTensor& mask) {
  const int64_t T = dZ.size(0), N = dZ.size(2), R = h0.size(1);
  Tensor h0_in = has(mask) ? h0 * *mask : h0;  // (B, R)
  Tensor grad = dZ.select(0, 0).t().mm(h0_in);  // (N, R)
  if (T > 1) {
    Tensor prev = hs.narrow(0, 0, T - 1);  // (T-1, B, R)
    if (has(mask)) prev = prev * *mask;
    grad.addmm_(dZ.narrow(0, 1, T - 1).reshape({-1, N}).t(), prev.reshape({-1, R}));
  }
  return grad;
}

// (T, B, I) @ W^T + b for all steps at once: the hoisted input projection.
inline Tensor project(const Tensor& x, const Tensor& w_ih, const Tensor& bias) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2);
  return at::addmm(bias, x.reshape({T * B, I}), w_ih.t()).view({T, B, -1});  // (T, B, G*H)
}

// Shared bookkeeping of a forward loop: state history, optional separate outputs, masked h_in.
struct ForwardBuffers {
  Tensor hs, out, hin;  // (T, B, H), (T, B, H) or == hs, (B, H) h(t-1) * mask
  ForwardBuffers(const Tensor& h0, int64_t T, const Padding& pad, const OptTensor& mask) {
    const int64_t B = h0.size(0), H = h0.size(1);
    hs = at::empty({T, B, H}, h0.options());
    out = pad.any() ? at::empty({T, B, H}, h0.options()) : hs;
    hin = has(mask) ? (h0 * *mask).contiguous() : Tensor();
  }
  // the h(t-1) that enters the recurrent GEMM at step t
  Tensor gemm_input(int64_t t, const Tensor& h0) const {
    if (hin.defined()) return hin;
    return t == 0 ? h0 : hs.select(0, t - 1);
  }
};

// Writes h into the state history, the output (0 past the end) and the next step's masked h_in.
template <typename T>
struct RowWriter {
  T* hs_row; T* out_row; T* hin_row; const T* mask;
  inline void put(const Vec<T>& h, int64_t j, int64_t n, bool alive) const {
    st(h, hs_row + j, n);
    if (out_row != hs_row) st(alive ? h : Vec<T>(T(0)), out_row + j, n);
    if (hin_row) st(h * ld(mask + j, n), hin_row + j, n);
  }
};

// Every row's writer, from pointers taken once (Tensor::data_ptr's checks per row and step showed in profiles
// at small hidden sizes).
template <typename T>
struct RowWriters {
  T* hs; T* out; T* hin; const T* mask; int64_t B, H;
  RowWriters(ForwardBuffers& fb, const OptTensor& m)
      : hs(fb.hs.data_ptr<T>()), out(fb.out.data_ptr<T>()), hin(fb.hin.defined() ? fb.hin.data_ptr<T>() : nullptr),
        mask(has(m) ? m->data_ptr<T>() : nullptr), B(fb.hs.size(1)), H(fb.hs.size(2)) {}
  RowWriter<T> at(int64_t t, int64_t b) const {
    const int64_t r = (t * B + b) * H;
    return {hs + r, out + r, hin ? hin + b * H : nullptr, mask ? mask + b * H : nullptr};
  }
};

// s(t-1) of batch row b: a row of the history `hist` (T, B, H), or of `init` (B, H) at t = 0.
template <typename T>
struct PrevRows {
  const T* hist; const T* init; int64_t B, H;
  PrevRows(const Tensor& hist_, const Tensor& init_)
      : hist(hist_.data_ptr<T>()), init(init_.data_ptr<T>()), B(init_.size(0)), H(init_.size(1)) {}
  const T* row(int64_t t, int64_t b) const { return t == 0 ? init + b * H : hist + ((t - 1) * B + b) * H; }
};

// Backward carry: dh from the direct paths and from the recurrent GEMM.
struct BackwardCarry {
  Tensor direct, gemm;  // (B, H) each
  BackwardCarry(const Tensor& grad_hT) {
    direct = grad_hT.clone();
    gemm = at::zeros_like(grad_hT);
  }
};

// Zoneout masks d (T, B, F), any row strides; a last-dim stride of 0 (the eval expectation, an
// expanded constant) broadcasts each row's first element.
template <typename T>
struct Zoneout {
  const T* p = nullptr;
  int64_t s0 = 0, s1 = 0;
  bool bcast = false;
  explicit Zoneout(const OptTensor& d) {
    if (!has(d)) return;
    p = d->data_ptr<T>();
    s0 = d->stride(0);
    s1 = d->stride(1);
    bcast = d->stride(2) == 0;
  }
  bool on() const { return p != nullptr; }
  const T* row(int64_t t, int64_t b) const { return p ? p + t * s0 + b * s1 : nullptr; }
  Vec<T> get(const T* r, int64_t j, int64_t n) const { return bcast ? Vec<T>(r[0]) : ld(r + j, n); }
};

// zoneout's lerp, as torch.lerp(start, end, w) in torch's CPU kernel: start + w (end - start) for |w| < 0.5,
// else end - (1 - w)(end - start), so d = 1 gives end bit for bit.
template <typename T>
inline Vec<T> zone_lerp(const Vec<T>& start, const Vec<T>& end, const Vec<T>& w) {
  const Vec<T> low = w.abs() < Vec<T>(T(0.5));
  const Vec<T> coeff = Vec<T>::blendv(w - Vec<T>(T(1)), w, low);
  const Vec<T> base = Vec<T>::blendv(end, start, low);
  return at::vec::fmadd(coeff, end - start, base);
}

// Backward through zoneout: g splits into g (1 - d), into the cell's step, and g d, straight to s(t-1).
template <typename T>
inline Vec<T> zone_split(const Zoneout<T>& z, const T* row, Vec<T>& g, int64_t j, int64_t n) {
  if (!z.on()) return Vec<T>(T(0));
  const Vec<T> d = z.get(row, j, n);
  const Vec<T> keep = g * d;
  g = g * (Vec<T>(T(1)) - d);
  return keep;
}

// ---- layer norm (Ba et al. 2016; rnnkit/cells/norm.py) over one cache-resident row ----------------
// The sum of a vector's lanes: torch's shuffle tree (a few instructions, where a loop over 16 stored
// lanes costs ~16 dependent adds: felt at hidden 32, several reductions per row and step).
template <typename T>
inline T hsum(const Vec<T>& v) {
  return at::vec::vec_reduce_all<T>([](Vec<T>& a, Vec<T>& b) { return a + b; }, v);
}

// Sum over [0, width) of f(j, n), a Vec whose lanes >= n are ignored.
template <typename T, typename F>
inline T row_sum(int64_t width, const F& f) {
  constexpr int64_t W = Vec<T>::size();
  Vec<T> acc(T(0));
  chunks<T>(width, [&](int64_t j, int64_t n) {
    const Vec<T> v = f(j, n);
    acc = acc + (n == W ? v : Vec<T>::set(Vec<T>(T(0)), v, n));
  });
  return hsum(acc);
}

struct RowStats {  // mean and 1 / sqrt(var + eps) of one row, var the biased (population) variance
  double mean, inv_std;
};

// Two passes (mean, then the mean squared deviation), as torch.var_mean's accuracy needs.
template <typename T>
inline RowStats row_stats(const T* a, int64_t width, double eps) {
  const T mean = row_sum<T>(width, [&](int64_t j, int64_t n) { return ld(a + j, n); }) / T(width);
  const Vec<T> mv(mean);
  const T var = row_sum<T>(width, [&](int64_t j, int64_t n) {
    const Vec<T> d = ld(a + j, n) - mv;
    return d * d;
  }) / T(width);
  return {double(mean), 1.0 / std::sqrt(double(var) + eps)};
}

// The two row means LN's backward needs, accumulated chunk by chunk: mean(g) and mean(g ⊙ â).
template <typename T>
struct LnGradMeans {
  Vec<T> sum_g{T(0)}, sum_ga{T(0)};
  inline void add(Vec<T> g, const Vec<T>& ahat, int64_t n) {
    if (n != Vec<T>::size()) g = Vec<T>::set(Vec<T>(T(0)), g, n);
    sum_g = sum_g + g;
    sum_ga = at::vec::fmadd(g, ahat, sum_ga);
  }
  std::pair<T, T> means(int64_t width) const {
    return {hsum(sum_g) / T(width), hsum(sum_ga) / T(width)};
  }
};

// Per-thread sums of a parameter's gradient over all steps and rows (the LN gains), folded after the loop:
// accumulated inside the per-step pass on a cache-resident row, no (T, B, F) product to reduce later.
struct ThreadSums {
  Tensor buf;  // (threads, width)
  ThreadSums(int64_t width, const Tensor& like) : buf(at::zeros({at::get_num_threads(), width}, like.options())) {}
  template <typename T>
  T* row() const { return buf.data_ptr<T>() + at::get_thread_num() * buf.size(1); }
  Tensor total() const { return buf.sum(0); }
};
template <typename T>
inline void accumulate(T* acc, const Vec<T>& v, int64_t j, int64_t n) {
  st(ld(acc + j, n) + v, acc + j, n);
}

}  // namespace rnnkit
