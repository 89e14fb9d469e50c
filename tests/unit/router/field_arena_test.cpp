#include "router/field_arena.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lokku::router {
namespace {

namespace http = boost::beast::http;

// The fields of a request and its response come from the connection's block, one after the
// other, and the block serves the next request again after reset().
TEST(FieldArena, FieldsComeFromTheBlockAndTheBlockIsReusedAfterReset) {
  FieldArena arena;
  {
    Fields request{ArenaAllocator<char>(arena)};
    request.insert(http::field::host, "shop.localhost:5000");
    request.insert("X-Request-ID", "0c6f1d52-8a7b-4e2d-9c3f-5b1a7e8d2f40");
    Fields response{ArenaAllocator<char>(arena)};
    response.insert(http::field::content_type, "text/plain");
    EXPECT_GT(arena.used(), 0u);
    for (const auto& f : request) {
      EXPECT_TRUE(arena.owns(&f));
    }
    EXPECT_EQ(request[http::field::host], "shop.localhost:5000");
    EXPECT_EQ(request["x-request-id"], "0c6f1d52-8a7b-4e2d-9c3f-5b1a7e8d2f40");
    EXPECT_EQ(response[http::field::content_type], "text/plain");
  }
  const auto first = arena.used();
  arena.reset();
  EXPECT_EQ(arena.used(), 0u);
  Fields next{ArenaAllocator<char>(arena)};
  next.insert(http::field::host, "shop.localhost:5000");
  next.insert("X-Request-ID", "0c6f1d52-8a7b-4e2d-9c3f-5b1a7e8d2f40");
  EXPECT_LT(arena.used(), first);  // the same block, from its start
  EXPECT_TRUE(arena.owns(&*next.begin()));
}

// A head larger than the block (the router's limits allow 8 KiB lines and 1 000 fields):
// what does not fit goes to the heap and is freed with its field (LeakSanitizer would
// report otherwise in the sanitizer build); every value reads back whole.
TEST(FieldArena, WhatDoesNotFitGoesToTheHeapAndBack) {
  FieldArena arena;
  Fields fields{ArenaAllocator<char>(arena)};
  for (int i = 0; i < 100; ++i) {
    fields.insert("X-Field-" + std::to_string(i),
                  std::string(200, static_cast<char>('a' + i % 26)));
  }
  EXPECT_LE(arena.used(), FieldArena::kBlock);
  int in_block = 0;
  int on_heap = 0;
  for (const auto& f : fields) {
    (arena.owns(&f) ? in_block : on_heap) += 1;
  }
  EXPECT_GT(in_block, 0);
  EXPECT_GT(on_heap, 0);
  EXPECT_EQ(fields["X-Field-99"], std::string(200, static_cast<char>('a' + 99 % 26)));
  fields.erase("X-Field-99");  // a heap field freed on its own
  EXPECT_EQ(fields.count("X-Field-99"), 0u);
}

}  // namespace
}  // namespace lokku::router
