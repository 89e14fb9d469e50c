#pragma once
// One fuzz target per input lokku parses (issue #25 point 3). Each file defines its target
// with LOKKU_FUZZ_TARGET(name) { ... }: in the fuzz build (clang, -fsanitize=fuzzer, one
// executable per target, bench/fuzz) it is libFuzzer's LLVMFuzzerTestOneInput; in the test
// build every target is registered in one replay program (replay_main.cpp) that runs each
// over its seed corpus, its regressions (crashing inputs found and fixed) and a fixed number
// of mutations of them, under ASan and UBSan.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lokku::fuzz {

using Target = int (*)(const std::uint8_t* data, std::size_t size);
bool add(const char* name, Target target);

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace lokku::fuzz

#ifdef LOKKU_LIBFUZZER
#define LOKKU_FUZZ_TARGET(name) \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#else
#define LOKKU_FUZZ_TARGET(name)                                                                \
  static int fuzz_##name(const std::uint8_t* data, std::size_t size);                          \
  [[maybe_unused]] static const bool registered_##name = lokku::fuzz::add(#name, fuzz_##name); \
  static int fuzz_##name(const std::uint8_t* data, std::size_t size)
#endif
