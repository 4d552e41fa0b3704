// Rebroadcasting a real call of the test clients to real servers, read back
// with ffmpeg and ffprobe: RTMP into nginx's RTMP module (and what happens
// when nginx goes away and comes back), SRT into an ffmpeg listener, and
// HLS served by Plenum itself. What every output must carry: H.264 at the
// composite's size with both participants' colours, AAC with both tones.
// And what the call must not notice: an output added or removed.

#include "support/CommandRun.hpp"
#include "support/E2eExpectations.hpp"
#include "support/MediaFiles.hpp"
#include "support/ProcessUsage.hpp"
#include "support/ServerTest.hpp"
#include "support/StreamServers.hpp"
#include "testclient/Analysis.hpp"
#include "testclient/TemporaryDirectory.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr double kToneA = 440.0, kToneB = 660.0;
constexpr std::uint32_t kColourA = 0xFFFF0000, kColourB = 0xFF0000FF;
constexpr int kColourTolerance = 60;
constexpr int kSampleRate = kDecodedSampleRate;
constexpr int kWidth = 640, kHeight = 360;  // the test server's composite
// In stream keys and SRT options: must never show in logs or answers.
constexpr const char* kStreamKey = "s3cret-stream-key-0042";

// What a broadcast must carry, checked on a file read back from its server.
void ExpectTheProgram(const std::string& file, const std::string& scratch) {
  EXPECT_EQ(Streams(file, true), (std::vector<std::string>{"audio:aac", "video:h264:" + std::to_string(kWidth) + "x" +
                                                                            std::to_string(kHeight)}))
      << file;
  std::vector<float> audio = DecodeAudio(file, scratch);
  ASSERT_GT(audio.size(), static_cast<std::size_t>(kSampleRate)) << "less than a second of sound in " << file;
  audio.erase(audio.begin(), audio.begin() + static_cast<std::ptrdiff_t>(audio.size() / 4));  // past any fade-in
  for (double hz : {kToneA, kToneB}) EXPECT_GT(ToneOverNoiseDb(audio, hz), 20.0) << hz << " Hz missing in " << file;
  const RgbFrame picture = LastFrame(file, scratch, 64, 36);
  ASSERT_FALSE(picture.Empty()) << "no picture in " << file;
  for (std::uint32_t colour : {kColourA, kColourB}) {
    EXPECT_GT(ColourShare(picture, RgbFromArgb(colour), kColourTolerance), 0.02)
        << std::hex << colour << " in " << file;
  }
}

// Polls `until` every 100 ms for up to `timeout` (scaled).
bool Eventually(const std::function<bool()>& until, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + Scaled(timeout);
  while (Clock::now() < deadline) {
    if (until()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return until();
}

std::string StateOf(const HttpResult& list, const std::string& id) {
  auto body = list.Json();
  if (!body) return "";
  auto broadcasts = body->getArray("broadcasts");
  for (std::size_t i = 0; broadcasts && i < broadcasts->size(); ++i) {
    auto entry = broadcasts->getObject(static_cast<unsigned>(i));
    if (entry && entry->optValue<std::string>("id", "") == id) return entry->optValue<std::string>("state", "");
  }
  return "";
}

// The lines of an HLS playlist that name segments.
std::vector<std::string> Segments(const std::string& playlist) {
  std::vector<std::string> segments;
  std::istringstream lines(playlist);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] != '#') segments.push_back(line);
  }
  return segments;
}

// The longest time between two packets of the file's `streams` ("a", "v")
// that start in [from, to] (s), and where it starts.
std::pair<double, double> LongestGap(const std::string& file, const std::string& streams, double from, double to) {
  const CommandRun run = RunCommand(
      kFfprobe, {"-v", "error", "-select_streams", streams, "-show_entries", "packet=pts_time", "-of", "csv=p=0", file},
      30s);
  std::vector<double> times;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    try {
      times.push_back(std::stod(line));
    } catch (const std::exception&) {
    }
  }
  std::sort(times.begin(), times.end());
  std::pair<double, double> gap{times.size() < 2 ? 1e9 : 0, 0};
  for (std::size_t i = 1; i < times.size(); ++i) {
    if (times[i - 1] < from || times[i - 1] > to) continue;
    if (times[i] - times[i - 1] > gap.first) gap = {times[i] - times[i - 1], times[i - 1]};
  }
  return gap;
}

