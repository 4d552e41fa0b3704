#pragma once

// A strict reader of the Prometheus text format (0.0.4) for the e2e tests:
// /metrics parsed into samples (name + labels -> value), so a test can
// compare values before and after what it does. Strict on purpose: a line
// it cannot read, a sample of an undeclared family, a family declared
// twice or a sample repeated is an error, not something skipped.

#include "testclient/ServerProcess.hpp"

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace plenum::test {

using MetricLabels = std::map<std::string, std::string>;

struct MetricSample {
  std::string name;  // as written: plenum_x_bucket, plenum_x_sum, ...
  MetricLabels labels;
  double value = 0;
};

class PrometheusScrape {
 public:
  // Throws std::invalid_argument naming the line that is wrong.
  static PrometheusScrape Parse(const std::string& text);

  // The sample with exactly these labels, if there is one.
  std::optional<double> Value(const std::string& name, const MetricLabels& labels = {}) const;
  // The sum over samples of `name` whose labels include `labels`
  // (0 when none match).
  double Sum(const std::string& name, const MetricLabels& labels = {}) const;
  // A histogram's count and sum for these labels (`name` without suffix).
  std::optional<double> HistogramCount(const std::string& name, const MetricLabels& labels = {}) const {
    return Value(name + "_count", labels);
  }
  std::optional<double> HistogramSum(const std::string& name, const MetricLabels& labels = {}) const {
    return Value(name + "_sum", labels);
  }

  // Family names (from # TYPE) and their types: counter, gauge, histogram...
  const std::map<std::string, std::string>& Families() const { return types_; }
  // Every name a PromQL expression may use: families and, for histograms
  // and summaries, their _bucket/_sum/_count series.
  std::set<std::string> SeriesNames() const;
  const std::vector<MetricSample>& Samples() const { return samples_; }
  const std::string& Text() const { return text_; }

 private:
  std::string text_;
  std::map<std::string, std::string> types_;
  std::vector<MetricSample> samples_;
};

// GET /metrics from `server` and parse it; throws (std::runtime_error) on
// a status other than 200 or text that does not parse.
PrometheusScrape ScrapeMetrics(const ServerProcess& server);

}  // namespace plenum::test
