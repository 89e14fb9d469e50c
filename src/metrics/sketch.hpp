#pragma once
// A quantile sketch for response times: DDSketch (Masson, Rim and Lee, "DDSketch: a fast and
// fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019). Every value
// lands in a bucket whose bounds are successive powers of gamma = (1 + a) / (1 - a); a
// quantile is read back as its bucket's midpoint, within relative error `a` of the true
// value. Two sketches of the same accuracy merge exactly (bucket counts add up), so ten-second
// windows roll into minutes and minutes into hours without keeping a single sample.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lokku::metrics {

class Sketch {
 public:
  /// The relative accuracy of every quantile (1 %).
  static constexpr double kAccuracy = 0.01;
  /// Values below this (in the unit the caller uses, here milliseconds) count as zero.
  static constexpr double kMinValue = 1e-3;
  /// At most this many buckets: past it, the lowest ones fold together (the high quantiles a
  /// metrics page shows stay exact; 1 % accuracy spans 1 µs to 10^9 s in far fewer).
  static constexpr std::size_t kMaxBuckets = 2048;

  /// Counts one value (negative values count as zero).
  void add(double value, std::uint64_t count = 1);
  /// Adds every value `other` counted.
  void merge(const Sketch& other);

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  /// The exact smallest and largest values counted (0 when empty).
  double min() const { return count_ ? min_ : 0; }
  double max() const { return count_ ? max_ : 0; }
  /// The q-quantile (0 ≤ q ≤ 1), within kAccuracy of the value of rank ⌊q·(n−1)⌋ of the
  /// values counted, clamped to [min, max]. Empty: nullopt.
  std::optional<double> quantile(double q) const;

  /// A compact text form (`v1 count zero min max index:count ...`) kept in the metrics store.
  std::string encode() const;
  /// The sketch `encode()` wrote; nullopt for anything else.
  static std::optional<Sketch> decode(std::string_view text);

  bool operator==(const Sketch&) const = default;

 private:
  static int index_of(double value);
  static double value_of(int index);
  void collapse();

  std::map<int, std::uint64_t> buckets_;
  std::uint64_t zero_ = 0;
  std::uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace lokku::metrics