long MediaSequence(const std::string& playlist) {
  const auto at = playlist.find("#EXT-X-MEDIA-SEQUENCE:");
  return at == std::string::npos ? -1 : std::stol(playlist.substr(at + 22));
}

class BroadcastTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    // Short segments and playlist, so that rolling off is seen in seconds.
    return {"--hls-segment-seconds=1", "--hls-playlist-length=3"};
  }

  void StartCall(const std::string& room) {
    a_ = Participant(ParticipantOptions("cast-a", kToneA, kColourA));
    b_ = Participant(ParticipantOptions("cast-b", kToneB, kColourB, VideoCodec::kH264));
    ASSERT_TRUE(AllConnect({a_.get(), b_.get()}, room, 20s)) << Context();
    for (RoomParticipant* p : {a_.get(), b_.get()}) {
      ASSERT_TRUE(p->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate, 15s)) << p->Describe(true) << Context();
      ASSERT_TRUE(p->Received().WaitForMoreVideo(10, 15s)) << p->Describe(true) << Context();
    }
  }

  // POSTs a broadcast; its id (empty unless 201).
  std::string StartBroadcast(const std::string& room, const std::string& body) {
    const HttpResult started = Server().Post("/api/v1/rooms/" + room + "/broadcasts", body);
    EXPECT_EQ(started.status, 201) << started.Describe() << Context();
    auto json = started.Json();
    return started.status == 201 && json ? json->optValue<std::string>("id", "") : "";
  }

  bool Reaches(const std::string& room, const std::string& id, const std::string& state,
               std::chrono::milliseconds timeout) {
    return Eventually([&] { return StateOf(Server().Get("/api/v1/rooms/" + room + "/broadcasts"), id) == state; },
                      timeout);
  }

  // What each participant receives per second over `window`: audio
  // samples and composite frames.
  struct Rates {
    double audio[2];
    double video[2];
  };
  Rates Measure(std::chrono::milliseconds window, const std::function<void()>& during = {}) {
    const auto a0 = a_->Received().Snapshot(), b0 = b_->Received().Snapshot();
    const auto start = Clock::now();
    if (during) during();
    const auto rest = window - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (rest > 0ms) std::this_thread::sleep_for(rest);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const auto a1 = a_->Received().Snapshot(), b1 = b_->Received().Snapshot();
    return Rates{{(a1.audioSamples - a0.audioSamples) / seconds, (b1.audioSamples - b0.audioSamples) / seconds},
                 {(a1.videoFrames - a0.videoFrames) / seconds, (b1.videoFrames - b0.videoFrames) / seconds}};
  }

  // Neither participant's sound nor picture dropped below 80% of what it
  // was (a glitch or a frozen composite would).
  void ExpectUndisturbed(const Rates& before, const Rates& during, const std::string& what) {
    for (int i = 0; i < 2; ++i) {
      std::printf("%s: participant %d audio %.0f -> %.0f samples/s, video %.1f -> %.1f frames/s\n", what.c_str(), i,
                  before.audio[i], during.audio[i], before.video[i], during.video[i]);
      EXPECT_GT(during.audio[i], 0.8 * before.audio[i]) << what << ": participant " << i << "'s sound";
      EXPECT_GT(during.video[i], 0.8 * before.video[i]) << what << ": participant " << i << "'s picture";
    }
  }

  std::unique_ptr<RoomParticipant> a_, b_;
};

