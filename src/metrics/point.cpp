#include "metrics/point.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace lokku::metrics {

StatusClass status_class(int status) {
  if (status < 300) {
    return StatusClass::s2xx;
  }
  if (status < 400) {
    return StatusClass::s3xx;
  }
  if (status < 500) {
    return StatusClass::s4xx;
  }
  return StatusClass::s5xx;
}

void Gauge::add(double mean, double largest, bool first) {
  sum_of_means += mean;
  max = first ? largest : std::max(max, largest);
}

void Gauge::merge(const Gauge& o, bool first) {
  sum_of_means += o.sum_of_means;
  max = first ? o.max : std::max(max, o.max);
}

void TypePoint::merge(const TypePoint& o) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    requests[i] += o.requests[i];
  }
  service.merge(o.service);
  for (const auto& [code, n] : o.errors) {
    errors[code] += n;
  }
  restarts += o.restarts;
  crashes += o.crashes;
  if (o.snapshots) {
    const bool first = snapshots == 0;
    dynos.merge(o.dynos, first);
    rss_mb.merge(o.rss_mb, first);
    swap_mb.merge(o.swap_mb, first);
    load.merge(o.load, first);
    snapshots += o.snapshots;
  }
  if (o.quota_mb > 0) {
    quota_mb = o.quota_mb;
  }
}

void TypePoint::snapshot(double n, double rss_mean, double rss_max, double swap_mean,
                         double swap_max, double load_mean, double load_max, double quota) {
  const bool first = snapshots == 0;
  dynos.add(n, n, first);
  rss_mb.add(rss_mean, rss_max, first);
  swap_mb.add(swap_mean, swap_max, first);
  load.add(load_mean, load_max, first);
  ++snapshots;
  if (quota > 0) {
    quota_mb = quota;
  }
}

std::optional<double> TypePoint::mean(const Gauge& g) const {
  if (snapshots == 0) {
    return std::nullopt;
  }
  return g.sum_of_means / static_cast<double>(snapshots);
}

std::uint64_t TypePoint::total_requests() const {
  std::uint64_t n = 0;
  for (auto r : requests) {
    n += r;
  }
  return n;
}

bool TypePoint::empty() const {
  return total_requests() == 0 && service.empty() && errors.empty() && restarts == 0 &&
         crashes == 0 && snapshots == 0;
}

std::string TypePoint::errors_text() const {
  std::string out;
  for (const auto& [code, n] : errors) {
    fmt::format_to(std::back_inserter(out), "{}{}={}", out.empty() ? "" : " ", code, n);
  }
  return out;
}

bool TypePoint::set_errors(std::string_view text) {
  errors.clear();
  while (!text.empty()) {
    auto sp = text.find(' ');
    auto word = text.substr(0, sp);
    text = sp == std::string_view::npos ? std::string_view{} : text.substr(sp + 1);
    auto eq = word.find('=');
    std::uint64_t n = 0;
    if (eq == 0 || eq == std::string_view::npos) {
      return false;
    }
    auto digits = word.substr(eq + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size()) {
      return false;
    }
    errors[std::string(word.substr(0, eq))] += n;
  }
  return true;
}

SystemTime window_start(SystemTime t, std::chrono::seconds step) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
  return SystemTime(s - s % step);
}

}  // namespace lokku::metrics
