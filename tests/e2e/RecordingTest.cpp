// Recording a real conference of the test clients, checked with ffprobe
// and ffmpeg on the files written: the room as heard and seen (both tones
// in the mix, both colours in the composite), each participant's own
// stream as sent, a signed archive that `plenum verify` accepts, and what
// survives a kill -9 and an unwritable directory.

#include "recorder/ArchiveJournal.hpp"
#include "support/CommandRun.hpp"
#include "support/E2eExpectations.hpp"
#include "support/MediaFiles.hpp"
#include "support/ServerTest.hpp"
#include "testclient/Analysis.hpp"
#include "testclient/SyncMarks.hpp"
#include "testclient/TemporaryDirectory.hpp"
#include "testclient/TimeoutScale.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr double kToneA = 440.0, kToneB = 660.0;
constexpr std::uint32_t kColourA = 0xFFFF0000, kColourB = 0xFF0000FF;
constexpr int kColourTolerance = 60;      // as in the media tests: VP8 smears pure colours at edges
constexpr int kSampleRate = kDecodedSampleRate;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The first and last packet time of a file, in seconds (every stream).
struct Span {
  double first = 1e9, last = -1e9;
  int packets = 0;
};
// `streams`: an ffprobe stream specifier ("a", "v"); empty: all.
Span PacketSpan(const std::string& file, const std::string& streams = "") {
  std::vector<std::string> args{"-v", "error", "-show_entries", "packet=pts_time", "-of", "csv=p=0"};
  if (!streams.empty()) args.insert(args.end(), {"-select_streams", streams});
  args.push_back(file);
  const CommandRun run = RunCommand(kFfprobe, args, 30s);
  Span span;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    try {
      const double t = std::stod(line);
      span.first = std::min(span.first, t);
      span.last = std::max(span.last, t);
      ++span.packets;
    } catch (const std::exception&) {
    }
  }
  return span;
}

// What ffmpeg says while decoding the whole file (empty: no error).
std::string DecodeErrors(const std::string& file) {
  const CommandRun run = RunCommand(kFfmpeg, {"-v", "error", "-i", file, "-f", "null", "-"}, 60s);
  return run.status == 0 ? run.output : "exit " + std::to_string(run.status) + ": " + run.output;
}

// The times (s) of the sync marks in the file's audio (its first audio
// stream), on the file's timeline: each decoded sample is placed by the
// timestamp of the frame it came from, as ffprobe lists the frames (ffmpeg
// itself plays frames back to back, and its resampler's gap filling moved
// marks by up to 100 ms).
std::vector<double> AudioMarks(const std::string& file, const std::string& scratch) {
  const std::vector<float> samples = DecodeAudio(file, scratch);
  const CommandRun frames = RunCommand(
      kFfprobe,
      {"-v", "error", "-select_streams", "a:0", "-show_entries", "frame=pts_time,nb_samples", "-of", "csv=p=0", file},
      120s);
  std::vector<std::pair<std::size_t, double>> starts;  // first sample of each frame, its time
  std::size_t total = 0;
  std::istringstream lines(frames.output);
  for (std::string line; std::getline(lines, line);) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    try {
      starts.emplace_back(total, std::stod(line.substr(0, comma)));
      total += std::stoul(line.substr(comma + 1));
    } catch (const std::exception&) {
    }
  }
  if (total != samples.size() || starts.empty()) return {};  // frames and samples must pair up
  std::vector<double> level, times;
  MarkToneLevel(samples, kSampleRate, 0.005, 0.001, &level, &times);
  for (double& t : times) {
    const auto sample = static_cast<std::size_t>(t * kSampleRate);
    const auto frame = std::prev(std::upper_bound(starts.begin(), starts.end(), sample,
                                                  [](std::size_t s, const auto& start) { return s < start.first; }));
    t = frame->second + static_cast<double>(sample - frame->first) / kSampleRate;
  }
  return FindMarkOnsets(level, times);
}

