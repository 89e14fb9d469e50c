#include "metrics/sketch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace lokku::metrics {
namespace {

/// The exact value of the rank the sketch answers for (⌊q·(n−1)⌋ of the sorted values).
double exact(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

void expect_accurate(const std::vector<double>& values, const char* what) {
  Sketch s;
  for (double v : values) {
    s.add(v);
  }
  ASSERT_EQ(s.count(), values.size());
  for (double q : {0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    const double want = exact(values, q);
    const double got = *s.quantile(q);
    EXPECT_LE(std::abs(got - want), Sketch::kAccuracy * want + 1e-9)
        << what << " q=" << q << " want " << want << " got " << got;
  }
  EXPECT_DOUBLE_EQ(s.max(), *std::max_element(values.begin(), values.end()));
  EXPECT_DOUBLE_EQ(s.min(), *std::min_element(values.begin(), values.end()));
}

// drains-webhooks-metrics.md §4.1: p50/p95/p99/max of response times, from a real sketch
// (issue 22: its own accuracy tests, no sorting of samples): every quantile within 1 %.
TEST(Sketch, QuantilesOfTypicalResponseTimesAreWithinOnePercent) {
  std::mt19937_64 rng(42);
  std::vector<double> lognormal, uniform, pareto, bimodal;
  std::lognormal_distribution<double> ln(3.0, 1.0);  // around 20 ms, a long tail
  std::uniform_real_distribution<double> un(1.0, 500.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> fast(5.0, 1.0), slow(2000.0, 200.0);
  for (int i = 0; i < 100000; ++i) {
    lognormal.push_back(ln(rng));
    uniform.push_back(un(rng));
    pareto.push_back(1.0 / std::pow(1.0 - unit(rng), 1.0 / 1.5));  // heavy tail from 1 ms
    bimodal.push_back(std::max(0.01, i % 10 == 0 ? slow(rng) : fast(rng)));
  }
  expect_accurate(lognormal, "lognormal");
  expect_accurate(uniform, "uniform");
  expect_accurate(pareto, "pareto");
  expect_accurate(bimodal, "bimodal");
}

TEST(Sketch, MergingTwoSketchesEqualsSketchingEverything) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> ln(4.0, 1.5);
  Sketch a, b, all;
  for (int i = 0; i < 20000; ++i) {
    double v = ln(rng);
    (i % 3 ? a : b).add(v);
    all.add(v);
  }
  a.merge(b);
  EXPECT_EQ(a, all);
  for (double q : {0.5, 0.95, 0.99}) {
    EXPECT_EQ(*a.quantile(q), *all.quantile(q));
  }
}

TEST(Sketch, ZeroAndNegativeValuesCountAsZero) {
  Sketch s;
  s.add(0, 90);
  s.add(-5);
  s.add(250, 9);
  EXPECT_EQ(s.count(), 100u);
  EXPECT_EQ(*s.quantile(0.5), 0.0);
  EXPECT_NEAR(*s.quantile(0.95), 250, 2.5);
  EXPECT_EQ(s.max(), 250);
  EXPECT_FALSE(Sketch{}.quantile(0.5));
}

TEST(Sketch, BucketsStayBoundedAcrossAnyRangeOfValues) {
  Sketch s;
  std::vector<double> values;
  for (double v = 1e-3; v < 1e30; v *= 1.001) {  // 3 450 buckets' worth
    s.add(v);
    values.push_back(v);
  }
  auto text = s.encode();
  auto buckets = std::count(text.begin(), text.end(), ':');
  EXPECT_EQ(buckets, static_cast<long>(Sketch::kMaxBuckets));
  // The high quantiles keep their accuracy; only the lowest buckets were folded.
  for (double q : {0.5, 0.95, 0.99}) {
    EXPECT_NEAR(*s.quantile(q) / exact(values, q), 1.0, Sketch::kAccuracy) << q;
  }
}

TEST(Sketch, EncodedSketchesDecodeToTheSameSketch) {
  Sketch s;
  for (int i = 1; i < 1000; ++i) {
    s.add(i * 0.37);
  }
  s.add(0);
  auto back = Sketch::decode(s.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  EXPECT_EQ(*Sketch::decode(Sketch{}.encode()), Sketch{});
}

TEST(Sketch, DamagedTextIsRefused) {
  for (const char* bad : {"", "v2 1 0 1 1 0:1", "v1 2 0 1 1 0:1", "v1 1 0 1 1 0:x", "v1 1 0 1 1",
                          "v1 1 0 1 1 3:1 3:0", "v1 1 0 2 1 0:1", "v1 one 0 1 1 0:1"}) {
    EXPECT_FALSE(Sketch::decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace lokku::metrics
