// The fuzz targets in the test suite: `lokku_fuzz_replay TARGET DIR...` runs TARGET on every
// file of the DIRs (its seed corpus, its regressions), then on `--mutations N` (default 2000)
// mutations of them drawn from a fixed seed, so a run is the same every time. A crash is the
// sanitizers' report and a non-zero exit; `lokku_fuzz_replay --list` names the targets.
#include "fuzz_target.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace lokku::fuzz {

namespace {

std::map<std::string, Target>& registry() {
  static std::map<std::string, Target> targets;
  return targets;
}

std::vector<std::uint8_t> read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// libFuzzer's simplest moves: flip, insert, erase, duplicate a span, splice another input.
std::vector<std::uint8_t> mutate(std::vector<std::uint8_t> in,
                                 const std::vector<std::vector<std::uint8_t>>& all,
                                 std::mt19937_64& rng) {
  auto below = [&](std::size_t n) { return n == 0 ? 0 : std::size_t(rng() % n); };
  const int moves = 1 + int(below(4));
  for (int m = 0; m < moves; ++m) {
    switch (below(5)) {
      case 0:
        if (!in.empty()) {
          in[below(in.size())] ^= std::uint8_t(1u << below(8));
        }
        break;
      case 1:
        in.insert(in.begin() + std::ptrdiff_t(below(in.size() + 1)),
                  std::uint8_t("\r\n:;=\"'{}[],# \t\\0x-"[below(19)]));
        break;
      case 2:
        if (!in.empty()) {
          const auto at = below(in.size());
          in.erase(in.begin() + std::ptrdiff_t(at),
                   in.begin() + std::ptrdiff_t(std::min(in.size(), at + 1 + below(8))));
        }
        break;
      case 3:
        if (!in.empty() && in.size() < 65536) {
          const auto at = below(in.size());
          const auto len = std::min(in.size() - at, 1 + below(32));
          std::vector<std::uint8_t> span(in.begin() + std::ptrdiff_t(at),
                                         in.begin() + std::ptrdiff_t(at + len));
          in.insert(in.begin() + std::ptrdiff_t(below(in.size() + 1)), span.begin(), span.end());
        }
        break;
      default: {
        const auto& other = all[below(all.size())];
        if (!other.empty()) {
          const auto cut = below(in.size() + 1);
          const auto from = below(other.size());
          in.resize(cut);
          in.insert(in.end(), other.begin() + std::ptrdiff_t(from), other.end());
        }
      }
    }
  }
  return in;
}

}  // namespace

bool add(const char* name, Target target) {
  registry()[name] = target;
  return true;
}

}  // namespace lokku::fuzz

int main(int argc, char** argv) {
  using namespace lokku::fuzz;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "--list") {
    for (const auto& [name, target] : registry()) {
      std::printf("%s\n", name.c_str());
    }
    return 0;
  }
  long mutations = 2000;
  if (args.size() >= 2 && args[0] == "--mutations") {
    mutations = std::strtol(args[1].c_str(), nullptr, 10);
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty() || !registry().count(args[0])) {
    std::fprintf(stderr,
                 "usage: lokku_fuzz_replay [--mutations N] TARGET DIR... (--list: the targets)\n");
    return 2;
  }
  const Target target = registry()[args[0]];
  std::vector<std::vector<std::uint8_t>> inputs;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(args[i], ec)) {
      if (e.is_regular_file()) {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      inputs.push_back(read(f));
      target(inputs.back().data(), inputs.back().size());
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "lokku_fuzz_replay: no inputs for %s\n", args[0].c_str());
    return 2;
  }
  // $LOKKU_FUZZ_LAST: each mutation is written there before it runs, so the one that
  // crashes can be kept as a regression (tests/fuzz/regressions/<target>/).
  const char* last = std::getenv("LOKKU_FUZZ_LAST");
  std::mt19937_64 rng(20261207);
  for (long i = 0; i < mutations; ++i) {
    auto m = mutate(inputs[std::size_t(i) % inputs.size()], inputs, rng);
    if (last != nullptr) {
      std::ofstream(last, std::ios::binary | std::ios::trunc)
          .write(reinterpret_cast<const char*>(m.data()), std::streamsize(m.size()));
    }
    target(m.data(), m.size());
  }
  std::printf("%s: %zu inputs and %ld mutations ran clean\n", args[0].c_str(), inputs.size(),
              mutations);
  return 0;
}