// The times (s) of the sync marks in the file's video: the frames whose
// mean brightness jumps (the marked sender's picture, or its tile, white).
std::vector<double> VideoMarks(const std::string& file, const std::string& scratch) {
  const std::string raw = scratch + "/marks.gray";
  fs::remove(raw);
  RunCommand(kFfmpeg, {"-v", "error", "-i", file, "-map", "0:v:0", "-fps_mode", "passthrough", "-vf",
                       "scale=32:18", "-f", "rawvideo", "-pix_fmt", "gray", raw},
             120s);
  const CommandRun frames = RunCommand(
      kFfprobe, {"-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0", file},
      120s);
  std::vector<double> times;
  std::istringstream lines(frames.output);
  for (std::string line; std::getline(lines, line);) {
    try {
      times.push_back(std::stod(line));
    } catch (const std::exception&) {
    }
  }
  std::ifstream in(raw, std::ios::binary);
  std::vector<unsigned char> pixels((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t kFrameBytes = 32 * 18;
  std::vector<double> level;
  for (std::size_t at = 0; at + kFrameBytes <= pixels.size(); at += kFrameBytes) {
    double sum = 0;
    for (std::size_t i = 0; i < kFrameBytes; ++i) sum += pixels[at + i];
    level.push_back(sum / kFrameBytes);
  }
  if (level.size() != times.size()) return {};  // frames and times must pair up
  return FindMarkOnsets(level, times);
}

// How far each video mark is from the audio mark nearest to it (video
// minus audio, s), for the marks both have.
std::vector<double> MarkOffsets(const std::vector<double>& audio, const std::vector<double>& video) {
  std::vector<double> offsets;
  for (double v : video) {
    const auto nearest = std::min_element(audio.begin(), audio.end(),
                                          [v](double x, double y) { return std::abs(x - v) < std::abs(y - v); });
    if (nearest != audio.end() && std::abs(*nearest - v) < kMarkPeriodSeconds / 2) offsets.push_back(v - *nearest);
  }
  return offsets;
}

std::string DescribeOffsets(const std::vector<double>& offsets) {
  if (offsets.empty()) return "no marks paired";
  const auto [low, high] = std::minmax_element(offsets.begin(), offsets.end());
  double sum = 0;
  for (double o : offsets) sum += o;
  char text[160];
  std::snprintf(text, sizeof text, "%zu marks, video minus audio %.0f..%.0f ms (mean %.0f ms)", offsets.size(),
                *low * 1000, *high * 1000, sum / offsets.size() * 1000);
  return text;
}

class RecordingTest : public ServerTest {
 protected:
  // Two participants in one room, media flowing both ways.
  void StartCall(const std::string& room) {
    a_ = Participant(ParticipantOptions("rec-a", kToneA, kColourA));
    // B sends H.264: its own file is Matroska (WebM holds no H.264).
    b_ = Participant(ParticipantOptions("rec-b", kToneB, kColourB, VideoCodec::kH264));
    ASSERT_TRUE(AllConnect({a_.get(), b_.get()}, room, 20s)) << Context();
    for (RoomParticipant* p : {a_.get(), b_.get()}) {
      ASSERT_TRUE(p->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate, 15s)) << p->Describe(true) << Context();
      ASSERT_TRUE(p->Received().WaitForMoreVideo(10, 15s)) << p->Describe(true) << Context();
    }
  }

  // POST .../recordings for `room`, which must answer 201.
  HttpResult StartRecording(const std::string& room) {
    const HttpResult start = Server().Post("/api/v1/rooms/" + room + "/recordings", "{}");
    EXPECT_EQ(start.status, 201) << start.body << Context();
    return start;
  }

  // A and B still hear each other.
  void ExpectTheCallGoesOn() {
    for (RoomParticipant* p : {a_.get(), b_.get()}) {
      EXPECT_TRUE(p->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate, 10s)) << p->Describe(true);
    }
    EXPECT_TRUE(Server().Running());
  }

  std::unique_ptr<RoomParticipant> a_, b_;
};