TEST_F(BroadcastTest, RtmpGoesLiveRetriesWhileTheServerIsGoneAndComesBackByItself) {
  RtmpServer nginx;
  const std::string room = UniqueRoom("rtmp");
  StartCall(room);
  const std::string url = nginx.Url(kStreamKey);
  // A recording runs across everything below: no output may disturb it.
  const HttpResult recording = Server().Post("/api/v1/rooms/" + room + "/recordings", "{}");
  ASSERT_EQ(recording.status, 201) << recording.Describe();
  const auto recordingStart = Clock::now();
  const auto sinceStart = [&] { return std::chrono::duration<double>(Clock::now() - recordingStart).count(); };

  const Rates before = Measure(3s);
  std::string id;
  HttpResult started;
  const double addedAt = sinceStart();
  const Rates adding = Measure(4s, [&] {
    started = Server().Post("/api/v1/rooms/" + room + "/broadcasts", R"({"kind":"rtmp","url":")" + url + R"("})");
  });
  ASSERT_EQ(started.status, 201) << started.Describe() << Context();
  id = started.Json()->optValue<std::string>("id", "");
  EXPECT_EQ(started.Json()->optValue<std::string>("url", ""),
            "rtmp://127.0.0.1:" + std::to_string(nginx.Port()) + "/live/***")
      << started.body;
  ExpectUndisturbed(before, adding, "adding an RTMP output");
  ASSERT_TRUE(Reaches(room, id, "live", 15s))
      << Server().Get("/api/v1/rooms/" + room + "/broadcasts").body << Context() << nginx.OutputTail();
  for (RoomParticipant* p : {a_.get(), b_.get()}) {
    std::optional<WsClient::Message> live;
    // room-live may first say "starting" is not live yet: wait for live.
    while ((live = p->Signaling().WaitFor("room-live", 5s)) && !live->optValue<bool>("live", false)) {
    }
    ASSERT_TRUE(live) << p->Name() << " was not told: " << HistoryOf(p->Signaling());
    EXPECT_NE(Stringify(*live).find("\"rtmp\""), std::string::npos) << Stringify(*live);
  }

  // Read back from nginx, as a viewer of the RTMP server would.
  TemporaryDirectory scratch("plenum-broadcast-test");
  const std::string flv = scratch.Path() + "/rtmp.flv";
  const CommandRun read = RunCommand(kFfmpeg, {"-v", "error", "-y", "-i", url, "-t", "4", "-c", "copy", flv}, 40s);
  ASSERT_EQ(read.status, 0) << read.output << nginx.OutputTail();
  ExpectTheProgram(flv, scratch.Path());

  // The server goes away: the output retries, the call goes on.
  nginx.Stop();
  ASSERT_TRUE(Reaches(room, id, "retrying", 20s)) << Server().Get("/api/v1/rooms/" + room).body << Context();
  const Rates retrying = Measure(3s);
  ExpectUndisturbed(before, retrying, "while the RTMP server is gone");
  // It comes back: live again, with no one asking.
  nginx.Start();
  ASSERT_TRUE(Reaches(room, id, "live", 45s)) << Server().Get("/api/v1/rooms/" + room).body << Context();
  const std::string again = scratch.Path() + "/again.flv";
  const CommandRun reread = RunCommand(kFfmpeg, {"-v", "error", "-y", "-i", url, "-t", "2", "-c", "copy", again}, 40s);
  EXPECT_EQ(reread.status, 0) << reread.output;
  EXPECT_EQ(Streams(again).size(), 2u) << reread.output;

  // Removing it disturbs nobody either; it stays listed, stopped.
  const double removedAt = sinceStart();
  const Rates removing =
      Measure(4s, [&] { EXPECT_EQ(Server().Delete("/api/v1/rooms/" + room + "/broadcasts/" + id).status, 204); });
  ExpectUndisturbed(before, removing, "removing the RTMP output");
  const std::string recordingId = recording.Json()->optValue<std::string>("id", "");
  ASSERT_EQ(Server().Delete("/api/v1/rooms/" + room + "/recordings/" + recordingId).status, 200);
  const std::string roomFile = recording.Json()->optValue<std::string>("directory", "") + "/room-00000.webm";
  // 20 ms sound frames and 30 pictures a second: a stall of the room as an
  // output is added or removed would leave a hole there.
  for (const auto& [what, at] : {std::pair{"adding", addedAt}, std::pair{"removing", removedAt}}) {
    const auto heard = LongestGap(roomFile, "a", at - 0.5, at + 4), seen = LongestGap(roomFile, "v", at - 0.5, at + 4);
    std::printf("%s an output: the recording's longest gaps, sound %.3f s at %.2f s, picture %.3f s at %.2f s\n", what,
                heard.first, heard.second, seen.first, seen.second);
    EXPECT_LT(heard.first, 0.2) << what << " " << roomFile;
    EXPECT_LT(seen.first, 0.5) << what << " " << roomFile;
  }
  EXPECT_EQ(StateOf(Server().Get("/api/v1/rooms/" + room + "/broadcasts"), id), "stopped");
  EXPECT_EQ(Server().Delete("/api/v1/rooms/" + room + "/broadcasts/nope").status, 404);

  // The stream key never left the server's memory.
  const HttpResult roomInfo = Server().Get("/api/v1/rooms/" + room);
  EXPECT_EQ(roomInfo.body.find(kStreamKey), std::string::npos) << roomInfo.body;
  EXPECT_EQ(Server().OutputTail(1 << 20).find(kStreamKey), std::string::npos) << "the stream key is in the log";
}

