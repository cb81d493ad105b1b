// The extension's Python module: binds the kernels of lstm.cpp, gru.cpp, simple_rnn.cpp, minimal.cpp and masks.cpp,
// the build's instruction set, and the switches tests use. The only file holding PYBIND11_MODULE.
#include <torch/extension.h>

#include "kernels.h"

using namespace rnnkit;  // the switches and Vec of common.h

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
  m.def("min_scan_forward", &min_scan_forward);
  m.def("min_scan_backward", &min_scan_backward);
  m.def("capability", &capability);
  m.def("bernoulli_masks", &bernoulli_masks);
  m.def("set_min_slice_rows", [](int64_t rows) { g_min_slice_rows = rows; });  // tests: slices of few rows
  m.def("default_min_slice_rows", [] { return kMinSliceRows; });
  m.def("set_brgemm", [](bool on) { g_use_brgemm = on; });  // tests: the BLAS path too
  m.def("brgemm_active", [] { return use_brgemm<float>(); });
  m.def("vector_width_float", [] { return (int64_t)Vec<float>::size(); });
}
