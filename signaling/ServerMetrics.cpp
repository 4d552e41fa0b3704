#include "signaling/ServerMetrics.hpp"

#include <array>
#include <map>
#include <string_view>

#include "common/PrometheusText.hpp"
#include "mcu/Messages.hpp"
#include "mcu/ServerCounters.hpp"

#ifndef PLENUM_VERSION
#define PLENUM_VERSION "dev"
#endif

namespace plenum::signaling {

namespace {

using common::PrometheusText;
using common::PrometheusType;

// What the API can report (mcu::RecordingInfo, mcu::BroadcastInfo).
constexpr std::array<std::string_view, 4> kRecordingStates = {"recording", "finished", "failed", "interrupted"};
constexpr std::array<std::string_view, 3> kBroadcastKinds = {"rtmp", "srt", "hls"};
constexpr std::array<std::string_view, 5> kBroadcastStates = {"starting", "live", "retrying", "stopped", "failed"};

void WriteGauges(PrometheusText& out, const mcu::ServerStats& stats) {
  out.Family("plenum_rooms", PrometheusType::kGauge, "Rooms known to the server.");
  out.Sample(static_cast<double>(stats.rooms));
  out.Family("plenum_rooms_active", PrometheusType::kGauge, "Rooms with a running media pipeline.");
  out.Sample(static_cast<double>(stats.activeRooms));
  out.Family("plenum_participants", PrometheusType::kGauge, "Participants in rooms.");
  out.Sample(static_cast<double>(stats.participants));
  out.Family("plenum_sessions", PrometheusType::kGauge, "Open signaling sessions (WebSockets).");
  out.Sample(static_cast<double>(stats.sessions));

  // Every state the API knows is listed, at 0 when no room has it; a state
  // the lists do not know yet still shows.
  std::map<std::string, std::size_t> recordings = stats.recordings;
  for (std::string_view state : kRecordingStates) recordings.try_emplace(std::string(state), 0);
  out.Family("plenum_recordings", PrometheusType::kGauge,
             "Room recordings by state, as the API shows them: the running one, or the last if it failed.");
  for (const auto& [state, count] : recordings) out.Sample({{"state", state}}, static_cast<double>(count));

  auto broadcasts = stats.broadcasts;
  for (std::string_view kind : kBroadcastKinds)
    for (std::string_view state : kBroadcastStates) broadcasts.try_emplace({std::string(kind), std::string(state)}, 0);
  out.Family("plenum_broadcasts", PrometheusType::kGauge, "Broadcast outputs (RTMP, SRT, HLS) by kind and state.");
  for (const auto& [key, count] : broadcasts)
    out.Sample({{"kind", key.first}, {"state", key.second}}, static_cast<double>(count));
}

void WriteCounters(PrometheusText& out, const mcu::ServerCounters& counters) {
  out.Family("plenum_joins_total", PrometheusType::kCounter, "Joins the server accepted.");
  out.Sample(static_cast<double>(counters.joins()));

  out.Family("plenum_leaves_total", PrometheusType::kCounter,
             "Participants who left a room, by reason (as their connection's timeline says).");
  for (std::size_t i = 0; i < mcu::ServerCounters::kLeaveReasons.size(); ++i)
    out.Sample({{"reason", std::string(mcu::ServerCounters::kLeaveReasons[i])}},
               static_cast<double>(counters.leaves(i)));

  out.Family("plenum_join_first_media_seconds", PrometheusType::kHistogram,
             "From a join to the participant's first media received by the server (in) and sent by it (out).");
  out.Histogram({{"direction", "in"}}, counters.firstMedia(true).Snapshot());
  out.Histogram({{"direction", "out"}}, counters.firstMedia(false).Snapshot());

  out.Family("plenum_errors_total", PrometheusType::kCounter,
             "Errors sent to clients, over the WebSocket or in a REST error body, by protocol code.");
  for (std::size_t i = 0; i < mcu::ServerCounters::kErrorCodes.size(); ++i)
    out.Sample({{"code", mcu::ToString(mcu::ServerCounters::kErrorCodes[i])}}, static_cast<double>(counters.errors(i)));
}

}  // namespace

std::string ServerMetricsText(const mcu::ServerStats* stats, const mcu::ServerCounters& counters,
                              std::chrono::milliseconds controlStalled) {
  PrometheusText out;
  out.Family("plenum_build_info", PrometheusType::kGauge, "The server's version; always 1.");
  out.Sample({{"version", PLENUM_VERSION}}, 1);
  out.Family("plenum_control_stalled_seconds", PrometheusType::kGauge,
             "How long the control thread has not answered, once over control-stall-seconds; 0 while it answers.");
  out.Sample(std::chrono::duration<double>(controlStalled).count());
  if (stats) WriteGauges(out, *stats);
  WriteCounters(out, counters);
  return out.Take();
}

}  // namespace plenum::signaling
