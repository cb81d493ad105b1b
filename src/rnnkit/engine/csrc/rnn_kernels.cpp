// Compiled per-sequence kernels for the hot cells: LSTM (peepholes), GRU (reset after / before), SimpleRNN.
//
// The same math as the cells' `cell_step` / `cell_step_backward` in rnnkit/cells (the source of truth),
// restructured for speed the way cuDNN and haste do it:
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
// Zoneout (Krueger et al. 2016, `RecurrentCell.step_with_cache`): per step s_t = d s_{t-1} + (1 - d) s~_t
// with d given as (T, B, F) masks, 0/1 in training or the rate (an expanded constant) in eval; the
// zoned state is what is carried and output, the cell's own s~_t is what its gates and backward read.
// Buffers are time-major (T, B, F) and contiguous; `hs` is the state history h_0..h_{T-1} AFTER each
// step (state h(-1) = h0 is passed separately), so without padding `hs` IS the output.
#include <torch/extension.h>
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

namespace {

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
// attention kernels call per block): single-threaded it ran these shapes at 90-110 GFLOP/s where MKL's
// sgemm ran 57-88 on this machine (AVX-512 on AMD, where MKL takes a slower path). Used only if a
// probe call at first use works and agrees with BLAS; otherwise (and for double) BLAS as before.
bool g_use_brgemm = true;  // tests switch it off to run the BLAS path too
bool brgemm_works() {
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
int64_t g_min_slice_rows = kMinSliceRows;  // tests force 1
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

bool has(const OptTensor& t) { return t.has_value() && t->defined(); }

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
Tensor grad_initial(const Tensor& direct, const Tensor& gemm, const OptTensor& mask) {
  return has(mask) ? direct + gemm * *mask : direct + gemm;
}

// sum_t dZ_t^T (h_{t-1} * mask): one GEMM over steps 1..T-1 plus step 0 with h0. dZ (T, B, N) may be a
// last-dim slice; hs (T, B, R) the state history; returns (N, R).
Tensor grad_recurrent(const Tensor& dZ, const Tensor& hs, const Tensor& h0, const OptTensor& mask) {
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
Tensor project(const Tensor& x, const Tensor& w_ih, const Tensor& bias) {
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

// Every row's writer, from pointers taken once (a Tensor's data_ptr per row and step cost ~15% at hidden 32).
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

}  // namespace

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

// Bernoulli(p) masks for zoneout, drawn in parallel: out[i] = 1 where u_i < p, else 0. u_i is the top
// 32 bits of SplitMix64 (Steele, Lea & Flood 2014; the generator that seeds xoshiro, passes BigCrush) at
// counter i from `seed`: a counter-based stream, so every thread fills its own range and the masks
// depend only on the seed, not on the thread count. Plain 64-bit integer math the compiler vectorises:
// about 1 ns per element, where torch's CPU generator (mt19937, sequential) costs ~4 ns with the compare.
Tensor bernoulli_masks(Tensor out, double p, int64_t seed) {
  TORCH_CHECK(out.is_contiguous(), "bernoulli_masks: out must be contiguous");
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "bernoulli_masks: p must be in [0, 1], got ", p);
  const uint64_t threshold = static_cast<uint64_t>(std::llround(p * 4294967296.0));  // p * 2^32
  const uint64_t key = static_cast<uint64_t>(seed);
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "bernoulli_masks", [&] {
    scalar_t* o = out.data_ptr<scalar_t>();
    at::parallel_for(0, out.numel(), 1 << 15, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        uint64_t z = key + (static_cast<uint64_t>(i) + 1) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        o[i] = (z >> 32) < threshold ? scalar_t(1) : scalar_t(0);
      }
    });
  });
  return out;
}

std::string capability() {
#if defined(CPU_CAPABILITY_AVX512)
  return "avx512";
#elif defined(CPU_CAPABILITY_AVX2)
  return "avx2";
#else
  return "default";
#endif
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "rnnkit's compiled per-sequence RNN kernels (vectorised gates, batched weight gradients)";
  m.def("lstm_forward", &lstm_forward);
  m.def("lstm_backward", &lstm_backward);
  m.def("lstm_ln_forward", &lstm_ln_forward);
  m.def("lstm_ln_backward", &lstm_ln_backward);
  m.def("gru_ln_forward", &gru_ln_forward);
  m.def("gru_ln_backward", &gru_ln_backward);
  m.def("gru_after_forward", &gru_after_forward);
  m.def("gru_after_backward", &gru_after_backward);
  m.def("gru_before_forward", &gru_before_forward);
  m.def("gru_before_backward", &gru_before_backward);
  m.def("simple_forward", &simple_forward);
  m.def("simple_backward", &simple_backward);
  m.def("capability", &capability);
  m.def("bernoulli_masks", &bernoulli_masks);
  m.def("set_min_slice_rows", [](int64_t rows) { g_min_slice_rows = rows; });  // tests: slices of few rows
  m.def("default_min_slice_rows", [] { return kMinSliceRows; });
  m.def("set_brgemm", [](bool on) { g_use_brgemm = on; });  // tests: the BLAS path too
  m.def("brgemm_active", [] { return use_brgemm<float>(); });
  m.def("vector_width_float", [] { return (int64_t)Vec<float>::size(); });
}
