// The process_* families every Prometheus client library exports, with
// their standard names, so stock dashboards and alerts work: read from
// /proc/self (Linux) and getrlimit at each scrape.
#pragma once

#include <optional>

#include "common/PrometheusText.hpp"

namespace plenum::signaling {

struct ProcessSample {
  double cpuSeconds = 0;  // user + system
  double residentBytes = 0;
  double virtualBytes = 0;
  double openFds = 0;
  double maxFds = 0;            // the soft RLIMIT_NOFILE
  double startTimeSeconds = 0;  // since the Unix epoch
  double threads = 0;
};

// Empty when /proc/self/stat cannot be read or parsed.
std::optional<ProcessSample> ReadProcessSample();

// Writes the families of `ReadProcessSample()`; nothing when it is empty.
void WriteProcessMetrics(common::PrometheusText& out);

}  // namespace plenum::signaling
