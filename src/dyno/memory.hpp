#pragma once
// Memory lines (dynos.md MEM-2..5), as pure functions of a sample.

#include <cstdint>
#include <string>

namespace lokku::dyno {

struct MemorySample {
  double rss_mb = 0;
  double swap_mb = 0;
  double cache_mb = 0;
  double total_mb() const { return rss_mb + swap_mb; }  ///< What R14 measures (MEM-2).
};

enum class MemoryVerdict { ok, r14, r15 };

MemoryVerdict judge_memory(const MemorySample& s, std::uint64_t quota_mb, std::uint64_t r15_mb);

/// `Process running mem=590M(115.2%)`
std::string process_running_line(const MemorySample& s, std::uint64_t quota_mb);

struct LoadAverage {
  double m1 = 0, m5 = 0, m15 = 0;
  /// Folds one sample of `runnable` tasks taken `seconds` after the previous one.
  void update(double runnable, double seconds);
};

/// The two MEM-5 runtime-metrics lines.
std::string load_metrics_line(const std::string& dyno, const std::string& dyno_id,
                              const LoadAverage& load);
std::string memory_metrics_line(const std::string& dyno, const std::string& dyno_id,
                                const MemorySample& s, std::uint64_t quota_mb);

}  // namespace lokku::dyno