TEST_F(RecordingTest, RecordsTheRoomAsHeardAndSeenAndEachParticipantAsSent) {
  const std::string room = UniqueRoom("rec");
  ASSERT_EQ(Server().Post("/api/v1/rooms/" + room + "/recordings", "{}").status, 404) << "no such room yet";
  StartCall(room);

  const auto started = Clock::now();
  const HttpResult start = Server().Post("/api/v1/rooms/" + room + "/recordings", "{}");
  ASSERT_EQ(start.status, 201) << start.body << Context();
  const auto recording = start.Json();
  ASSERT_TRUE(recording) << start.body;
  const std::string id = recording->optValue<std::string>("id", "");
  const std::string directory = recording->optValue<std::string>("directory", "");
  EXPECT_EQ(recording->optValue<std::string>("state", ""), "recording") << start.body;
  EXPECT_EQ(fs::path(directory).parent_path(), fs::path(Server().RecordingsDir())) << start.body;
  for (RoomParticipant* p : {a_.get(), b_.get()}) {
    const auto told = p->Signaling().WaitFor("recording", 5s);
    ASSERT_TRUE(told) << p->Name() << " was not told: " << HistoryOf(p->Signaling());
    EXPECT_TRUE(told->optValue<bool>("active", false));
  }
  EXPECT_EQ(Server().Post("/api/v1/rooms/" + room + "/recordings", "{}").status, 409) << "a second recording";
  EXPECT_EQ(Server().Post("/api/v1/rooms/" + room + "/recordings", "[1]").status, 400) << "a body not an object";
  const HttpResult during = Server().Get("/api/v1/rooms/" + room);
  EXPECT_NE(during.body.find("\"" + id + "\""), std::string::npos) << "the room names its recording: " << during.body;

  // A late joiner is recorded from their join, without shifting the room's
  // timeline.
  std::this_thread::sleep_for(Scaled(3s));
  auto c = Participant(ParticipantOptions("rec-c", 880.0, 0xFF00FF00));
  ASSERT_TRUE(c->JoinAndConnect(room, 20s)) << c->Describe(true) << Context();
  std::this_thread::sleep_for(Scaled(4s));

  const HttpResult stop = Server().Delete("/api/v1/rooms/" + room + "/recordings/" + id);
  const double span = Seconds(Clock::now() - started);
  ASSERT_EQ(stop.status, 200) << stop.body << Context();
  EXPECT_NE(stop.body.find("\"finished\""), std::string::npos) << stop.body;
  EXPECT_EQ(Server().Delete("/api/v1/rooms/" + room + "/recordings/" + id).status, 404) << "stopped twice";
  for (RoomParticipant* p : {a_.get(), b_.get()}) {
    const auto told = p->Signaling().WaitFor("recording", 5s);
    ASSERT_TRUE(told) << p->Name() << " was not told of the stop";
    EXPECT_FALSE(told->optValue<bool>("active", true));
  }

  // The archive: listed, sealed, verified.
  const HttpResult listed = Server().Get("/api/v1/recordings/" + id);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find("\"manifest\""), std::string::npos) << listed.body;
  EXPECT_NE(listed.body.find("room-00000.webm"), std::string::npos) << listed.body;
  EXPECT_NE(listed.body.find(a_->Id()), std::string::npos) << "participants in the manifest: " << listed.body;
  CommandRun verified = RunPlenum({"verify", directory});
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find("intact, finished"), std::string::npos) << verified.output;

  TemporaryDirectory scratch("plenum-recording-test");
  // The room as heard and seen.
  const std::string roomFile = directory + "/room-00000.webm";
  EXPECT_EQ(Streams(roomFile), (std::vector<std::string>{"audio:opus", "video:vp8"})) << roomFile;
  const Span roomSpan = PacketSpan(roomFile);
  std::printf("recorded %.2f s; the room's file spans %.2f..%.2f s in %d packets\n", span, roomSpan.first,
              roomSpan.last, roomSpan.packets);
  EXPECT_NEAR(roomSpan.last - std::max(0.0, roomSpan.first), span, 0.5) << "the room's file against the span";
  // Sound and picture on one timeline: neither runs ahead of the other.
  const Span heard = PacketSpan(roomFile, "a"), seen = PacketSpan(roomFile, "v");
  std::printf("the room's audio spans %.3f..%.3f s, its video %.3f..%.3f s\n", heard.first, heard.last, seen.first,
              seen.last);
  // The mix is stamped back by how long its packets waited in the audio
  // engine's jitter buffer (RoomMedia::MixRunningTime), so at the stop its
  // last packet sits that much before the last picture; whether sound and picture match inside the
  // file is what EveryFileKeepsTheSpeakersSoundAndPictureTogether measures.
  EXPECT_NEAR(heard.last, seen.last, 0.25) << "audio and video of the room's file end apart";
  EXPECT_EQ(DecodeErrors(roomFile), "");
  const std::vector<float> mix = DecodedAudio(roomFile, scratch.Path(), 2.0);
  for (double hz : {kToneA, kToneB, 880.0}) {
    EXPECT_GT(ToneOverNoiseDb(mix, hz), 20.0) << hz << " Hz missing from the room's mix";
  }
  const RgbFrame composite = LastFrame(roomFile, scratch.Path(), 640, 360);
  ASSERT_FALSE(composite.Empty()) << "no frame decoded from " << roomFile;
  for (std::uint32_t colour : {kColourA, kColourB}) {
    EXPECT_GT(ColourShare(composite, RgbFromArgb(colour), kColourTolerance), 0.02) << std::hex << colour;
  }

  // Each participant as sent: their own tone, nobody else's.
  for (const auto& [p, own, other, videoFile, codec] :
       {std::tuple{a_.get(), kToneA, kToneB, ".video.webm", "video:vp8"},
        std::tuple{b_.get(), kToneB, kToneA, ".video.mkv", "video:h264"}}) {
    const std::string audio = directory + "/" + p->Id() + ".audio.webm";
    const std::string video = directory + "/" + p->Id() + videoFile;
    EXPECT_EQ(Streams(audio), std::vector<std::string>{"audio:opus"}) << audio;
    EXPECT_EQ(Streams(video), std::vector<std::string>{codec}) << video;
    EXPECT_EQ(DecodeErrors(audio), "") << audio;
    EXPECT_EQ(DecodeErrors(video), "") << video;
    const std::vector<float> voice = DecodedAudio(audio, scratch.Path(), 2.0);
    EXPECT_GT(ToneOverNoiseDb(voice, own), 20.0) << p->Name();
    EXPECT_LT(PowerRatioDb(GoertzelPower(voice, other, kSampleRate), GoertzelPower(voice, own, kSampleRate)), -30.0)
        << p->Name() << "'s own file holds another's voice";
  }
  // The late joiner's file starts on the room's timeline, at their join.
  const Span late = PacketSpan(directory + "/" + c->Id() + ".audio.webm");
  EXPECT_GT(late.first, 2.0) << "the late joiner's file does not start at their join";
  EXPECT_LT(late.first, span) << "the late joiner's file does not start at their join";

  // Tampering is named.
  fs::remove(directory + "/" + b_->Id() + ".audio.webm");
  verified = RunPlenum({"verify", directory});
  EXPECT_EQ(verified.status, 1) << verified.output;
  EXPECT_NE(verified.output.find("missing file " + b_->Id() + ".audio.webm"), std::string::npos) << verified.output;
}

