#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace lokku::common {
namespace {

// RFC 4122 version 4: the 13th hex digit is 4, the 17th one of 8, 9, a, b.
TEST(Ids, Uuid4SetsVersionAndVariantAndKeepsTheOtherBits) {
  EXPECT_EQ(uuid_v4(0, 0), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(uuid_v4(~0ULL, ~0ULL), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_EQ(uuid_v4(0x0123456789abcdefULL, 0xfedcba9876543210ULL),
            "01234567-89ab-4def-bedc-ba9876543210");
}

TEST(Ids, AppendedUuidFollowsWhatWasThere) {
  std::string s = "request_id=";
  append_uuid_v4(s, 0x0123456789abcdefULL, 0xfedcba9876543210ULL);
  EXPECT_EQ(s, "request_id=01234567-89ab-4def-bedc-ba9876543210");
}

TEST(Ids, RandomUuidsAreLowerCaseV4AndDiffer) {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = random_uuid();
    EXPECT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace lokku::common
