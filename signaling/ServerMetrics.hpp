// The control plane's families of /metrics: rooms, participants,
// sessions, joins, leaves, time to first media, errors by code, recordings
// and broadcasts by state, the build. Every label is a fixed vocabulary
// (a reason, a code, a state, a kind, a direction), never a room name or a
// participant id: those would make a time series per meeting, kept for
// good, and tell whoever reads /metrics who met. Every known label value
// is written from the start, at 0, so rate() sees a counter's first rise.
#pragma once

#include <chrono>
#include <string>

namespace plenum::mcu {
class ServerCounters;
struct ServerStats;
}  // namespace plenum::mcu

namespace plenum::signaling {

// `stats` null: the control thread did not answer, so the families it
// counts (rooms, participants, sessions, recordings, broadcasts) are left
// out and the rest still tells what goes on. `controlStalled`: how long
// the control thread has not answered (zero while it does).
std::string ServerMetricsText(const mcu::ServerStats* stats, const mcu::ServerCounters& counters,
                              std::chrono::milliseconds controlStalled);

}  // namespace plenum::signaling