// A sender whose sound and picture carry marks at the same instants (a
// 3 kHz burst and a white picture, once a second) speaks in a room: in its
// own files and in the room's, its picture marks stay within 100 ms of its
// sound marks, and steady (no drift). The mix takes its inputs as they
// come and the composite at their running time; RoomMedia::MixRunningTime
// puts the speaker's sound back on the composite's timeline (by the
// engine's jitter buffer, two frames). Records
// PLENUM_SYNC_SECONDS (default 30) after the call is up.
TEST_F(RecordingTest, EveryFileKeepsTheSpeakersSoundAndPictureTogether) {
  const char* asked = std::getenv("PLENUM_SYNC_SECONDS");
  const int seconds = asked && std::atoi(asked) > 0 ? std::atoi(asked) : 30;
  const std::string room = UniqueRoom("rec-sync");
  MediaClientOptions marked = ParticipantOptions("sync-a", kToneA, kColourA);
  marked.syncMarks = true;
  marked.framerate = 30;  // a mark lands on a frame within 33 ms
  a_ = Participant(marked);
  // B listens, quietly: A is the one speaking, whose voice the mix follows.
  MediaClientOptions listener = ParticipantOptions("sync-b", kToneB, kColourB);
  listener.toneVolume = 0.02;
  b_ = Participant(listener);
  ASSERT_TRUE(AllConnect({a_.get(), b_.get()}, room, 20s)) << Context();
  for (RoomParticipant* p : {a_.get(), b_.get()}) {
    ASSERT_TRUE(p->Received().WaitForMoreVideo(10, 15s)) << p->Describe(true) << Context();
  }
  const HttpResult start = StartRecording(room);
  ASSERT_EQ(start.status, 201);
  const std::string id = start.Json()->optValue<std::string>("id", "");
  const std::string directory = start.Json()->optValue<std::string>("directory", "");
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  ASSERT_EQ(Server().Delete("/api/v1/rooms/" + room + "/recordings/" + id).status, 200) << Context();

  TemporaryDirectory scratch("plenum-sync-test");
  const auto offsetsOf = [&](const std::string& audioFile, const std::string& videoFile) {
    const std::vector<double> audio = AudioMarks(audioFile, scratch.Path());
    const std::vector<double> video = VideoMarks(videoFile, scratch.Path());
    std::vector<double> offsets = MarkOffsets(audio, video);
    std::printf("%s: %zu sound marks, %zu picture marks; %s\n", fs::path(videoFile).filename().c_str(), audio.size(),
                video.size(), DescribeOffsets(offsets).c_str());
    std::sort(offsets.begin(), offsets.end());
    return offsets;
  };
  for (const auto& [audioFile, videoFile] :
       {std::pair{directory + "/" + a_->Id() + ".audio.webm", directory + "/" + a_->Id() + ".video.webm"},
        std::pair{directory + "/room-00000.webm", directory + "/room-00000.webm"}}) {
    const std::vector<double> offsets = offsetsOf(audioFile, videoFile);
    // Every second but the first and last two has its mark (a participant's
    // video file starts at its first keyframe).
    ASSERT_GE(static_cast<int>(offsets.size()), seconds - 4) << videoFile << ": " << DescribeOffsets(offsets);
    const double median = offsets[offsets.size() / 2];
    EXPECT_LT(std::abs(median), 0.1) << videoFile << ": " << DescribeOffsets(offsets);
    // Steady: all but the first few marks (while the mix learns how late
    // its speaker comes) within 40 ms of the median.
    const auto steady =
        std::count_if(offsets.begin(), offsets.end(), [median](double o) { return std::abs(o - median) < 0.04; });
    EXPECT_GE(steady, static_cast<long>(offsets.size()) - 3) << videoFile << ": " << DescribeOffsets(offsets);
  }
}

