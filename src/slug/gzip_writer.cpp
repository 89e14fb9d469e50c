#include "slug/gzip_writer.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <zlib.h>

namespace lokku::slug {

namespace {

constexpr std::size_t kBlock = 1 << 20;
constexpr std::size_t kWindow = 32 * 1024;

std::string deflate_block(const std::string& in, const std::string& dict, int level, bool last) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  if (!dict.empty()) {
    deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dict.data()),
                         static_cast<uInt>(dict.size()));
  }
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(in.size())) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
  if ((last && rc != Z_STREAM_END) || (!last && rc != Z_OK)) {
    deflateEnd(&z);
    throw std::runtime_error("zlib: deflate failed");
  }
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

GzipWriter::GzipWriter(std::function<void(std::string_view)> sink, unsigned threads, int level)
    : sink_(std::move(sink))
    , threads_(threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency()))
    , level_(level) {
  pending_.reserve(kBlock);
}

GzipWriter::~GzipWriter() {
  for (auto& f : inflight_) {
    if (f.valid()) {
      f.wait();
    }
  }
}

void GzipWriter::write(std::string_view data) {
  total_in_ += data.size();
  while (!data.empty()) {
    std::size_t take = std::min(kBlock - pending_.size(), data.size());
    pending_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (pending_.size() == kBlock) {
      submit(false);
    }
  }
}

void GzipWriter::submit(bool last) {
  if (!header_written_) {
    // RFC 1952: magic, deflate, no flags, no mtime, no extra flags, OS unix.
    static constexpr char kHeader[] = {'\x1f', '\x8b', '\x08', 0, 0, 0, 0, 0, 0, '\x03'};
    sink_(std::string_view(kHeader, sizeof kHeader));
    header_written_ = true;
  }
  std::string block;
  block.swap(pending_);
  pending_.reserve(kBlock);
  std::string dict = dictionary_;
  dictionary_ = block.size() >= kWindow ? block.substr(block.size() - kWindow)
                                        : (dict + block)
                                              .substr((dict.size() + block.size()) > kWindow
                                                          ? dict.size() + block.size() - kWindow
                                                          : 0);
  int level = level_;
  inflight_.push_back(std::async(
      std::launch::async, [block = std::move(block), dict = std::move(dict), level, last] {
        Block b;
        b.len = block.size();
        b.crc = static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(block.data()),
                                                 static_cast<uInt>(block.size())));
        b.out = deflate_block(block, dict, level, last);
        return b;
      }));
  drain(last ? 0 : threads_);
}

void GzipWriter::drain(std::size_t keep) {
  while (inflight_.size() > keep) {
    Block b = inflight_.front().get();
    inflight_.pop_front();
    crc_ = static_cast<std::uint32_t>(crc32_combine(crc_, b.crc, static_cast<z_off_t>(b.len)));
    sink_(b.out);
  }
}

void GzipWriter::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  submit(true);
  char trailer[8];
  for (int i = 0; i < 4; ++i) {
    trailer[i] = static_cast<char>((crc_ >> (8 * i)) & 0xff);
    trailer[4 + i] = static_cast<char>((total_in_ >> (8 * i)) & 0xff);
  }
  sink_(std::string_view(trailer, sizeof trailer));
}

}  // namespace lokku::slug
