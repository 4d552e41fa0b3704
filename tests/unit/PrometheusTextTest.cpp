// The Prometheus text writer (common/PrometheusText), the lock-free
// histogram behind it (common/AtomicHistogram), and the control plane's
// families (signaling/ServerMetrics) on exact input.

#include "common/AtomicHistogram.hpp"
#include "common/PrometheusText.hpp"
#include "mcu/Messages.hpp"
#include "mcu/ServerCounters.hpp"
#include "signaling/ServerMetrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace plenum {
namespace {

using common::AtomicHistogram;
using common::HistogramSnapshot;
using common::PrometheusText;
using common::PrometheusType;

TEST(PrometheusText, WritesHelpTypeAndSamples) {
  PrometheusText out;
  out.Family("plenum_things", PrometheusType::kGauge, "Things.");
  out.Sample(3);
  out.Family("plenum_events_total", PrometheusType::kCounter, "Events, by kind.");
  out.Sample({{"kind", "a"}}, 1);
  out.Sample({{"kind", "b"}, {"way", "in"}}, 2.5);
  EXPECT_EQ(out.Text(),
            "# HELP plenum_things Things.\n"
            "# TYPE plenum_things gauge\n"
            "plenum_things 3\n"
            "# HELP plenum_events_total Events, by kind.\n"
            "# TYPE plenum_events_total counter\n"
            "plenum_events_total{kind=\"a\"} 1\n"
            "plenum_events_total{kind=\"b\",way=\"in\"} 2.5\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  struct Case {
    std::string raw;
    std::string escaped;
  };
  for (const Case& c : std::vector<Case>{{"plain", "plain"},
                                         {"a\"b", "a\\\"b"},
                                         {"back\\slash", "back\\\\slash"},
                                         {"two\nlines", "two\\nlines"},
                                         {"\\\"\n", "\\\\\\\"\\n"},
                                         {"ünïcode", "ünïcode"},
                                         {"", ""}}) {
    EXPECT_EQ(PrometheusText::EscapeLabelValue(c.raw), c.escaped) << c.raw;
  }
  PrometheusText out;
  out.Family("x", PrometheusType::kGauge, "a \\ and\na \"quote\"");
  out.Sample({{"l", "say \"hi\"\n"}}, 1);
  // HELP escapes backslash and newline only; quotes stay.
  EXPECT_EQ(out.Text(),
            "# HELP x a \\\\ and\\na \"quote\"\n"
            "# TYPE x gauge\n"
            "x{l=\"say \\\"hi\\\"\\n\"} 1\n");
}

TEST(PrometheusText, FormatsValuesAsPrometheusReadsThem) {
  EXPECT_EQ(PrometheusText::FormatValue(0), "0");
  EXPECT_EQ(PrometheusText::FormatValue(42), "42");
  EXPECT_EQ(PrometheusText::FormatValue(1e15), "1e+15");
  EXPECT_EQ(PrometheusText::FormatValue(0.05), "0.05");
  EXPECT_EQ(PrometheusText::FormatValue(-1.5), "-1.5");
  EXPECT_EQ(PrometheusText::FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(PrometheusText::FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(PrometheusText::FormatValue(std::nan("")), "NaN");
  // Round-trips: the shortest text that reads back as the same double.
  for (double v : {0.1, 1.0 / 3, 123456.789, 6.02214076e23}) EXPECT_EQ(std::stod(PrometheusText::FormatValue(v)), v);
}

TEST(PrometheusText, HistogramBucketsAreCumulativeEndingAtInf) {
  HistogramSnapshot snapshot;
  snapshot.upper_bounds = {0.1, 0.5, 1};
  snapshot.bucket_counts = {2, 0, 3, 4};  // 4 above 1 s
  snapshot.sum = 12.25;
  PrometheusText out;
  out.Family("plenum_wait_seconds", PrometheusType::kHistogram, "Waits.");
  out.Histogram({{"direction", "in"}}, snapshot);
  EXPECT_EQ(out.Text(),
            "# HELP plenum_wait_seconds Waits.\n"
            "# TYPE plenum_wait_seconds histogram\n"
            "plenum_wait_seconds_bucket{direction=\"in\",le=\"0.1\"} 2\n"
            "plenum_wait_seconds_bucket{direction=\"in\",le=\"0.5\"} 2\n"
            "plenum_wait_seconds_bucket{direction=\"in\",le=\"1\"} 5\n"
            "plenum_wait_seconds_bucket{direction=\"in\",le=\"+Inf\"} 9\n"
            "plenum_wait_seconds_sum{direction=\"in\"} 12.25\n"
            "plenum_wait_seconds_count{direction=\"in\"} 9\n");
}

TEST(PrometheusText, RefusesSamplesOutsideTheirKindOfFamily) {
  PrometheusText out;
  EXPECT_THROW(out.Sample(1), std::logic_error);  // no family yet
  out.Family("h", PrometheusType::kHistogram, "H.");
  EXPECT_THROW(out.Sample(1), std::logic_error);
  HistogramSnapshot wrong;
  wrong.upper_bounds = {1, 2};
  wrong.bucket_counts = {1, 2};  // one short: no +Inf share
  EXPECT_THROW(out.Histogram({}, wrong), std::invalid_argument);
  out.Family("g", PrometheusType::kGauge, "G.");
  EXPECT_THROW(out.Histogram({}, HistogramSnapshot{{}, {0}, 0}), std::logic_error);
}

TEST(AtomicHistogram, PutsEachValueInTheFirstBucketItFits) {
  AtomicHistogram histogram({0.05, 0.1, 1});
  // On a bound: that bound's bucket ("less than or equal").
  for (double v : {0.0, 0.05, 0.07, 0.1, 0.5, 1.0, 1.01, 99.0}) histogram.Observe(v);
  const HistogramSnapshot snapshot = histogram.Snapshot();
  EXPECT_EQ(snapshot.upper_bounds, (std::vector<double>{0.05, 0.1, 1}));
  EXPECT_EQ(snapshot.bucket_counts, (std::vector<std::uint64_t>{2, 2, 2, 2}));
  EXPECT_DOUBLE_EQ(snapshot.sum, 0 + 0.05 + 0.07 + 0.1 + 0.5 + 1.0 + 1.01 + 99.0);
  EXPECT_THROW(AtomicHistogram({1, 0.5}), std::invalid_argument);
}

TEST(AtomicHistogram, CountsEveryObservationFromManyThreads) {
  AtomicHistogram histogram({1, 2});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) histogram.Observe(i % 3 == 0 ? 0.5 : 1.5);
    });
  }
  for (auto& thread : threads) thread.join();
  const HistogramSnapshot snapshot = histogram.Snapshot();
  EXPECT_EQ(snapshot.bucket_counts[0], 4u * 3334);
  EXPECT_EQ(snapshot.bucket_counts[1], 4u * 6666);
  EXPECT_EQ(snapshot.bucket_counts[2], 0u);
  EXPECT_DOUBLE_EQ(snapshot.sum, 4 * (3334 * 0.5 + 6666 * 1.5));
}

