#include "metrics/sketch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace lokku::metrics {

namespace {

constexpr double kGamma = (1 + Sketch::kAccuracy) / (1 - Sketch::kAccuracy);
const double kLogGamma = std::log(kGamma);

/// Splits `text` at spaces.
std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto sp = text.find(' ');
    out.push_back(text.substr(0, sp));
    text = sp == std::string_view::npos ? std::string_view{} : text.substr(sp + 1);
  }
  return out;
}

template <typename T>
bool parse(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

int Sketch::index_of(double value) {
  // Bucket i holds (gamma^(i-1), gamma^i].
  return static_cast<int>(std::ceil(std::log(value) / kLogGamma));
}

double Sketch::value_of(int index) {
  // The point of the bucket whose relative distance to both bounds is kAccuracy.
  return 2 * std::pow(kGamma, index) / (kGamma + 1);
}

void Sketch::add(double value, std::uint64_t count) {
  if (count == 0) {
    return;
  }
  if (!(value >= 0)) {
    value = 0;  // negative or NaN
  }
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  count_ += count;
  if (value < kMinValue) {
    zero_ += count;
    return;
  }
  buckets_[index_of(value)] += count;
  if (buckets_.size() > kMaxBuckets) {
    collapse();
  }
}

void Sketch::merge(const Sketch& other) {
  if (other.count_ == 0) {
    return;
  }
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zero_ += other.zero_;
  for (const auto& [i, n] : other.buckets_) {
    buckets_[i] += n;
  }
  collapse();
}

void Sketch::collapse() {
  while (buckets_.size() > kMaxBuckets) {
    auto lowest = buckets_.begin();
    auto next = std::next(lowest);
    next->second += lowest->second;
    buckets_.erase(lowest);
  }
}

std::optional<double> Sketch::quantile(double q) const {
  if (count_ == 0) {
    return std::nullopt;
  }
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1));
  std::uint64_t seen = zero_;
  if (rank < seen) {
    return min_;
  }
  for (const auto& [i, n] : buckets_) {
    seen += n;
    if (rank < seen) {
      return std::clamp(value_of(i), min_, max_);
    }
  }
  return max_;
}

std::string Sketch::encode() const {
  std::string out = fmt::format("v1 {} {} {} {}", count_, zero_, min_, max_);
  for (const auto& [i, n] : buckets_) {
    fmt::format_to(std::back_inserter(out), " {}:{}", i, n);
  }
  return out;
}

std::optional<Sketch> Sketch::decode(std::string_view text) {
  auto w = words(text);
  if (w.size() < 5 || w[0] != "v1") {
    return std::nullopt;
  }
  Sketch s;
  if (!parse(w[1], s.count_) || !parse(w[2], s.zero_) || !parse(w[3], s.min_) ||
      !parse(w[4], s.max_)) {
    return std::nullopt;
  }
  std::uint64_t total = s.zero_;
  for (std::size_t k = 5; k < w.size(); ++k) {
    auto colon = w[k].find(':');
    int index = 0;
    std::uint64_t n = 0;
    if (colon == std::string_view::npos || !parse(w[k].substr(0, colon), index) ||
        !parse(w[k].substr(colon + 1), n) || n == 0 || s.buckets_.contains(index)) {
      return std::nullopt;
    }
    s.buckets_.emplace(index, n);
    total += n;
  }
  if (total != s.count_ || s.buckets_.size() > kMaxBuckets || s.min_ > s.max_) {
    return std::nullopt;
  }
  return s;
}

}  // namespace lokku::metrics
