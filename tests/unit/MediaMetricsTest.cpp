// The media counters of /metrics without a server: reported loss turned
// into increases (table-driven), the workers' counters summed, the packet
// path's count free of allocation, and the text's families.

#include "mcu/MediaMetricsText.hpp"
#include "mixer/CumulativeLoss.hpp"
#include "mixer/MediaMetrics.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "AllocationCounter.hpp"

namespace plenum::mixer {
namespace {

struct Block {
  uint32_t ssrc;
  int32_t cumulativeLost;
  uint32_t highestSequence;
  uint64_t increase;  // expected
};

struct LossCase {
  const char* name;
  std::vector<Block> blocks;
};

TEST(CumulativeLossTest, CountsEachRiseOnce) {
  const std::vector<LossCase> cases = {
      {"first block counts whole", {{1, 5, 100, 5}}},
      {"rises add their difference", {{1, 2, 100, 2}, {1, 7, 200, 5}, {1, 7, 300, 0}}},
      {"a dip (a late packet arrived, a duplicate) and the rise back count once",
       {{1, 4, 100, 4}, {1, 3, 200, 0}, {1, 4, 300, 0}, {1, 6, 400, 2}}},
      {"negative (duplicates) counts nothing until above the highest counted",
       {{1, -2, 100, 0}, {1, 0, 200, 0}, {1, 3, 300, 3}}},
      {"streams are apart", {{1, 3, 100, 3}, {2, 3, 100, 3}, {1, 4, 200, 1}, {2, 3, 200, 0}}},
      {"statistics started again (highest sequence went back): from zero",
       {{1, 10, 5000, 10}, {1, 2, 30, 2}, {1, 5, 90, 3}}},
  };
  for (const LossCase& c : cases) {
    CumulativeLoss loss;
    for (size_t i = 0; i < c.blocks.size(); ++i) {
      const Block& b = c.blocks[i];
      EXPECT_EQ(loss.Increase(b.ssrc, b.cumulativeLost, b.highestSequence), b.increase) << c.name << ", block " << i;
    }
  }
}

TEST(CumulativeLossTest, IgnoresStreamsPastItsBound) {
  CumulativeLoss loss;
  for (uint32_t ssrc = 1; ssrc <= CumulativeLoss::kMaxStreams; ++ssrc) EXPECT_EQ(loss.Increase(ssrc, 1, 10), 1u);
  EXPECT_EQ(loss.Increase(1000, 8'000'000, 10), 0u) << "a stream past the bound was counted";
  EXPECT_EQ(loss.Increase(1, 2, 20), 1u) << "a known stream stopped counting";
}

TEST(MediaMetricsTest, CompositeFramesMissingFromTheirTimestamps) {
  constexpr uint64_t kFrame = 33'333'333;  // 30 frames a second, as the compositor stamps them (rounded down)
  struct Step {
    uint64_t previous, next, missing;
  };
  for (const Step& step : std::vector<Step>{
           {0, kFrame, 0},                                   // the next frame
           {kFrame, 2 * kFrame + 1, 0},                      // the next, stamped a nanosecond later
           {0, 2 * kFrame, 1},                               // one missing
           {10 * kFrame, 15 * kFrame, 4},                    // four
           {0, kFrame + kFrame / 3, 0},                      // a late stamp is not a frame missing
           {5 * kFrame, 5 * kFrame, 0},                      // the same again
           {5 * kFrame, 4 * kFrame, 0},                      // back
           {0, CompositeFrameCounters::kMaxGapNs + 1, 0},    // a new timeline
       }) {
    EXPECT_EQ(CompositeFrameCounters::MissingBetween(step.previous, step.next, kFrame), step.missing)
        << step.previous << " -> " << step.next;
  }
}

TEST(MediaMetricsTest, SumsTheWorkersCounters) {
  MediaMetrics metrics(3);
  metrics.Worker(0).CountPacket(MediaMetrics::kIn, MediaKind::Audio, 100);
  metrics.Worker(2).CountPacket(MediaMetrics::kIn, MediaKind::Audio, 60);
  metrics.Worker(1).CountPacket(MediaMetrics::kOut, MediaKind::Video, 1200);
  metrics.Worker(1).packetsLost[MediaMetrics::kOut].Add(4);
  metrics.Worker(2).packetsLost[MediaMetrics::kOut].Add(3);
  EXPECT_EQ(metrics.Packets(MediaMetrics::kIn, MediaKind::Audio), 2u);
  EXPECT_EQ(metrics.Bytes(MediaMetrics::kIn, MediaKind::Audio), 160u);
  EXPECT_EQ(metrics.Packets(MediaMetrics::kOut, MediaKind::Video), 1u);
  EXPECT_EQ(metrics.Bytes(MediaMetrics::kOut, MediaKind::Video), 1200u);
  EXPECT_EQ(metrics.Packets(MediaMetrics::kIn, MediaKind::Video), 0u);
  EXPECT_EQ(metrics.PacketsLost(MediaMetrics::kOut), 7u);
  EXPECT_EQ(metrics.PacketsLost(MediaMetrics::kIn), 0u);
}

TEST(MediaMetricsTest, CountingAPacketAllocatesNothing) {
  if (!test::AllocationsCounted()) GTEST_SKIP() << "operator new is not ours to count here (valgrind)";
  MediaMetrics metrics(2);
  MediaMetrics::WorkerCounters& worker = metrics.Worker(1);
  CumulativeLoss loss;
  loss.Increase(7, 0, 0);  // the stream is known, as after its first report
  const size_t allocations = test::AllocationsDuring([&] {
    for (int i = 0; i < 10'000; ++i) {
      worker.CountPacket(MediaMetrics::kIn, MediaKind::Video, 1100);
      worker.CountPacket(MediaMetrics::kOut, MediaKind::Audio, 90);
    }
    worker.packetsLost[MediaMetrics::kIn].Add(loss.Increase(7, 3, 100));
    metrics.TickLateness().Observe(0.0004);
    metrics.Jitter(MediaMetrics::kOut).Observe(0.003);
  });
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(metrics.Packets(MediaMetrics::kIn, MediaKind::Video), 10'000u);
}

TEST(MediaMetricsTest, WritesEveryFamilyWithoutRoomOrParticipantLabels) {
  MediaMetrics metrics(2);
  metrics.Worker(0).CountPacket(MediaMetrics::kIn, MediaKind::Audio, 100);
  metrics.Worker(1).keyframeRequestsDeferred.Add(2);
  metrics.Composite().vp8Encoded.fetch_add(30);
  metrics.TickLateness().Observe(0.0015);
  metrics.Jitter(MediaMetrics::kIn).Observe(0.004);
  const std::string text = mcu::MediaMetricsText(metrics);
  for (const char* line : {
           "# TYPE plenum_media_packets_total counter\n",
           "plenum_media_packets_total{direction=\"in\",kind=\"audio\"} 1\n",
           "plenum_media_packets_total{direction=\"out\",kind=\"video\"} 0\n",
           "# TYPE plenum_media_bytes_total counter\n",
           "plenum_media_bytes_total{direction=\"in\",kind=\"audio\"} 100\n",
           "# TYPE plenum_media_packets_lost_total counter\n",
           "plenum_media_packets_lost_total{direction=\"out\"} 0\n",
           "# TYPE plenum_media_jitter_seconds histogram\n",
           "plenum_media_jitter_seconds_bucket{direction=\"in\",le=\"0.002\"} 0\n",
           "plenum_media_jitter_seconds_bucket{direction=\"in\",le=\"0.005\"} 1\n",
           "plenum_media_jitter_seconds_count{direction=\"out\"} 0\n",
           "# TYPE plenum_composite_frames_encoded_total counter\n",
           "plenum_composite_frames_encoded_total{codec=\"vp8\"} 30\n",
           "plenum_composite_frames_encoded_total{codec=\"h264\"} 0\n",
           "# TYPE plenum_composite_frames_dropped_total counter\n",
           "# TYPE plenum_audio_tick_lateness_seconds histogram\n",
           "plenum_audio_tick_lateness_seconds_bucket{le=\"0.001\"} 0\n",
           "plenum_audio_tick_lateness_seconds_bucket{le=\"0.002\"} 1\n",
           "plenum_audio_tick_lateness_seconds_count 1\n",
           "# TYPE plenum_video_retransmitted_packets_total counter\n",
           "# TYPE plenum_keyframe_requests_total counter\n",
           "plenum_keyframe_requests_total{outcome=\"deferred\"} 2\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "in:\n" << text;
  }
  EXPECT_EQ(text.find("room=\""), std::string::npos);
  EXPECT_EQ(text.find("participant=\""), std::string::npos);
}

}  // namespace
}  // namespace plenum::mixer
