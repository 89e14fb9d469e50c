#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace lokku::common {

/// Divides every platform duration (CONVENTIONS.md, Time): `--time-scale 60` makes the
/// 60 s boot timeout last one second. Log lines keep Heroku's nominal wording.
class TimeScale {
 public:
  TimeScale() = default;
  explicit TimeScale(double factor);

  /// Parses a positive number ("60", "0.5"); nullopt for anything else.
  static std::optional<TimeScale> parse(std::string_view text);

  double factor() const { return factor_; }

  template <class Rep, class Period>
  std::chrono::nanoseconds operator()(std::chrono::duration<Rep, Period> nominal) const {
    auto ns = std::chrono::duration<double, std::nano>(nominal).count() / factor_;
    return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(ns));
  }

 private:
  double factor_ = 1.0;
};

}  // namespace lokku::common
