#include "common/procfs.hpp"

#include <gtest/gtest.h>

namespace lokku::common::procfs {
namespace {

TEST(Procfs, PpidSurvivesCommandNamesWithSpacesAndParens) {
  EXPECT_EQ(parse_stat_ppid("1234 (my (odd) cmd) S 77 1234 1234 0 -1 4194560"), 77);
  EXPECT_EQ(parse_stat_ppid("garbage"), std::nullopt);
  EXPECT_EQ(parse_stat_state("1234 (my (odd) cmd) R 77 1234"), 'R');
  EXPECT_EQ(parse_stat_state("garbage"), std::nullopt);
}

TEST(Procfs, StatusMemoryReadsRssAndSwap) {
  auto m = parse_status_memory("Name:\tpython3\nVmRSS:\t  440000 kB\nVmSwap:\t   1024 kB\n");
  EXPECT_EQ(m.rss, 440000u);
  EXPECT_EQ(m.swap, 1024u);
}

// dynos.md BOOT-5: a socket in state 0A on the dyno's port.
TEST(Procfs, ListenSocketsAreState0A) {
  const char* text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
      "inode\n"
      "   0: 00000000:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
      "4242 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:1389 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 "
      "4343 1 0000000000000000 20 4 30 10 -1\n";
  auto socks = parse_listen_sockets(text);
  ASSERT_EQ(socks.size(), 1u);
  EXPECT_EQ(socks[0].port, 5000);
  EXPECT_EQ(socks[0].inode, 4242u);
}

}  // namespace
}  // namespace lokku::common::procfs
