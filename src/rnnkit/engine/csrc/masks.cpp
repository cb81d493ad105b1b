// Zoneout's Bernoulli masks: a counter-based sampler, independent of torch's generator.

#include "kernels.h"

// Bernoulli(p) masks for zoneout, drawn in parallel: out[i] = 1 where u_i < p, else 0. u_i is the top
// 32 bits of SplitMix64 (Steele, Lea & Flood 2014; the generator that seeds xoshiro, passes BigCrush) at
// counter i from `seed`: a counter-based stream, so every thread fills its own range and the masks
// depend only on the seed, not on the thread count. Plain 64-bit integer math the compiler vectorises,
// where torch's CPU generator (mt19937) is sequential.
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