TEST_F(BroadcastTest, SrtCallsTheListenerUntilItAnswersAndSendsMpegTs) {
  const std::string room = UniqueRoom("srt");
  StartCall(room);
  const std::uint16_t port = FreeLoopbackPort(true);
  const std::string url = "srt://127.0.0.1:" + std::to_string(port) + "?latency=120&streamid=" + kStreamKey;
  // Nobody listens yet: the output keeps calling.
  const std::string id = StartBroadcast(room, R"({"kind":"srt","url":")" + url + R"("})");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Reaches(room, id, "retrying", 20s)) << Server().Get("/api/v1/rooms/" + room).body << Context();
  const HttpResult listed = Server().Get("/api/v1/rooms/" + room + "/broadcasts");
  EXPECT_NE(listed.body.find("srt://127.0.0.1:" + std::to_string(port) + "?***"), std::string::npos) << listed.body;

  TemporaryDirectory scratch("plenum-broadcast-test");
  const std::string ts = scratch.Path() + "/srt.ts";
  SrtListener listener(port, ts, 4);
  ASSERT_TRUE(Reaches(room, id, "live", 45s))
      << Server().Get("/api/v1/rooms/" + room).body << Context() << listener.OutputTail();
  ASSERT_EQ(listener.Wait(Scaled(30s)), 0) << listener.OutputTail();
  ExpectTheProgram(ts, scratch.Path());
  EXPECT_EQ(Server().Delete("/api/v1/rooms/" + room + "/broadcasts/" + id).status, 204);
  EXPECT_EQ(Server().OutputTail(1 << 20).find(kStreamKey), std::string::npos) << "the SRT stream id is in the log";
}