TEST_F(RecordingTest, AKilledServerLeavesAPlayableFileThatItSealsAtItsNextStart) {
  const std::string room = UniqueRoom("rec-kill");
  StartCall(room);
  const HttpResult start = StartRecording(room);
  ASSERT_EQ(start.status, 201);
  const std::string directory = start.Json()->optValue<std::string>("directory", "");
  const auto started = Clock::now();
  std::this_thread::sleep_for(Scaled(8s));
  const double span = Seconds(Clock::now() - started);
  ASSERT_EQ(::kill(Server().Pid(), SIGKILL), 0);
  // Kept, for its data directory, while a new server takes its place (the
  // one TearDown stops).
  const std::shared_ptr<ServerProcess> killed = server_;
  killed->Process().WaitExit(Scaled(10s));
  a_.reset();
  b_.reset();

  // The file being written plays up to at most 5 s before the kill.
  const std::string roomFile = directory + "/room-00000.webm";
  const Span written = PacketSpan(roomFile);
  std::printf("killed after %.2f s of recording; the file holds %.2f..%.2f s in %d packets\n", span, written.first,
              written.last, written.packets);
  EXPECT_GT(written.last, span - 5.0) << "more than 5 s lost at the kill";
  EXPECT_EQ(DecodeErrors(roomFile), "") << "the file cut by the kill does not decode cleanly";
  CommandRun verified = RunPlenum({"verify", directory});
  EXPECT_EQ(verified.status, 2) << "unsealed, it verifies as interrupted: " << verified.output;

  // The next start seals it as interrupted, and then it verifies.
  server_ = std::make_shared<ServerProcess>(
      std::vector<std::string>{"--data-dir=" + killed->DataDir(), "--recordings-dir=" + killed->RecordingsDir()});
  EXPECT_NE(Server().OutputTail().find("interrupted recording " + directory), std::string::npos) << Context();
  verified = RunPlenum({"verify", directory});
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find("interrupted"), std::string::npos) << verified.output;
}

