#pragma once
// A gzip writer that compresses on several threads into one standard gzip stream (one
// member, as `gzip` writes): the input is cut into blocks, each deflated on its own with the
// previous block's last 32 KiB as its dictionary and ended on a byte boundary (a sync
// flush), so the raw deflate pieces join into one stream; the CRCs are combined.

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <string>
#include <string_view>

namespace lokku::slug {

class GzipWriter {
 public:
  /// `sink` receives the compressed bytes in order. `threads` 0: the number of cores.
  GzipWriter(std::function<void(std::string_view)> sink, unsigned threads = 0, int level = 6);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void write(std::string_view data);
  /// Compresses what is left and writes the trailer. Call once.
  void finish();
  std::uint64_t bytes_in() const { return total_in_; }

 private:
  struct Block {
    std::string out;
    std::uint32_t crc = 0;
    std::size_t len = 0;
  };
  void submit(bool last);
  void drain(std::size_t keep);

  std::function<void(std::string_view)> sink_;
  unsigned threads_;
  int level_;
  std::string pending_;
  std::string dictionary_;  ///< last 32 KiB of the previous block
  std::deque<std::future<Block>> inflight_;
  std::uint32_t crc_ = 0;
  std::uint64_t total_in_ = 0;
  bool header_written_ = false;
  bool finished_ = false;
};

}  // namespace lokku::slug
