#include "dyno/memory.hpp"

#include <fmt/format.h>

#include <cmath>

namespace lokku::dyno {

MemoryVerdict judge_memory(const MemorySample& s, std::uint64_t quota_mb, std::uint64_t r15_mb) {
  double total = s.total_mb();
  if (total >= static_cast<double>(r15_mb)) {
    return MemoryVerdict::r15;
  }
  if (total > static_cast<double>(quota_mb)) {
    return MemoryVerdict::r14;
  }
  return MemoryVerdict::ok;
}

std::string process_running_line(const MemorySample& s, std::uint64_t quota_mb) {
  double total = s.total_mb();
  return fmt::format("Process running mem={:.0f}M({:.1f}%)", total,
                     100.0 * total / static_cast<double>(quota_mb));
}

void LoadAverage::update(double runnable, double seconds) {
  auto fold = [&](double& avg, double window) {
    double k = std::exp(-seconds / window);
    avg = avg * k + runnable * (1.0 - k);
  };
  fold(m1, 60);
  fold(m5, 300);
  fold(m15, 900);
}

std::string load_metrics_line(const std::string& dyno, const std::string& dyno_id,
                              const LoadAverage& load) {
  return fmt::format(
      "source={} dyno={} sample#load_avg_1m={:.2f} sample#load_avg_5m={:.2f} "
      "sample#load_avg_15m={:.2f}",
      dyno, dyno_id, load.m1, load.m5, load.m15);
}

std::string memory_metrics_line(const std::string& dyno, const std::string& dyno_id,
                                const MemorySample& s, std::uint64_t quota_mb) {
  return fmt::format(
      "source={} dyno={} sample#memory_total={:.2f}MB sample#memory_rss={:.2f}MB "
      "sample#memory_cache={:.2f}MB sample#memory_swap={:.2f}MB sample#memory_pgpgin=0pages "
      "sample#memory_pgpgout=0pages sample#memory_quota={:.2f}MB",
      dyno, dyno_id, s.rss_mb + s.cache_mb + s.swap_mb, s.rss_mb, s.cache_mb, s.swap_mb,
      static_cast<double>(quota_mb));
}

}  // namespace lokku::dyno
