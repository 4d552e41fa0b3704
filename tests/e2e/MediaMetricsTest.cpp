// The media half of /metrics, against a real server and three real
// webrtcbin clients that send audio (Opus, 20 ms packets: 50 a second) and
// video: what the counters gain over a window of steady media matches what
// was sent and received, the histograms fill, and nothing goes down once the
// participants have left and the room has ended.

#include "support/E2eExpectations.hpp"
#include "support/PrometheusScrape.hpp"
#include "support/ServerTest.hpp"
#include "testclient/TimeoutScale.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kOneSecond = ReceivedMedia::kSampleRate;
constexpr double kAudioPacketsPerSecond = 50.0;  // one per 20 ms, both ways
constexpr double kTicksPerSecond = 50.0;         // a room's audio tick
// The smallest an RTP packet of ours can be: a 12-byte header and an Opus
// frame of a few bytes (the test tones are far from silence).
constexpr double kMinPacketBytes = 20.0;

// Every counter family of the media half, with the label sets it always has.
struct CounterSample {
  const char* name;
  MetricLabels labels;
};
const std::vector<CounterSample>& Counters() {
  static const std::vector<CounterSample> counters = {
      {"plenum_media_packets_total", {{"direction", "in"}, {"kind", "audio"}}},
      {"plenum_media_packets_total", {{"direction", "in"}, {"kind", "video"}}},
      {"plenum_media_packets_total", {{"direction", "out"}, {"kind", "audio"}}},
      {"plenum_media_packets_total", {{"direction", "out"}, {"kind", "video"}}},
      {"plenum_media_bytes_total", {{"direction", "in"}, {"kind", "audio"}}},
      {"plenum_media_bytes_total", {{"direction", "in"}, {"kind", "video"}}},
      {"plenum_media_bytes_total", {{"direction", "out"}, {"kind", "audio"}}},
      {"plenum_media_bytes_total", {{"direction", "out"}, {"kind", "video"}}},
      {"plenum_media_packets_lost_total", {{"direction", "in"}}},
      {"plenum_media_packets_lost_total", {{"direction", "out"}}},
      {"plenum_media_jitter_seconds_count", {{"direction", "in"}}},
      {"plenum_media_jitter_seconds_count", {{"direction", "out"}}},
      {"plenum_composite_frames_encoded_total", {{"codec", "vp8"}}},
      {"plenum_composite_frames_encoded_total", {{"codec", "h264"}}},
      {"plenum_composite_frames_dropped_total", {}},
      {"plenum_audio_tick_lateness_seconds_count", {}},
      {"plenum_video_retransmitted_packets_total", {}},
      {"plenum_keyframe_requests_total", {{"outcome", "sent"}}},
      {"plenum_keyframe_requests_total", {{"outcome", "deferred"}}},
  };
  return counters;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string ToString(const MetricLabels& labels) {
  std::string text = "{";
  for (const auto& [name, value] : labels) text += (text.size() > 1 ? "," : "") + name + "=\"" + value + "\"";
  return text + "}";
}

// The sample's value; a failure (and 0) when the scrape lacks it.
double ValueOf(const PrometheusScrape& scrape, const std::string& name, const MetricLabels& labels = {}) {
  const std::optional<double> value = scrape.Value(name, labels);
  EXPECT_TRUE(value.has_value()) << "no sample " << name << ToString(labels);
  return value.value_or(0);
}

std::string TypeOf(const PrometheusScrape& scrape, const std::string& family) {
  const auto found = scrape.Families().find(family);
  return found == scrape.Families().end() ? "" : found->second;
}

class MediaMetricsTest : public ServerTest {
 protected:
  PrometheusScrape Scrape() { return ScrapeMetrics(Server()); }

  // Scrapes until `done` holds, up to `timeout` (scaled); the last scrape.
  PrometheusScrape ScrapeUntil(const std::function<bool(const PrometheusScrape&)>& done,
                               std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + Scaled(timeout);
    PrometheusScrape scrape = Scrape();
    while (!done(scrape) && Clock::now() < deadline) {
      std::this_thread::sleep_for(250ms);
      scrape = Scrape();
    }
    return scrape;
  }
};

double Delta(const PrometheusScrape& before, const PrometheusScrape& after, const std::string& name,
             const MetricLabels& labels = {}) {
  return ValueOf(after, name, labels) - ValueOf(before, name, labels);
}

TEST_F(MediaMetricsTest, CountWhatThreeParticipantsSendAndReceive) {
  const PrometheusScrape start = Scrape();
  // Every family is there from the start, with its type, before any room.
  for (const auto& [family, type] : std::vector<std::pair<std::string, std::string>>{
           {"plenum_media_packets_total", "counter"},
           {"plenum_media_bytes_total", "counter"},
           {"plenum_media_packets_lost_total", "counter"},
           {"plenum_media_jitter_seconds", "histogram"},
           {"plenum_composite_frames_encoded_total", "counter"},
           {"plenum_composite_frames_dropped_total", "counter"},
           {"plenum_audio_tick_lateness_seconds", "histogram"},
           {"plenum_video_retransmitted_packets_total", "counter"},
           {"plenum_keyframe_requests_total", "counter"}}) {
    EXPECT_EQ(TypeOf(start, family), type) << family;
  }
  for (const CounterSample& counter : Counters())
    EXPECT_TRUE(start.Value(counter.name, counter.labels).has_value()) << counter.name << ToString(counter.labels);

  const std::string room = UniqueRoom("metrics");
  std::vector<std::unique_ptr<RoomParticipant>> participants;
  participants.push_back(Participant(ParticipantOptions("alice", 440, 0xFFFF0000)));
  participants.push_back(Participant(ParticipantOptions("bob", 660, 0xFF00FF00)));
  participants.push_back(Participant(ParticipantOptions("carol", 880, 0xFF0000FF)));
  std::vector<RoomParticipant*> raw;
  for (const auto& p : participants) raw.push_back(p.get());
  ASSERT_TRUE(AllConnect(raw, room, 20s)) << Context();
  // Steady media everywhere before the window opens.
  for (RoomParticipant* p : raw) {
    ASSERT_TRUE(p->Received().WaitForMoreAudio(2 * kOneSecond, 15s)) << p->Describe(true) << Context();
    ASSERT_TRUE(p->Received().WaitForMoreVideo(5, 15s)) << p->Describe(true) << Context();
  }

  const PrometheusScrape before = Scrape();
  const auto opened = Clock::now();
  // At least six seconds, and until both directions have jitter from a
  // report made inside the window (ours every ~1 s, the clients' every few
  // seconds).
  std::this_thread::sleep_for(6s);
  const PrometheusScrape after = ScrapeUntil(
      [&](const PrometheusScrape& now) {
        return Delta(before, now, "plenum_media_jitter_seconds_count", {{"direction", "in"}}) > 0 &&
               Delta(before, now, "plenum_media_jitter_seconds_count", {{"direction", "out"}}) > 0;
      },
      15s);
  const double window = Seconds(Clock::now() - opened);
  const double clients = static_cast<double>(raw.size());
  std::printf("window %.2f s\n", window);
  for (const CounterSample& counter : Counters())
    std::printf("  %s%s +%.0f\n", counter.name, ToString(counter.labels).c_str(),
                Delta(before, after, counter.name, counter.labels));

  // Audio: 50 packets a second from each client, and to each.
  const double expectedAudio = clients * kAudioPacketsPerSecond * window;
  const double audioIn = Delta(before, after, "plenum_media_packets_total", {{"direction", "in"}, {"kind", "audio"}});
  const double audioOut =
      Delta(before, after, "plenum_media_packets_total", {{"direction", "out"}, {"kind", "audio"}});
  EXPECT_NEAR(audioIn, expectedAudio, 0.15 * expectedAudio);
  EXPECT_NEAR(audioOut, expectedAudio, 0.15 * expectedAudio);
  // Video both ways: the cameras in, the composite out to everyone.
  const double videoIn = Delta(before, after, "plenum_media_packets_total", {{"direction", "in"}, {"kind", "video"}});
  const double videoOut =
      Delta(before, after, "plenum_media_packets_total", {{"direction", "out"}, {"kind", "video"}});
  EXPECT_GT(videoIn, clients * 10 * window) << "fewer than one packet per camera frame";
  EXPECT_GT(videoOut, clients * 20 * window) << "fewer than one composite packet per frame per receiver";
  for (const char* direction : {"in", "out"}) {
    for (const char* kind : {"audio", "video"}) {
      const MetricLabels labels{{"direction", direction}, {"kind", kind}};
      EXPECT_GT(Delta(before, after, "plenum_media_bytes_total", labels),
                kMinPacketBytes * Delta(before, after, "plenum_media_packets_total", labels))
          << direction << " " << kind;
    }
  }

  // The composite: 30 frames a second encoded, at least 20.
  const double frames = Delta(before, after, "plenum_composite_frames_encoded_total", {{"codec", "vp8"}});
  EXPECT_GE(frames / window, 20.0) << frames << " frames in " << window << " s";

  // The tick: 50 a second for the one room, 99 % of them less than 20 ms
  // late.
  const double ticks = Delta(before, after, "plenum_audio_tick_lateness_seconds_count");
  EXPECT_NEAR(ticks, kTicksPerSecond * window, 0.15 * kTicksPerSecond * window);
  const double onTime =
      Delta(before, after, "plenum_audio_tick_lateness_seconds_bucket", {{"le", "0.02"}});
  EXPECT_GE(onTime, 0.99 * ticks) << "p99 of the tick's lateness is 20 ms or more";

  // RTCP both ways: jitter observed by us and reported by the clients.
  EXPECT_GT(Delta(before, after, "plenum_media_jitter_seconds_count", {{"direction", "in"}}), 0);
  EXPECT_GT(Delta(before, after, "plenum_media_jitter_seconds_count", {{"direction", "out"}}), 0);
  // On loopback, jitter is small: the median stream report under 20 ms.
  for (const char* direction : {"in", "out"}) {
    const double reports = Delta(before, after, "plenum_media_jitter_seconds_count", {{"direction", direction}});
    const double small =
        Delta(before, after, "plenum_media_jitter_seconds_bucket", {{"direction", direction}, {"le", "0.02"}});
    EXPECT_GE(small, 0.5 * reports) << direction;
  }

  // Everyone leaves; the room ends; no counter goes down.
  for (RoomParticipant* p : raw) EXPECT_TRUE(p->Leave(Scaled(10s)).has_value()) << p->Describe() << Context();
  participants.clear();
  const auto gone = [&] { return Server().Get("/api/v1/rooms/" + room).status == 404; };
  const auto deadline = Clock::now() + Scaled(10s);
  while (!gone() && Clock::now() < deadline) std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(gone()) << "the room did not end once everyone had left" << Context();
  // The room's media goes with the room: its counts must stay.
  const PrometheusScrape ended = Scrape();
  for (const CounterSample& counter : Counters()) {
    EXPECT_GE(ValueOf(ended, counter.name, counter.labels), ValueOf(after, counter.name, counter.labels))
        << counter.name << ToString(counter.labels) << " went down after the room ended";
    EXPECT_GE(ValueOf(after, counter.name, counter.labels), ValueOf(start, counter.name, counter.labels))
        << counter.name << ToString(counter.labels);
  }
}

}  // namespace
}  // namespace plenum::test