TEST_F(BroadcastTest, HlsServesALivePlaylistThatRollsAndEndsWhenTheRoomEmpties) {
  const std::string room = UniqueRoom("hls");
  ASSERT_EQ(Server().Post("/api/v1/rooms", R"({"id":")" + room + R"("})").status, 201);  // outlives its call
  EXPECT_EQ(Server().Get("/hls/" + room + "/index.m3u8").status, 404) << "no HLS broadcast yet";
  StartCall(room);
  const std::string id = StartBroadcast(room, R"({"kind":"hls"})");
  ASSERT_FALSE(id.empty());
  const HttpResult second = Server().Post("/api/v1/rooms/" + room + "/broadcasts", R"({"kind":"hls"})");
  EXPECT_EQ(second.status, 409) << second.Describe();
  ASSERT_TRUE(Reaches(room, id, "live", 20s)) << Server().Get("/api/v1/rooms/" + room).body << Context();
  const auto told = a_->Signaling().WaitFor("room-live", 10s);
  ASSERT_TRUE(told) << HistoryOf(a_->Signaling());

  const std::string playlistPath = "/hls/" + room + "/index.m3u8";
  HttpResult playlist = Server().Get(playlistPath);
  ASSERT_EQ(playlist.status, 200) << playlist.Describe();
  EXPECT_EQ(playlist.contentType, "application/vnd.apple.mpegurl");
  EXPECT_NE(playlist.cacheControl.find("no-cache"), std::string::npos) << playlist.cacheControl;
  EXPECT_NE(playlist.body.find("#EXTM3U"), std::string::npos) << playlist.body;
  EXPECT_EQ(playlist.body.find("#EXT-X-ENDLIST"), std::string::npos) << "live, not ended: " << playlist.body;
  const std::vector<std::string> first = Segments(playlist.body);
  ASSERT_FALSE(first.empty()) << playlist.body;

  // A segment, as a player fetches it.
  TemporaryDirectory scratch("plenum-broadcast-test");
  // The first segment too: a player gives up on a stream whose first
  // segment has no sound (the picture's encode may lag on a busy machine).
  for (const std::string& name : {first.front(), first.back()}) {
    const HttpResult segment = Server().Get("/hls/" + room + "/" + name);
    ASSERT_EQ(segment.status, 200) << segment.Describe();
    EXPECT_EQ(segment.contentType, "video/mp2t");
    std::ofstream(scratch.Path() + "/segment.ts", std::ios::binary) << segment.body;
    EXPECT_EQ(Streams(scratch.Path() + "/segment.ts", true),
              (std::vector<std::string>{"audio:aac",
                                        "video:h264:" + std::to_string(kWidth) + "x" + std::to_string(kHeight)}))
        << name;
  }

  // The playlist moves on, and what rolls off is deleted. ffmpeg reads the
  // whole live playlist meanwhile, as a player would.
  const std::string recorded = scratch.Path() + "/hls.ts";
  const CommandRun read =
      RunCommand(kFfmpeg,
                 {"-v", "error", "-y", "-i",
                  "http://" + std::string(ServerProcess::kHost) + ":" + std::to_string(Server().Port()) + playlistPath,
                  "-t", "4", "-c", "copy", recorded},
                 40s);
  EXPECT_EQ(read.status, 0) << read.output;
  ExpectTheProgram(recorded, scratch.Path());
  ASSERT_TRUE(Eventually(
      [&] { return MediaSequence(Server().Get(playlistPath).body) > MediaSequence(playlist.body) + 3; }, 20s))
      << Server().Get(playlistPath).body;
  EXPECT_EQ(Server().Get("/hls/" + room + "/" + first.front()).status, 404) << first.front() << " rolled off";
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(Server().DataDir() + "/hls/" + room))
    files += entry.is_regular_file();
  EXPECT_LE(files, 1u + 3u + 2u + 1u) << "the playlist, its 3 segments, two more, and the one being written";
  EXPECT_EQ(Server().Get("/watch/" + room).status, 200);
  // And over https, as a browser on another machine gets it.
  const std::string https =
      "https://" + std::string(ServerProcess::kHost) + ":" + std::to_string(Server().TlsPort()) + playlistPath;
  EXPECT_EQ(Streams(https, true), (std::vector<std::string>{"audio:aac", "video:h264:" + std::to_string(kWidth) +
                                                                             "x" + std::to_string(kHeight)}))
      << https;
  EXPECT_EQ(Server().Get("/hls/not-a-room/index.m3u8").status, 404);
  EXPECT_EQ(Server().Get("/hls/" + room + "/../../etc/passwd").status, 404);

  // Everyone leaves: the broadcast stops and the playlist says it ended.
  for (RoomParticipant* p : {a_.get(), b_.get()}) p->Leave(Scaled(5s));
  ASSERT_TRUE(Reaches(room, id, "stopped", 10s)) << Server().Get("/api/v1/rooms/" + room).body;
  const HttpResult ended = Server().Get(playlistPath);
  EXPECT_EQ(ended.status, 200) << ended.Describe();
  EXPECT_NE(ended.body.find("#EXT-X-ENDLIST"), std::string::npos) << ended.body;

  // The room goes: so do its files.
  EXPECT_EQ(Server().Delete("/api/v1/rooms/" + room).status, 204);
  EXPECT_EQ(Server().Get(playlistPath).status, 404);
  EXPECT_FALSE(fs::exists(Server().DataDir() + "/hls/" + room));
}

