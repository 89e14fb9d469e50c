#include "dyno/memory.hpp"

#include <gtest/gtest.h>

namespace lokku::dyno {
namespace {

// dynos.md MEM-2: rss=429.68 swap=160.12 on a 512 MB quota logs mem=590M(115.2%).
TEST(Memory, ProcessRunningLineMatchesHerokuRounding) {
  MemorySample s{429.68, 160.12, 0.48};
  EXPECT_EQ(process_running_line(s, 512), "Process running mem=590M(115.2%)");
}

// MEM-1/3/4: R14 above the quota, R15 at twice it for standard-1x.
TEST(Memory, Verdicts) {
  EXPECT_EQ(judge_memory({400, 0, 0}, 512, 1024), MemoryVerdict::ok);
  EXPECT_EQ(judge_memory({500, 20, 0}, 512, 1024), MemoryVerdict::r14);
  EXPECT_EQ(judge_memory({1000, 30, 0}, 512, 1024), MemoryVerdict::r15);
}

// MEM-5: two decimals, memory_total = rss + cache + swap.
TEST(Memory, RuntimeMetricsLines) {
  MemorySample s{429.68, 160.12, 0.48};
  EXPECT_EQ(memory_metrics_line("web.1", "heroku.1.abc", s, 512),
            "source=web.1 dyno=heroku.1.abc sample#memory_total=590.28MB "
            "sample#memory_rss=429.68MB sample#memory_cache=0.48MB sample#memory_swap=160.12MB "
            "sample#memory_pgpgin=0pages sample#memory_pgpgout=0pages "
            "sample#memory_quota=512.00MB");
  LoadAverage load;
  load.update(2, 60);
  EXPECT_EQ(load_metrics_line("web.1", "d", load),
            "source=web.1 dyno=d sample#load_avg_1m=1.26 sample#load_avg_5m=0.36 "
            "sample#load_avg_15m=0.13");
}

}  // namespace
}  // namespace lokku::dyno
