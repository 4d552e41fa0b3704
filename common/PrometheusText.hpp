// The Prometheus text exposition format (version 0.0.4), written once for
// both halves of /metrics: the control side (signaling/RestApi) and the
// media side (mcu::Conference::MediaMetricsText). Families are written
// whole, one after another: HELP, TYPE, then their samples.
//
// Label values are escaped here, but callers must still never put
// user-controlled text (room names, participant ids) into labels: every
// distinct value is a new time series kept forever by Prometheus, and the
// scrape is readable by whoever may reach /metrics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plenum::common {

using PrometheusLabels = std::vector<std::pair<std::string, std::string>>;

enum class PrometheusType { kCounter, kGauge, kHistogram };

// A histogram's state at one instant. `bucket_counts[i]` counts the
// observations <= upper_bounds[i] and > upper_bounds[i-1] (not cumulative:
// the writer adds them up); the last element, one past the bounds, counts
// those above the last bound (the +Inf bucket's own share).
struct HistogramSnapshot {
  std::vector<double> upper_bounds;
  std::vector<std::uint64_t> bucket_counts;  // upper_bounds.size() + 1
  double sum = 0;
};

class PrometheusText {
 public:
  // Starts a family: its `# HELP` and `# TYPE` lines. Samples written
  // after it belong to it until the next Family().
  void Family(std::string_view name, PrometheusType type, std::string_view help);

  // A counter or gauge sample of the current family.
  void Sample(const PrometheusLabels& labels, double value);
  void Sample(double value) { Sample({}, value); }

  // A histogram sample of the current family: cumulative `_bucket{le=...}`
  // lines ending with le="+Inf", then `_sum` and `_count`.
  void Histogram(const PrometheusLabels& labels, const HistogramSnapshot& histogram);

  const std::string& Text() const { return text_; }
  std::string Take() { return std::move(text_); }

  // Exposed for the unit test.
  static std::string EscapeLabelValue(std::string_view value);
  static std::string FormatValue(double value);

 private:
  void WriteSample(std::string_view suffix, const PrometheusLabels& labels,
                   const std::pair<std::string, std::string>* extra, double value);

  std::string text_;
  std::string family_;
  PrometheusType type_ = PrometheusType::kGauge;
};

}  // namespace plenum::common