class UnwritableRecordingTest : public RecordingTest {
 protected:
  // A path under a regular file: no one, root included, can make it.
  std::vector<std::string> ServerArgs() const override {
    return {"--recordings-dir=" + blocker_.Path() + "/file/recordings"};
  }
  void SetUp() override {
    std::ofstream(blocker_.Path() + "/file") << "not a directory";
    RecordingTest::SetUp();
  }
  TemporaryDirectory blocker_{"plenum-unwritable"};
};

TEST_F(UnwritableRecordingTest, ARecordingThatCannotBeWrittenFailsAndTheRoomCarriesOn) {
  const std::string room = UniqueRoom("rec-fail");
  StartCall(room);
  const HttpResult start = StartRecording(room);
  ASSERT_EQ(start.status, 201);
  EXPECT_NE(start.body.find("\"failed\""), std::string::npos) << start.body;
  EXPECT_NE(start.body.find("Not a directory"), std::string::npos) << "the reason: " << start.body;
  EXPECT_NE(Server().Get("/api/v1/rooms/" + room).body.find("\"failed\""), std::string::npos);
  ExpectTheCallGoesOn();
}

// The recordings directory on a small file system of the server's own (a
// tmpfs in a mount namespace of its own, gone with it), which the media
// fills within seconds. The test sees it through /proc/PID/root. The new
// namespace stops propagation itself: unshare's default does that on "/",
// which fails in a chroot whose "/" is no mount point, such as the fresh
// root of .ci/run (whose own namespace is private already).
class FullDiskRecordingTest : public RecordingTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--recordings-dir=" + mountPoint_.Path()}; }
  std::vector<std::string> ServerWrapper() const override {
    return {"/usr/bin/unshare", "--mount", "--propagation", "unchanged", "/bin/sh", "-c",
            "mount --make-rprivate / 2>/dev/null; "
            "mount -t tmpfs -o size=1024k,mode=0750 plenum-full \"$1\" && shift && exec \"$@\"",
            "sh", mountPoint_.Path()};
  }
  std::string Seen(const std::string& path) { return "/proc/" + std::to_string(Server().Pid()) + "/root" + path; }

  TemporaryDirectory mountPoint_{"plenum-full-disk"};
};

TEST_F(FullDiskRecordingTest, ADiskThatFillsKeepsWhatWasWrittenAndTheArchiveSealed) {
  const std::string room = UniqueRoom("rec-full");
  StartCall(room);
  const HttpResult start = StartRecording(room);
  ASSERT_EQ(start.status, 201);
  const std::string directory = start.Json()->optValue<std::string>("directory", "");
  ASSERT_NE(start.body.find("\"recording\""), std::string::npos) << start.body;

  // The disk fills: the recording fails, saying why, and the call goes on.
  const auto deadline = Clock::now() + Scaled(60s);
  std::string roomState;
  while (Clock::now() < deadline) {
    roomState = Server().Get("/api/v1/rooms/" + room).body;
    if (roomState.find("\"failed\"") != std::string::npos) break;
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_NE(roomState.find("\"failed\""), std::string::npos) << roomState << Context();
  EXPECT_NE(roomState.find("No space left"), std::string::npos) << "the reason: " << roomState;
  ExpectTheCallGoesOn();
  // What was written before stays playable, and the archive is sealed (the
  // space set aside for that) and verifies, taken out of the server's
  // mount namespace as an administrator would copy it off the full disk.
  TemporaryDirectory copy("plenum-full-copy");
  const std::string archive = copy.Path() + "/" + fs::path(directory).filename().string();
  std::error_code copied;
  fs::copy(Seen(directory), archive, fs::copy_options::recursive, copied);
  ASSERT_FALSE(copied) << copied.message();
  const std::string roomFile = archive + "/room-00000.webm";
  const Span written = PacketSpan(roomFile);
  std::printf("the full disk stopped the room's file at %.2f s (%d packets)\n", written.last, written.packets);
  EXPECT_GT(written.packets, 20) << roomFile;
  EXPECT_EQ(RunCommand(kFfmpeg, {"-v", "error", "-i", roomFile, "-f", "null", "-"}, 30s).status, 0);
  const CommandRun verified = RunPlenum({"verify", archive});
  EXPECT_EQ(verified.status, 0) << verified.output << Context();
  EXPECT_NE(verified.output.find("intact, failed"), std::string::npos) << verified.output;
}

class RequiredRecordingTest : public UnwritableRecordingTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    auto args = UnwritableRecordingTest::ServerArgs();
    args.push_back("--recording-required=true");
    return args;
  }
};

