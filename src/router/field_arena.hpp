#pragma once
// Storage for the header fields of one connection's messages (the router's hot path): Beast
// allocates every field of a parsed head on its own, and a request and its response made
// a dozen heap allocations and frees. Here they are carved one after the other from a block
// the connection keeps, and the block is taken back whole between requests.

#include <boost/beast/http/fields.hpp>

#include <cstddef>
#include <memory>
#include <new>

namespace lokku::router {

class FieldArena {
 public:
  /// Room for the fields of a usual request and its response; a head that does not fit
  /// (the limits allow far larger ones) has the rest of its fields on the heap, freed one
  /// by one as before, so a connection never holds more than the block for long.
  static constexpr std::size_t kBlock = 4096;

  void* allocate(std::size_t size, std::size_t align) {
    if (!block_) {
      block_ = std::make_unique<std::byte[]>(kBlock);  // on the connection's first request
    }
    const std::size_t at = (used_ + align - 1) & ~(align - 1);
    if (align <= alignof(std::max_align_t) && at + size <= kBlock) {
      used_ = at + size;
      return block_.get() + at;
    }
    return ::operator new(size);
  }

  void deallocate(void* p) {
    if (!owns(p)) {
      ::operator delete(p);
    }
    // Within the block: taken back by reset().
  }

  /// Every message whose fields came from here is gone: the block is free again.
  void reset() { used_ = 0; }

  bool owns(const void* p) const {
    const auto* b = static_cast<const std::byte*>(p);
    return block_ && b >= block_.get() && b < block_.get() + kBlock;
  }
  std::size_t used() const { return used_; }

 private:
  std::unique_ptr<std::byte[]> block_;
  std::size_t used_ = 0;
};

/// The allocator Beast's fields take to use a FieldArena.
template <class T>
class ArenaAllocator {
 public:
  using value_type = T;

  explicit ArenaAllocator(FieldArena& arena) noexcept : arena_(&arena) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena()) {}

  T* allocate(std::size_t n) {
    return static_cast<T*>(arena_->allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { arena_->deallocate(p); }

  FieldArena* arena() const noexcept { return arena_; }

  template <class U>
  bool operator==(const ArenaAllocator<U>& other) const noexcept {
    return arena_ == other.arena();
  }

 private:
  FieldArena* arena_;
};

/// The fields of the messages the router parses.
using Fields = boost::beast::http::basic_fields<ArenaAllocator<char>>;

}  // namespace lokku::router