bool Contains(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(ServerMetrics, WritesEveryKnownLabelFromTheStartAndCountsAsTold) {
  mcu::ServerCounters counters;
  mcu::ServerStats stats;
  std::string text = signaling::ServerMetricsText(&stats, counters, {});
  for (const char* line :
       {"plenum_rooms 0", "plenum_joins_total 0", "plenum_errors_total{code=\"bad-request\"} 0",
        "plenum_errors_total{code=\"conflict\"} 0", "plenum_leaves_total{reason=\"leave\"} 0",
        "plenum_leaves_total{reason=\"server-shutdown\"} 0",
        "plenum_join_first_media_seconds_count{direction=\"in\"} 0",
        "plenum_join_first_media_seconds_bucket{direction=\"out\",le=\"+Inf\"} 0",
        "plenum_recordings{state=\"recording\"} 0", "plenum_broadcasts{kind=\"srt\",state=\"retrying\"} 0"}) {
    EXPECT_TRUE(Contains(text, line)) << line << " not in\n" << text;
  }
  EXPECT_TRUE(text.find("plenum_build_info{version=\"") != std::string::npos) << text;

  counters.Joined();
  counters.Joined();
  counters.Left("socket-closed");
  counters.Left("no-such-reason");  // counted as failed
  counters.ErrorSent(mcu::ErrorCode::BadRequest);
  counters.FirstMedia(true, 0.25);
  counters.FirstMedia(false, 3);
  stats.rooms = 2;
  stats.recordings["recording"] = 1;
  stats.broadcasts[{"hls", "live"}] = 1;
  text = signaling::ServerMetricsText(&stats, counters, std::chrono::milliseconds(1500));
  for (const char* line :
       {"plenum_rooms 2", "plenum_joins_total 2", "plenum_errors_total{code=\"bad-request\"} 1",
        "plenum_leaves_total{reason=\"socket-closed\"} 1", "plenum_leaves_total{reason=\"failed\"} 1",
        "plenum_join_first_media_seconds_bucket{direction=\"in\",le=\"0.2\"} 0",
        "plenum_join_first_media_seconds_bucket{direction=\"in\",le=\"0.3\"} 1",
        "plenum_join_first_media_seconds_sum{direction=\"in\"} 0.25",
        "plenum_join_first_media_seconds_bucket{direction=\"out\",le=\"2\"} 0",
        "plenum_join_first_media_seconds_bucket{direction=\"out\",le=\"5\"} 1",
        "plenum_recordings{state=\"recording\"} 1", "plenum_broadcasts{kind=\"hls\",state=\"live\"} 1",
        "plenum_control_stalled_seconds 1.5"}) {
    EXPECT_TRUE(Contains(text, line)) << line << " not in\n" << text;
  }

  // Without the control thread's answer: no room gauges, the rest stays.
  text = signaling::ServerMetricsText(nullptr, counters, std::chrono::milliseconds(7000));
  EXPECT_EQ(text.find("plenum_rooms"), std::string::npos) << text;
  EXPECT_EQ(text.find("plenum_recordings"), std::string::npos) << text;
  EXPECT_TRUE(Contains(text, "plenum_joins_total 2")) << text;
  EXPECT_TRUE(Contains(text, "plenum_control_stalled_seconds 7")) << text;
}

}  // namespace
}  // namespace plenum