TEST_F(BroadcastTest, OutputsStartedAndStoppedGiveBackTheirThreadsAndDescriptors) {
  RtmpServer nginx;
  const std::string room = UniqueRoom("churn");
  StartCall(room);
  const std::string path = "/api/v1/rooms/" + room + "/broadcasts";
  // One cycle first: whatever is made once (the libraries' own threads)
  // is there before the baseline.
  const auto cycle = [&](int i) {
    const std::string rtmp =
        StartBroadcast(room, R"({"kind":"rtmp","url":")" + nginx.Url("c" + std::to_string(i)) + R"("})");
    const std::string hls = StartBroadcast(room, R"({"kind":"hls"})");
    ASSERT_TRUE(Reaches(room, rtmp, "live", 15s)) << Server().Get(path).body << Context();
    ASSERT_TRUE(Reaches(room, hls, "live", 15s)) << Server().Get(path).body << Context();
    EXPECT_EQ(Server().Delete(path + "/" + rtmp).status, 204);
    EXPECT_EQ(Server().Delete(path + "/" + hls).status, 204);
  };
  cycle(0);
  const ProcessUsage baseline = SettledUsage(Server().Pid(), ReadProcessUsage(Server().Pid()), 0, 0, 3s);
  constexpr int kCycles = 6;
  for (int i = 1; i <= kCycles; ++i) {
    cycle(i);
    if (HasFatalFailure()) return;
  }
  const ProcessUsage after = SettledUsage(Server().Pid(), baseline, 2, 2, 10s);
  std::printf("%d broadcast cycles: before %s, after %s\n", kCycles, baseline.Describe().c_str(),
              after.Describe().c_str());
  EXPECT_LE(after.threads, baseline.threads + 2) << DescribeFds(Server().Pid());
  EXPECT_LE(after.fds, baseline.fds + 2) << DescribeFds(Server().Pid());
}

TEST_F(BroadcastTest, BadRequestsAreRefusedAndStartNothing) {
  const std::string room = UniqueRoom("bad");
  const std::string path = "/api/v1/rooms/" + room + "/broadcasts";
  EXPECT_EQ(Server().Post(path, R"({"kind":"hls"})").status, 404) << "no such room";
  ASSERT_EQ(Server().Post("/api/v1/rooms", R"({"id":")" + room + R"("})").status, 201);
  const HttpResult empty = Server().Post(path, R"({"kind":"hls"})");
  EXPECT_EQ(empty.status, 409) << "nobody in the room: " << empty.Describe();
  StartCall(room);
  const std::vector<std::pair<std::string, int>> refused = {
      {R"({"kind":"webrtc","url":"rtmp://127.0.0.1/live/x"})", 400},
      {R"({"url":"rtmp://127.0.0.1/live/x"})", 400},
      {R"({"kind":"rtmp"})", 400},
      {R"({"kind":"rtmp","url":"http://127.0.0.1/live/x"})", 400},
      {R"({"kind":"rtmp","url":"rtmp://127.0.0.1/live"})", 400},
      {R"({"kind":"rtmp","url":"rtmp:///live/x"})", 400},
      {R"({"kind":"rtmp","url":"rtmp://127.0.0.1/live/x y"})", 400},
      {R"({"kind":"rtmp","url":42})", 400},
      {R"({"kind":"srt","url":"srt://127.0.0.1"})", 400},
      {R"({"kind":"srt","url":"srt://127.0.0.1:9000?mode=listener"})", 400},
      {R"({"kind":"srt","url":"udp://127.0.0.1:9000"})", 400},
      {R"({"kind":"hls","url":"rtmp://127.0.0.1/live/x"})", 400},
      {R"(["hls"])", 400},
      {R"(not json)", 400},
  };
  for (const auto& [body, status] : refused) {
    const HttpResult answer = Server().Post(path, body);
    EXPECT_EQ(answer.status, status) << body << " -> " << answer.Describe();
    EXPECT_NE(answer.body.find("\"message\""), std::string::npos) << "a clear error: " << answer.body;
  }
  EXPECT_EQ(Server().Delete(path + "/b00000000").status, 404);
  EXPECT_EQ(Server().Get(path).body, R"({"broadcasts":[]})") << "nothing started";
  EXPECT_EQ(a_->Signaling().WaitFor("room-live", 1s), std::nullopt) << "nobody was told of a broadcast";
  EXPECT_EQ(Server().Get("/hls/" + room + "/index.m3u8").status, 404);
  EXPECT_TRUE(Server().Running());
}

}  // namespace
}  // namespace plenum::test
