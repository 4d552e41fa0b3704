// A participant's connection timeline, its rates and its record: bounded,
// counted steps, states; then the JSON the API makes of them.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "mcu/ConnectionRecord.hpp"
#include "mcu/ConnectionTimeline.hpp"
#include "mcu/RateMeter.hpp"
#include "signaling/RestCodec.hpp"

namespace plenum {
namespace {

using namespace std::chrono_literals;
using mcu::ConnectionTimeline;

const ConnectionTimeline::Clock::time_point kStart = ConnectionTimeline::Clock::time_point{} + 1'700'000'000s;

std::vector<std::string> Steps(const ConnectionTimeline& timeline) {
  std::vector<std::string> steps;
  for (const auto& entry : timeline.entries()) steps.push_back(entry.step);
  return steps;
}

TEST(ConnectionTimeline, RecordsStepsInOrderWithTheirDetails) {
  ConnectionTimeline timeline;
  timeline.Record(kStart, "socket-opened");
  timeline.Record(kStart + 10ms, "joined", {{"room", std::string("r")}});
  timeline.Record(kStart + 20ms, "offer", {{"renegotiation", true}});
  timeline.Record(kStart + 30ms, "answer", {{"sections", std::int64_t{2}}});
  EXPECT_EQ(Steps(timeline), (std::vector<std::string>{"socket-opened", "joined", "offer", "answer"}));
  const auto& entries = timeline.entries();
  EXPECT_EQ(entries[1].at, kStart + 10ms);
  ASSERT_EQ(entries[1].details.size(), 1u);
  EXPECT_EQ(entries[1].details[0].name, "room");
  EXPECT_EQ(std::get<std::string>(entries[1].details[0].value), "r");
  EXPECT_EQ(std::get<bool>(entries[2].details[0].value), true);
  EXPECT_EQ(std::get<std::int64_t>(entries[3].details[0].value), 2);
  EXPECT_EQ(entries[0].count, 0u) << "a recorded step is not a counted one";
  EXPECT_EQ(timeline.dropped(), 0u);
}

TEST(ConnectionTimeline, CountedStepsTakeOneEntryPerStepAndDetails) {
  ConnectionTimeline timeline;
  timeline.Record(kStart, "socket-opened");
  for (int i = 0; i < 500; ++i)
    timeline.Count(kStart + std::chrono::milliseconds(i), "remote-candidate", {{"type", std::string("host")}});
  timeline.Record(kStart + 600ms, "answer");
  timeline.Count(kStart + 700ms, "remote-candidate", {{"type", std::string("srflx")}});
  timeline.Count(kStart + 800ms, "remote-candidate", {{"type", std::string("host")}});
  timeline.Count(kStart + 900ms, "remote-candidate", {{"end", true}});

  EXPECT_EQ(Steps(timeline), (std::vector<std::string>{"socket-opened", "remote-candidate", "answer",
                                                       "remote-candidate", "remote-candidate"}));
  const auto& host = timeline.entries()[1];
  EXPECT_EQ(host.count, 501u);
  EXPECT_EQ(host.at, kStart) << "a counted step stays where it first happened";
  EXPECT_EQ(host.lastAt, kStart + 800ms);
  EXPECT_EQ(timeline.entries()[3].count, 1u);
  EXPECT_EQ(timeline.entries()[3].lastAt, kStart + 700ms);
  EXPECT_EQ(timeline.dropped(), 0u);
}

TEST(ConnectionTimeline, StaysBoundedKeepingTheBeginningAndTheLatest) {
  ConnectionTimeline timeline(8, 3);
  for (int i = 0; i < 20; ++i) timeline.Record(kStart + std::chrono::seconds(i), "step-" + std::to_string(i));
  EXPECT_EQ(timeline.entries().size(), 8u);
  EXPECT_EQ(timeline.dropped(), 12u);
  EXPECT_EQ(Steps(timeline), (std::vector<std::string>{"step-0", "step-1", "step-2", "step-15", "step-16", "step-17",
                                                       "step-18", "step-19"}));
}

TEST(ConnectionTimeline, TheDefaultBoundIs64Entries) {
  ConnectionTimeline timeline;
  timeline.Record(kStart, "socket-opened");
  for (int i = 0; i < 1000; ++i) timeline.Record(kStart + std::chrono::milliseconds(i), i % 2 ? "mute" : "unmute");
  EXPECT_EQ(timeline.entries().size(), ConnectionTimeline::kCapacity);
  EXPECT_EQ(timeline.entries().size(), 64u);
  EXPECT_EQ(timeline.dropped(), 1001u - 64u);
  EXPECT_EQ(timeline.entries().front().step, "socket-opened");
  EXPECT_EQ(timeline.entries().back().at, kStart + 999ms);
}

TEST(ConnectionTimeline, ACountedStepDroppedFromTheMiddleStartsAgain) {
  ConnectionTimeline timeline(4, 1);
  timeline.Record(kStart, "socket-opened");
  timeline.Count(kStart + 1s, "local-candidate");
  timeline.Record(kStart + 2s, "a");
  timeline.Record(kStart + 3s, "b");
  timeline.Record(kStart + 4s, "c");  // drops the counted entry
  timeline.Count(kStart + 5s, "local-candidate");
  EXPECT_EQ(Steps(timeline), (std::vector<std::string>{"socket-opened", "b", "c", "local-candidate"}));
  EXPECT_EQ(timeline.entries().back().count, 1u);
  EXPECT_EQ(timeline.dropped(), 2u);
}

TEST(ConnectionState, FromTheTransportsStates) {
  struct Case {
    std::string ice, peer;
    bool left;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "", false, "connecting"},
      {"checking", "connecting", false, "connecting"},
      {"connected", "connecting", false, "connecting"},  // DTLS still to come
      {"connected", "connected", false, "connected"},
      {"completed", "connected", false, "connected"},
      {"connected", "", false, "connected"},  // a transport without a peer connection state
      {"disconnected", "disconnected", false, "connecting"},
      {"failed", "connecting", false, "failed"},
      {"connected", "failed", false, "failed"},
      {"connected", "connected", true, "left"},
      {"failed", "failed", true, "left"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(mcu::ConnectionState(c.ice, c.peer, c.left), c.expected)
        << "ice " << c.ice << ", peer " << c.peer << ", left " << c.left;
  }
}

mcu::MediaTotals Totals(std::uint64_t audioPackets, std::uint64_t audioBytes) {
  mcu::MediaTotals totals;
  totals.audioIn = {audioPackets, audioBytes};
  totals.audioOut = {audioPackets / 2, audioBytes / 2};
  return totals;
}

TEST(RateMeter, RatesOverTheNewestSampleAtLeastTwoSecondsOld) {
  mcu::RateMeter meter;
  const auto t0 = mcu::RateMeter::Clock::time_point{} + 1000s;
  // 50 packets of 100 bytes a second.
  for (int s = 0; s <= 5; ++s) meter.Sample(t0 + std::chrono::seconds(s), Totals(50 * s, 5000 * s));
  const auto now = t0 + 5500ms;
  const mcu::MediaRates rates = meter.Rates(now, Totals(275, 27500));
  // From the sample at 3 s: 125 packets in 2.5 s.
  EXPECT_DOUBLE_EQ(rates.audioIn.packetsPerSecond, 50.0);
  EXPECT_DOUBLE_EQ(rates.audioIn.kbps, 40.0);
  EXPECT_NEAR(rates.audioOut.packetsPerSecond, 25.0, 0.5);
  EXPECT_DOUBLE_EQ(rates.videoIn.packetsPerSecond, 0.0);
}

TEST(RateMeter, NothingBeforeASampleOrOverTooShortASpan) {
  mcu::RateMeter meter;
  const auto t0 = mcu::RateMeter::Clock::time_point{} + 1000s;
  EXPECT_DOUBLE_EQ(meter.Rates(t0, Totals(100, 1000)).audioIn.packetsPerSecond, 0.0);
  meter.Sample(t0, Totals(0, 0));
  EXPECT_DOUBLE_EQ(meter.Rates(t0 + 100ms, Totals(5, 500)).audioIn.packetsPerSecond, 0.0);
  // A young participant: over the span there is.
  EXPECT_DOUBLE_EQ(meter.Rates(t0 + 1s, Totals(50, 5000)).audioIn.packetsPerSecond, 50.0);
}

TEST(RateMeter, AStreamThatStartedAgainIsNotNegative) {
  mcu::RateMeter meter;
  const auto t0 = mcu::RateMeter::Clock::time_point{} + 1000s;
  meter.Sample(t0, Totals(1000, 100000));
  const mcu::MediaRates rates = meter.Rates(t0 + 3s, Totals(10, 1000));
  EXPECT_DOUBLE_EQ(rates.audioIn.packetsPerSecond, 0.0);
  EXPECT_DOUBLE_EQ(rates.audioIn.kbps, 0.0);
}

TEST(RateMeter, KeepsFewSamples) {
  mcu::RateMeter meter;
  const auto t0 = mcu::RateMeter::Clock::time_point{} + 1000s;
  for (int s = 0; s < 10000; ++s) meter.Sample(t0 + std::chrono::seconds(s), Totals(50 * s, 0));
  // Still right after hours of samples (and the deque stays small: no way
  // to see it from here but the memory checker's).
  EXPECT_DOUBLE_EQ(meter.Rates(t0 + 10000s, Totals(500000, 0)).audioIn.packetsPerSecond, 50.0);
}

TEST(ConnectionRecord, FromSocketToLeft) {
  mcu::ConnectionRecord record(kStart);
  EXPECT_FALSE(record.joined());
  record.Step("error", {{"code", std::string("room-full")}});
  mcu::ParticipantInfo alice{"a1", "alice", kStart + 1s};
  record.Joined("r", alice);
  record.Offer();
  record.IceState("checking");
  record.IceState("checking");  // no change, no entry
  record.IceState("connected");
  record.PeerConnectionState("connected");
  record.Offer();
  EXPECT_EQ(record.Report(alice, {}).state, "connected");

  mcu::MediaRates rates;
  rates.audioIn = {50, 40};
  EXPECT_DOUBLE_EQ(record.Report(alice, rates).rates.audioIn.packetsPerSecond, 50);

  alice.audioMuted = true;
  record.Left("socket-closed", alice);
  record.Step("error", {{"code", std::string("not-joined")}});  // after the end: not kept
  const mcu::ParticipantReport report = record.Report({}, rates);
  EXPECT_EQ(report.state, "left");
  EXPECT_EQ(report.room, "r");
  EXPECT_EQ(report.participant.id, "a1");
  EXPECT_TRUE(report.participant.audioMuted);
  EXPECT_DOUBLE_EQ(report.rates.audioIn.packetsPerSecond, 0.0) << "no rates once left";
  std::vector<std::string> steps;
  for (const auto& entry : report.timeline) steps.push_back(entry.step);
  EXPECT_EQ(steps, (std::vector<std::string>{"socket-opened", "error", "joined", "offer", "ice-state", "ice-state",
                                             "peer-connection-state", "offer", "left"}));
  EXPECT_TRUE(report.timeline[3].details.empty()) << "the first offer is no renegotiation";
  ASSERT_EQ(report.timeline[7].details.size(), 1u);
  EXPECT_EQ(report.timeline[7].details[0].name, "renegotiation");
  EXPECT_EQ(std::get<std::string>(report.timeline.back().details[0].value), "socket-closed");
}

TEST(ConnectionRecord, DtlsStatesAreStepsOfTheirOwnChangesOnly) {
  mcu::ConnectionRecord record(kStart);
  record.Joined("r", {"a1", "alice", kStart + 1s});
  record.IceState("connected");
  record.DtlsState("connecting");
  record.DtlsState("connecting");  // no change, no entry
  record.DtlsState("failed");
  record.PeerConnectionState("failed");
  const mcu::ParticipantReport report = record.Report({"a1", "alice", kStart + 1s}, {});
  EXPECT_EQ(report.state, "failed");
  std::vector<std::pair<std::string, std::string>> steps;
  for (const auto& entry : report.timeline) {
    steps.emplace_back(entry.step, entry.details.empty() ? "" : std::get<std::string>(entry.details[0].value));
  }
  EXPECT_EQ(steps, (std::vector<std::pair<std::string, std::string>>{{"socket-opened", ""},
                                                                     {"joined", "r"},
                                                                     {"ice-state", "connected"},
                                                                     {"dtls-state", "connecting"},
                                                                     {"dtls-state", "failed"},
                                                                     {"peer-connection-state", "failed"}}));
}

TEST(ParticipantReportJson, CarriesTheRoomsParticipantFieldsTimelineAndRates) {
  mcu::ParticipantReport report;
  report.room = "r";
  report.participant = {"a1", "alice", kStart, false, true};
  report.state = "connected";
  mcu::ConnectionTimeline timeline;
  timeline.Record(kStart + 1234ms, "first-media-in", {{"kind", std::string("audio")}});
  timeline.Count(kStart + 2s, "remote-candidate", {{"type", std::string("host")}});
  timeline.Count(kStart + 3s, "remote-candidate", {{"type", std::string("host")}});
  report.timeline = timeline.entries();
  report.timelineDropped = 3;
  report.rates.audioIn = {49.96, 38.44};
  report.loss.in = {12, 2.54};

  // As a client reads it.
  std::ostringstream text;
  signaling::ParticipantReportToJson(report).stringify(text);
  const auto parsed = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
  const Poco::JSON::Object& json = *parsed;
  EXPECT_EQ(json.getValue<std::string>("id"), "a1");
  EXPECT_EQ(json.getValue<std::string>("name"), "alice");
  EXPECT_FALSE(json.getValue<std::string>("joinedAt").empty());
  EXPECT_FALSE(json.getValue<bool>("audioMuted"));
  EXPECT_TRUE(json.getValue<bool>("videoMuted"));
  EXPECT_EQ(json.getValue<std::string>("state"), "connected");
  EXPECT_EQ(json.getValue<int>("timelineDropped"), 3);
  const auto steps = json.getArray("timeline");
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 2u);
  const auto first = steps->getObject(0);
  EXPECT_EQ(first->getValue<std::string>("step"), "first-media-in");
  EXPECT_EQ(first->getValue<std::string>("kind"), "audio");
  EXPECT_EQ(first->getValue<std::string>("at"), "2023-11-14T22:13:21.234Z");
  EXPECT_FALSE(first->has("count"));
  const auto counted = steps->getObject(1);
  EXPECT_EQ(counted->getValue<int>("count"), 2);
  EXPECT_EQ(counted->getValue<std::string>("lastAt"), "2023-11-14T22:13:23.000Z");
  const auto rates = json.getObject("rates");
  ASSERT_TRUE(rates);
  for (const char* stream : {"audioIn", "videoIn", "audioOut", "videoOut"}) {
    ASSERT_TRUE(rates->getObject(stream)) << stream;
    EXPECT_TRUE(rates->getObject(stream)->has("packetsPerSecond")) << stream;
    EXPECT_TRUE(rates->getObject(stream)->has("kbps")) << stream;
  }
  EXPECT_DOUBLE_EQ(rates->getObject("audioIn")->getValue<double>("packetsPerSecond"), 50.0);
  EXPECT_DOUBLE_EQ(rates->getObject("audioIn")->getValue<double>("kbps"), 38.4);
  const auto loss = json.getObject("loss");
  ASSERT_TRUE(loss);
  EXPECT_EQ(loss->getObject("in")->getValue<int>("packets"), 12);
  EXPECT_DOUBLE_EQ(loss->getObject("in")->getValue<double>("percent"), 2.5);
  EXPECT_EQ(loss->getObject("out")->getValue<int>("packets"), 0);
  EXPECT_DOUBLE_EQ(loss->getObject("out")->getValue<double>("percent"), 0.0);
}

TEST(MediaLoss, EachWayAShareOfWhatWasSentThatWay) {
  mcu::MediaTotals totals;
  totals.audioIn = {900, 0};
  totals.videoIn = {50, 0};
  totals.lostIn = 50;  // of 1000 sent to us: 900 + 50 arrived
  totals.audioOut = {400, 0};
  totals.videoOut = {400, 0};
  totals.lostOut = 8;  // of 800 we sent
  const mcu::MediaLoss loss = mcu::LossOf(totals);
  EXPECT_EQ(loss.in.packets, 50u);
  EXPECT_DOUBLE_EQ(loss.in.percent, 5.0);
  EXPECT_EQ(loss.out.packets, 8u);
  EXPECT_DOUBLE_EQ(loss.out.percent, 1.0);
  // Nothing sent yet, or a report that counts more than we sent: no
  // division by zero, never above 100 %.
  EXPECT_DOUBLE_EQ(mcu::LossOf({}).in.percent, 0.0);
  mcu::MediaTotals odd;
  odd.lostOut = 5;
  EXPECT_DOUBLE_EQ(mcu::LossOf(odd).out.percent, 0.0);
  odd.audioOut = {2, 0};
  EXPECT_DOUBLE_EQ(mcu::LossOf(odd).out.percent, 100.0);
}

}  // namespace
}  // namespace plenum
