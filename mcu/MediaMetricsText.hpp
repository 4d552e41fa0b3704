// The media families of /metrics, in Prometheus text, from the server's
// mixer::MediaMetrics: totals only, never a room or a participant as a
// label (every distinct label value is a series Prometheus keeps, and the
// scrape is readable by whoever reaches /metrics). Any thread; only loads.
#pragma once

#include <string>

namespace plenum::mixer {
class MediaMetrics;
}

namespace plenum::mcu {

std::string MediaMetricsText(const mixer::MediaMetrics& metrics);

}  // namespace plenum::mcu