TEST_F(RequiredRecordingTest, ARoomThatCannotBeRecordedRefusesJoins) {
  auto ws = Connect();
  ws->Send(JoinMessage(UniqueRoom("rec-required"), "compliance"));
  ASSERT_TRUE(ReceivesError(*ws, "internal", 10s)) << Context();
  EXPECT_NE(HistoryOf(*ws).find("records every room"), std::string::npos) << HistoryOf(*ws);
  EXPECT_TRUE(Server().Running());
}

class AutomaticRecordingTest : public RecordingTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--recording-auto=true"}; }
};

TEST_F(AutomaticRecordingTest, EveryRoomIsRecordedFromItsFirstJoin) {
  auto ws = Connect();
  const std::string room = UniqueRoom("rec-auto");
  ws->Send(JoinMessage(room, "first"));
  const auto joined = ws->WaitFor("joined", 10s);
  ASSERT_TRUE(joined) << HistoryOf(*ws) << Context();
  EXPECT_TRUE(joined->optValue<bool>("recording", false)) << "joined.recording";
  ws->SendRaw(R"({"type":"leave"})");
  ASSERT_TRUE(ws->WaitForClose(10s));
  // The room closed with its last participant, and its recording with it.
  const auto deadline = Clock::now() + Scaled(10s);
  std::string body;
  while (Clock::now() < deadline) {
    body = Server().Get("/api/v1/recordings").body;
    if (body.find("\"finished\"") != std::string::npos) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_NE(body.find("\"room\":\"" + room + "\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"finished\""), std::string::npos) << body;
}


// Mutes are the client's word (PROTOCOL.md has none: Plenum's extension,
// see README): the others hear of each change, a newcomer sees the state in
// `joined`, the REST API lists it, and the archive's timeline keeps it.
TEST_F(AutomaticRecordingTest, MutesAreAnnouncedToTheOthersAndKeptInTheArchive) {
  const std::string room = UniqueRoom("rec-mute");
  auto first = Connect();
  first->Send(JoinMessage(room, "first"));
  const auto firstJoined = first->WaitFor("joined", 10s);
  ASSERT_TRUE(firstJoined) << HistoryOf(*first) << Context();
  const std::string firstId = firstJoined->optValue<std::string>("participant", "");
  auto second = Connect();
  second->Send(JoinMessage(room, "second"));
  ASSERT_TRUE(second->WaitFor("joined", 10s)) << HistoryOf(*second) << Context();

  ASSERT_TRUE(first->SendRaw(R"({"type":"mute","audio":true})"));
  const auto muted = second->WaitFor("participant-muted", 5s);
  ASSERT_TRUE(muted) << HistoryOf(*second) << Context();
  EXPECT_EQ(muted->optValue<std::string>("participant", ""), firstId) << Stringify(*muted);
  EXPECT_TRUE(muted->optValue<bool>("audioMuted", false)) << Stringify(*muted);
  EXPECT_FALSE(muted->optValue<bool>("videoMuted", true)) << Stringify(*muted);
  // Saying it again changes nothing and tells nobody; a bad mute is refused.
  ASSERT_TRUE(first->SendRaw(R"({"type":"mute","audio":true})"));
  ASSERT_TRUE(first->SendRaw(R"({"type":"mute","audio":"off"})"));
  const auto refused = first->WaitFor("error", 5s);
  ASSERT_TRUE(refused) << HistoryOf(*first);
  EXPECT_EQ(refused->optValue<std::string>("code", ""), "bad-request") << Stringify(*refused);

  // A newcomer and the REST API see who is muted.
  auto third = Connect();
  third->Send(JoinMessage(room, "third"));
  const auto thirdJoined = third->WaitFor("joined", 10s);
  ASSERT_TRUE(thirdJoined) << HistoryOf(*third) << Context();
  bool listedMuted = false;
  for (std::size_t i = 0; i < thirdJoined->getArray("participants")->size(); ++i) {
    const auto other = thirdJoined->getArray("participants")->getObject(static_cast<unsigned>(i));
    if (other->optValue<std::string>("id", "") == firstId) listedMuted = other->optValue<bool>("audioMuted", false);
  }
  EXPECT_TRUE(listedMuted) << Stringify(*thirdJoined);
  const HttpResult rooms = Server().Get("/api/v1/rooms/" + room);
  EXPECT_NE(rooms.body.find("\"audioMuted\":true"), std::string::npos) << rooms.body;

  ASSERT_TRUE(first->SendRaw(R"({"type":"mute","audio":false,"video":true})"));
  const auto changed = second->WaitFor("participant-muted", 5s);
  ASSERT_TRUE(changed) << HistoryOf(*second);
  EXPECT_FALSE(changed->optValue<bool>("audioMuted", true)) << Stringify(*changed);
  EXPECT_TRUE(changed->optValue<bool>("videoMuted", false)) << Stringify(*changed);
  EXPECT_FALSE(second->WaitFor("participant-muted", 500ms)) << "a repeated mute was announced: " << HistoryOf(*second);
  const HttpResult roomNow = Server().Get("/api/v1/rooms/" + room);
  const auto roomJson = roomNow.Json();
  ASSERT_TRUE(roomJson && roomJson->getObject("recording")) << roomNow.body;
  const std::string recording = roomJson->getObject("recording")->optValue<std::string>("id", "");
  const std::string directory = roomJson->getObject("recording")->optValue<std::string>("directory", "");

  for (auto* ws : {first.get(), second.get(), third.get()}) ws->SendRaw(R"({"type":"leave"})");
  for (auto* ws : {first.get(), second.get(), third.get()}) EXPECT_TRUE(ws->WaitForClose(10s));

  // The timeline of the sealed archive, in order: muted audio, then audio
  // back and video muted, each once.
  const auto deadline = Clock::now() + Scaled(10s);
  HttpResult archive;
  while (Clock::now() < deadline) {
    archive = Server().Get("/api/v1/recordings/" + recording);
    if (archive.body.find("\"finished\"") != std::string::npos) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_NE(archive.body.find("\"finished\""), std::string::npos) << archive.body;
  std::vector<std::string> mutes;
  const auto archiveJson = archive.Json();
  ASSERT_TRUE(archiveJson && archiveJson->getObject("manifest")) << archive.body;
  const auto timeline = archiveJson->getObject("manifest")->getArray("timeline");
  ASSERT_TRUE(timeline) << archive.body;
  for (std::size_t i = 0; i < timeline->size(); ++i) {
    const auto entry = timeline->getObject(static_cast<unsigned>(i));
    const std::string type = entry->optValue<std::string>("type", "");
    if (type != "mute" && type != "unmute") continue;
    EXPECT_EQ(entry->optValue<std::string>("participant", ""), firstId) << Stringify(*entry);
    mutes.push_back(type + " " + entry->optValue<std::string>("media", ""));
  }
  EXPECT_EQ(mutes, (std::vector<std::string>{"mute audio", "unmute audio", "mute video"})) << archive.body;
  CommandRun verified = RunPlenum({"verify", directory});
  EXPECT_EQ(verified.status, 0) << verified.output;
}

}  // namespace
}  // namespace plenum::test
