#include "mcu/MediaMetricsText.hpp"

#include "common/PrometheusText.hpp"
#include "mixer/MediaMetrics.hpp"

namespace plenum::mcu {
namespace {

using common::PrometheusText;
using common::PrometheusType;
using mixer::MediaKind;
using mixer::MediaMetrics;

const char* DirectionName(MediaMetrics::Direction direction) { return direction == MediaMetrics::kIn ? "in" : "out"; }
const char* KindName(MediaKind kind) { return kind == MediaKind::Audio ? "audio" : "video"; }

constexpr MediaMetrics::Direction kDirections[] = {MediaMetrics::kIn, MediaMetrics::kOut};
constexpr MediaKind kKinds[] = {MediaKind::Audio, MediaKind::Video};

}  // namespace

std::string MediaMetricsText(const MediaMetrics& metrics) {
  PrometheusText text;

  text.Family("plenum_media_packets_total", PrometheusType::kCounter,
              "RTP packets received from participants (in) and sent to them (out), video retransmissions included.");
  for (const auto direction : kDirections)
    for (const auto kind : kKinds)
      text.Sample({{"direction", DirectionName(direction)}, {"kind", KindName(kind)}},
                  static_cast<double>(metrics.Packets(direction, kind)));

  text.Family("plenum_media_bytes_total", PrometheusType::kCounter,
              "Bytes of those RTP packets, header and payload as RTP: after SRTP unprotect (in), before SRTP "
              "protect (out); without SRTP's tag, UDP, IP or TURN overhead.");
  for (const auto direction : kDirections)
    for (const auto kind : kKinds)
      text.Sample({{"direction", DirectionName(direction)}, {"kind", KindName(kind)}},
                  static_cast<double>(metrics.Bytes(direction, kind)));

  text.Family("plenum_media_packets_lost_total", PrometheusType::kCounter,
              "RTP packets lost (RFC 3550 cumulative lost, as its increases per stream): in, on their way to the "
              "server, from our receive statistics at each of our reports; out, on their way to participants, "
              "from their receiver reports about our streams.");
  for (const auto direction : kDirections)
    text.Sample({{"direction", DirectionName(direction)}}, static_cast<double>(metrics.PacketsLost(direction)));

  text.Family("plenum_media_jitter_seconds", PrometheusType::kHistogram,
              "Interarrival jitter (RFC 3550) of each RTP stream at each RTCP report, in seconds: in, ours for what "
              "we receive; out, as participants report it for what we send them.");
  for (const auto direction : kDirections)
    text.Histogram({{"direction", DirectionName(direction)}}, metrics.Jitter(direction).Snapshot());

  const mixer::CompositeFrameCounters& composite = metrics.Composite();
  text.Family("plenum_composite_frames_encoded_total", PrometheusType::kCounter,
              "Frames the rooms' composite encoders produced, by codec (the encoder frame rate is its rate()).");
  text.Sample({{"codec", "vp8"}}, static_cast<double>(composite.vp8Encoded.load(std::memory_order_relaxed)));
  text.Sample({{"codec", "h264"}}, static_cast<double>(composite.h264Encoded.load(std::memory_order_relaxed)));

  text.Family("plenum_composite_frames_dropped_total", PrometheusType::kCounter,
              "Composite frames the room's frame rate scheduled that never left an encoder (a gap in the encoded "
              "frames' timestamps: compositor QoS, the H.264 encode's leaky queue, an encoder), per encode.");
  text.Sample(static_cast<double>(composite.dropped.load(std::memory_order_relaxed)));

  text.Family("plenum_audio_tick_lateness_seconds", PrometheusType::kHistogram,
              "How late each room's 20 ms audio tick started on its media worker, after its deadline, in seconds "
              "(ticks skipped after a stall of more than 100 ms are not counted).");
  text.Histogram({}, metrics.TickLateness().Snapshot());

  text.Family("plenum_video_retransmitted_packets_total", PrometheusType::kCounter,
              "Composite video packets sent again in answer to a receiver's NACK.");
  text.Sample(static_cast<double>(metrics.VideoRetransmitted()));

  text.Family("plenum_keyframe_requests_total", PrometheusType::kCounter,
              "Receivers' PLI/FIR for the composite: sent, passed to its encoder at once; deferred, too soon after "
              "the same receiver's last, passed on when its interval ends.");
  text.Sample({{"outcome", "sent"}}, static_cast<double>(metrics.KeyframeRequestsSent()));
  text.Sample({{"outcome", "deferred"}}, static_cast<double>(metrics.KeyframeRequestsDeferred()));

  return text.Take();
}

}  // namespace plenum::mcu
