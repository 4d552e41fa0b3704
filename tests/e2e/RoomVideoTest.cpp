// A room's picture on the room's own transport (mixer/RoomVideo), alone:
// one MediaWorker, no server and no network. Cameras are small GStreamer
// pipelines (a solid colour, VP8 or H.264, payloaded) whose RTP is pushed
// into the room on its worker, as RoomMedia does; the composite's RTP comes
// back through the Listener and is decoded again, VP8 or H.264, and its
// colours measured tile by tile. The room runs on a clock and base time the
// test chooses (ten seconds in the past), as a room's media will, so its
// taps' running times can be checked against that timeline.

#include "mixer/EncodedTap.hpp"
#include "mixer/GRef.hpp"
#include "mixer/GridLayout.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/MixerInit.hpp"
#include "mixer/OfferInspector.hpp"
#include "mixer/RoomVideo.hpp"
#include "testclient/Analysis.hpp"
#include "testclient/RgbFrame.hpp"
#include "testclient/TimeoutScale.hpp"
#include "transport/MediaWorker.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using mixer::GRef;
using mixer::Rect;
using mixer::RoomVideo;
using mixer::VideoCodec;

constexpr uint32_t kRed = 0xFFFF0000;
constexpr uint32_t kGreen = 0xFF00FF00;
constexpr uint32_t kBlue = 0xFF0000FF;
// Small enough for a test machine with two cores to encode, decode and
// compose everything several times over.
constexpr int kCompositeWidth = 640;
constexpr int kCompositeHeight = 360;
constexpr int kFramerate = 15;
// Cameras are 4:3, so their share of the composite tells the layout: a
// tile of a 2x2 grid (320x180) shows one letterboxed to 240x180, 18.75 %
// of the frame; one of two side by side (320x360), 320x240, a third.
constexpr int kCameraWidth = 320;
constexpr int kCameraHeight = 240;
// A solid colour through VP8 or H.264 twice (camera, composite) and I420:
// what the e2e media test allows too.
constexpr int kColourTolerance = 60;
constexpr uint32_t kVp8Ssrc = 0x11223344;
constexpr int kCameraPayloadType = 100;
// How far behind "now" a tapped frame may be on the room's timeline: a
// camera's frames wait in its jitter buffer (50 ms), the composite's in
// the compositor (its latency, about 100 ms), and the machine may be busy.
constexpr std::chrono::milliseconds kMaxLag{1000};
// Nor ahead of it by more than a camera's jitter buffer may put a frame:
// its times follow the sender's RTP timestamps from the first packet's
// arrival on (corrected for the sender's clock skew only slowly), so a
// first packet that came late (a sender still starting, a busy machine)
// puts the frames after it ahead of their arrival by as much.
constexpr std::chrono::milliseconds kMaxLead{250};

using Clock = std::chrono::steady_clock;

Rgb RgbOf(uint32_t argb) { return RgbFromArgb(argb); }

// The part of `frame` inside `rect`.
RgbFrame Crop(const RgbFrame& frame, const Rect& rect) {
  RgbFrame part;
  part.width = std::min(rect.width, frame.width - rect.x);
  part.height = std::min(rect.height, frame.height - rect.y);
  if (part.width <= 0 || part.height <= 0) return RgbFrame{};
  part.rgb.reserve(static_cast<size_t>(part.width) * part.height * 3);
  for (int y = rect.y; y < rect.y + part.height; ++y) {
    const auto row = frame.rgb.begin() + (static_cast<ptrdiff_t>(y) * frame.width + rect.x) * 3;
    part.rgb.insert(part.rgb.end(), row, row + static_cast<ptrdiff_t>(part.width) * 3);
  }
  return part;
}

// Share of the pixels with any channel above `level`: not black.
double BrightShare(const RgbFrame& frame, int level = 96) {
  if (frame.Empty()) return 0.0;
  size_t bright = 0;
  for (size_t i = 0; i + 2 < frame.rgb.size(); i += 3) {
    if (std::max({frame.rgb[i], frame.rgb[i + 1], frame.rgb[i + 2]}) > level) ++bright;
  }
  return static_cast<double>(bright) / (static_cast<double>(frame.rgb.size()) / 3.0);
}

// What a 4:3 camera letterboxed into `tile` covers of a frame of `area`.
double LetterboxedShare(const Rect& tile, double area) {
  const double scale = std::min(double(tile.width) / kCameraWidth, double(tile.height) / kCameraHeight);
  return kCameraWidth * scale * kCameraHeight * scale / area;
}

// A name tile as the webrtcbin path draws it: a short line of white text
// (some hundreds of pixels at the tiles' sizes here), centred on black.
bool IsNameTile(const RgbFrame& tile) {
  const double bright = BrightShare(tile);
  const double white = ColourShare(tile, Rgb{255, 255, 255}, kColourTolerance);
  const Rect top{0, 0, tile.width, tile.height / 4};
  const Rect bottom{0, tile.height - tile.height / 4, tile.width, tile.height / 4};
  return bright > 0.0005 && bright < 0.2 && white > 0.0002 && BrightShare(Crop(tile, top)) < 0.0001 &&
         BrightShare(Crop(tile, bottom)) < 0.0001;
}

std::string Percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f %%", 100.0 * share);
  return text;
}

// A pipeline from a gst-launch line, played; its appsink (named "sink")
// calls `onSample` on its streaming thread.
class LaunchedPipeline {
 public:
  LaunchedPipeline(const std::string& description, std::function<void(GstSample*)> onSample)
      : onSample_(std::move(onSample)) {
    GError* error = nullptr;
    pipeline_ = GRef<GstElement>::Sink(gst_parse_launch(description.c_str(), &error));
    if (error) {
      const std::string message = error->message;
      g_error_free(error);
      throw std::runtime_error("cannot build " + description + ": " + message);
    }
    sink_ = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "sink"));
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = +[](GstAppSink* sink, gpointer data) -> GstFlowReturn {
      GRef<GstSample> sample = GRef<GstSample>::Adopt(gst_app_sink_pull_sample(sink));
      if (sample) static_cast<LaunchedPipeline*>(data)->onSample_(sample.get());
      return GST_FLOW_OK;
    };
    gst_app_sink_set_callbacks(GST_APP_SINK(sink_.get()), &callbacks, this, nullptr);
    if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      throw std::runtime_error("cannot play " + description);
  }
  ~LaunchedPipeline() { gst_element_set_state(pipeline_.get(), GST_STATE_NULL); }
  LaunchedPipeline(const LaunchedPipeline&) = delete;
  LaunchedPipeline& operator=(const LaunchedPipeline&) = delete;

  GstElement* Get(const char* name) const {
    GRef<GstElement> element = GRef<GstElement>::Adopt(gst_bin_get_by_name(GST_BIN(pipeline_.get()), name));
    return element.get();  // the pipeline keeps it
  }
  GstElement* Sink() const { return sink_.get(); }

 private:
  std::function<void(GstSample*)> onSample_;
  GRef<GstElement> pipeline_;
  GRef<GstElement> sink_;
};

// The composite's RTP in one codec, decoded to RGB.
class CompositeDecoder {
 public:
  explicit CompositeDecoder(VideoCodec codec)
      : pipeline_(Description(codec), [this](GstSample* sample) { OnFrame(sample); }) {
    source_ = pipeline_.Get("src");
  }

  // On the worker.
  void Push(GstBuffer* packet) {
    GstMapInfo map;
    if (!gst_buffer_map(packet, &map, GST_MAP_READ)) return;
    {
      std::lock_guard lock(mutex_);
      ++packets_;
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      if (gst_rtp_buffer_map(packet, GST_MAP_READ, &rtp)) {
        ssrcs_.push_back(gst_rtp_buffer_get_ssrc(&rtp));
        payloadTypes_.push_back(gst_rtp_buffer_get_payload_type(&rtp));
        if (ssrcs_.size() > 64) {
          ssrcs_.erase(ssrcs_.begin());
          payloadTypes_.erase(payloadTypes_.begin());
        }
        gst_rtp_buffer_unmap(&rtp);
      }
    }
    gst_app_src_push_buffer(GST_APP_SRC(source_), gst_buffer_new_memdup(map.data, map.size));
    gst_buffer_unmap(packet, &map);
  }

  // Waits until a frame decoded from now on satisfies `check` (given the
  // frame), each new frame checked once.
  bool WaitUntil(const std::function<bool(const RgbFrame&)>& check, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const auto deadline = Clock::now() + timeout;
    uint64_t seen = frames_;
    while (true) {
      if (frames_ != seen && !last_.Empty()) {
        seen = frames_;
        const RgbFrame frame = last_;
        lock.unlock();
        if (check(frame)) return true;
        lock.lock();
      }
      if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && frames_ == seen) return false;
    }
  }
  // Waits for `count` more decoded frames.
  bool WaitForMoreFrames(uint64_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const uint64_t target = frames_ + count;
    return changed_.wait_for(lock, timeout, [&] { return frames_ >= target; });
  }
  uint64_t Packets() {
    std::lock_guard lock(mutex_);
    return packets_;
  }
  std::vector<uint32_t> RecentSsrcs() {
    std::lock_guard lock(mutex_);
    return ssrcs_;
  }
  std::vector<uint8_t> RecentPayloadTypes() {
    std::lock_guard lock(mutex_);
    return payloadTypes_;
  }

 private:
  static std::string Description(VideoCodec codec) {
    const bool h264 = codec == VideoCodec::H264;
    const std::string caps = std::string("application/x-rtp,media=video,clock-rate=90000,encoding-name=") +
                             (h264 ? "H264" : "VP8") +
                             ",payload=" + std::to_string(h264 ? RoomVideo::kH264PayloadType : RoomVideo::kPayloadType);
    return "appsrc name=src is-live=true do-timestamp=true format=time caps=\"" + caps + "\" ! " +
           (h264 ? "rtph264depay ! avdec_h264" : "rtpvp8depay ! vp8dec") +
           " ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false max-buffers=2 drop=true";
  }

  void OnFrame(GstSample* sample) {
    GstVideoInfo info;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (!buffer || !gst_sample_get_caps(sample) || !gst_video_info_from_caps(&info, gst_sample_get_caps(sample)))
      return;
    GstVideoFrame mapped;
    if (!gst_video_frame_map(&mapped, &info, buffer, GST_MAP_READ)) return;
    RgbFrame frame;
    frame.width = GST_VIDEO_INFO_WIDTH(&info);
    frame.height = GST_VIDEO_INFO_HEIGHT(&info);
    const auto* pixels = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&mapped, 0));
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&mapped, 0);
    frame.rgb.reserve(static_cast<size_t>(frame.width) * frame.height * 3);
    for (int y = 0; y < frame.height; ++y)
      frame.rgb.insert(frame.rgb.end(), pixels + static_cast<ptrdiff_t>(y) * stride,
                       pixels + static_cast<ptrdiff_t>(y) * stride + frame.width * 3);
    gst_video_frame_unmap(&mapped);
    {
      std::lock_guard lock(mutex_);
      last_ = std::move(frame);
      ++frames_;
    }
    changed_.notify_all();
  }

  GstElement* source_ = nullptr;
  std::mutex mutex_;
  std::condition_variable changed_;
  RgbFrame last_;
  uint64_t frames_ = 0;
  uint64_t packets_ = 0;
  std::vector<uint32_t> ssrcs_;
  std::vector<uint8_t> payloadTypes_;
  // Last, so it is destroyed first: its destructor stops the pipeline
  // (joining the appsink's thread, which runs OnFrame) while what OnFrame
  // writes still exists. Declared first, it outlived them: a frame still
  // being decoded at the end of a test was moved into a destroyed last_,
  // freeing its pixels a second time ("double free or corruption").
  LaunchedPipeline pipeline_;
};

// The room's timeline: its clock and base time.
struct VideoRoomClock {
  GstClock* clock;
  GstClockTime baseTime;
};

// What a tap got: frames, their caps, and whether their running times
// rose and stayed close to the room's clock. Its taps share it, so a test
// that stops early cannot leave a tap pointing at a log that is gone.
class TapLog : public std::enable_shared_from_this<TapLog> {
 public:
  TapLog(std::string name, GstClock* clock, GstClockTime baseTime)
      : name_(std::move(name)), clock_(clock), baseTime_(baseTime) {}
  const std::string& Name() const { return name_; }

  static std::shared_ptr<TapLog> Make(std::string name, const VideoRoomClock& clock) {
    return std::make_shared<TapLog>(std::move(name), clock.clock, clock.baseTime);
  }

  mixer::EncodedFrameTap Tap() {
    return [self = shared_from_this(), this](GstBuffer* frame, GstCaps* caps, GstClockTime runningTime) {
      const GstClockTime now = gst_clock_get_time(clock_) - baseTime_;
      {
        std::lock_guard lock(mutex_);
        ++frames_;
        if (frames_ == 1) firstIsKeyframe_ = !GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_DELTA_UNIT);
        keyframes_ += GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_DELTA_UNIT) ? 0 : 1;
        if (caps) {
          gchar* text = gst_caps_to_string(caps);
          caps_ = text;
          g_free(text);
        }
        if (!GST_CLOCK_TIME_IS_VALID(runningTime)) {
          ++untimed_;
        } else {
          if (GST_CLOCK_TIME_IS_VALID(last_) && runningTime <= last_) ++notRising_;
          last_ = runningTime;
          if (now >= runningTime)
            maxLag_ = std::max(maxLag_, now - runningTime);
          else
            maxLead_ = std::max(maxLead_, runningTime - now);
        }
      }
      changed_.notify_all();
    };
  }

  // A camera that starts again is a new stream, on the same timeline but
  // free to start a little before the last one ended (see kMaxLead).
  void NewStream() {
    std::lock_guard lock(mutex_);
    last_ = GST_CLOCK_TIME_NONE;
  }

  bool WaitForFrames(uint64_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return frames_ >= count; });
  }
  bool WaitForKeyframe(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return keyframes_ > 0; });
  }
  uint64_t Frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }

  // The frames' running times rose, none was untimed, and each was at
  // most kMaxLag behind the clock (and at most kMaxLead ahead) when it came.
  ::testing::AssertionResult OnTheRoomsTimeline(const std::string& what) {
    std::lock_guard lock(mutex_);
    std::string report = what + ": " + std::to_string(frames_) + " frames, caps " + caps_ + ", last running time " +
                         std::to_string(double(last_) / GST_SECOND) + " s, lag up to " +
                         std::to_string(double(maxLag_) / GST_MSECOND) + " ms, lead up to " +
                         std::to_string(double(maxLead_) / GST_MSECOND) + " ms, " + std::to_string(notRising_) +
                         " not rising, " + std::to_string(untimed_) + " untimed";
    std::cout << report << "\n";
    const GstClockTime maxLag = static_cast<GstClockTime>(Scaled(kMaxLag).count()) * GST_MSECOND;
    const GstClockTime maxLead = static_cast<GstClockTime>(Scaled(kMaxLead).count()) * GST_MSECOND;
    if (frames_ == 0 || untimed_ > 0 || notRising_ > 0 || maxLag_ > maxLag || maxLead_ > maxLead)
      return ::testing::AssertionFailure() << report;
    return ::testing::AssertionSuccess();
  }
  std::string Caps() {
    std::lock_guard lock(mutex_);
    return caps_;
  }
  bool FirstIsKeyframe() {
    std::lock_guard lock(mutex_);
    return firstIsKeyframe_;
  }

 private:
  const std::string name_;
  GstClock* clock_;
  const GstClockTime baseTime_;
  std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t frames_ = 0;
  uint64_t keyframes_ = 0;
  uint64_t untimed_ = 0;
  uint64_t notRising_ = 0;
  bool firstIsKeyframe_ = false;
  GstClockTime last_ = GST_CLOCK_TIME_NONE;
  GstClockTime maxLag_ = 0;
  GstClockTime maxLead_ = 0;
  std::string caps_;
};

// The room's video on its worker, the listener that decodes what it
// sends, and the cameras that feed it.
class VideoRoom : public RoomVideo::Listener {
 public:
  VideoRoom() : clock_(GRef<GstClock>::Adopt(gst_system_clock_obtain())) {
    // Ten seconds ago: running times on the room's timeline are then
    // about ten seconds, not the zero a pipeline of its own would start at.
    baseTime_ = gst_clock_get_time(clock_.get()) - 10 * GST_SECOND;
    mixer::MediaOptions options;
    options.videoWidth = kCompositeWidth;
    options.videoHeight = kCompositeHeight;
    options.videoFramerate = kFramerate;
    worker_.Invoke([&] {
      video_ = std::make_unique<RoomVideo>(*this, worker_, options, kVp8Ssrc, "test", clock_.get(), baseTime_);
    });
  }
  ~VideoRoom() override {
    {
      std::lock_guard lock(mutex_);
      cameras_.clear();  // their pipelines stop; what they posted finds no camera
    }
    worker_.Invoke([this] { video_.reset(); });
  }

  // Runs `task` with the room's video, on its worker.
  void With(const std::function<void(RoomVideo&)>& task) {
    worker_.Invoke([&] { task(*video_); });
  }

  // A camera sending `argb` in `codec`, added to the room with the old
  // VP8 call or the one naming the codec.
  void StartCamera(const std::string& id, uint32_t argb, VideoCodec codec, uint64_t order, bool legacyCall = false) {
    With([&](RoomVideo& video) {
      if (legacyCall)
        video.AddCamera(id, kCameraPayloadType, order);
      else
        video.AddCamera(id, kCameraPayloadType, codec, order);
    });
    SendCamera(id, argb, codec);
  }
  // Only the sender: its packets reach the room if it has a camera for `id`.
  void SendCamera(const std::string& id, uint32_t argb, VideoCodec codec) {
    char colour[16];
    std::snprintf(colour, sizeof colour, "0x%08X", argb);
    const std::string encode =
        codec == VideoCodec::H264
            ? "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" + std::to_string(2 * kFramerate) +
                  " bitrate=300 ! video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 "
                  "aggregate-mode=zero-latency"
            : "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=" + std::to_string(2 * kFramerate) +
                  " target-bitrate=300000 ! rtpvp8pay picture-id-mode=15-bit";
    const std::string description =
        "videotestsrc is-live=true pattern=solid-color foreground-color=" + std::string(colour) +
        " ! video/x-raw,format=I420,width=" + std::to_string(kCameraWidth) +
        ",height=" + std::to_string(kCameraHeight) + ",framerate=" + std::to_string(kFramerate) + "/1 ! " + encode +
        " pt=" + std::to_string(kCameraPayloadType) + " mtu=1200 ! appsink name=sink sync=false";
    auto camera = std::make_unique<LaunchedPipeline>(description, [this, id](GstSample* sample) {
      GstBuffer* buffer = gst_sample_get_buffer(sample);
      GstMapInfo map;
      if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
      std::vector<uint8_t> packet(map.data, map.data + map.size);
      gst_buffer_unmap(buffer, &map);
      worker_.Post([this, id, packet = std::move(packet)] {
        if (video_) video_->PushCameraPacket(id, packet);
      });
    });
    std::lock_guard lock(mutex_);
    cameras_[id] = std::move(camera);
  }
  void StopCamera(const std::string& id) {
    std::unique_ptr<LaunchedPipeline> stopped;
    {
      std::lock_guard lock(mutex_);
      if (auto found = cameras_.find(id); found != cameras_.end()) {
        stopped = std::move(found->second);
        cameras_.erase(found);
      }
    }
    stopped.reset();
    With([&](RoomVideo& video) { video.RemoveCamera(id); });
  }

  std::vector<std::pair<std::string, Rect>> Tiles() {
    std::vector<std::pair<std::string, Rect>> tiles;
    With([&](RoomVideo& video) { tiles = video.Tiles(); });
    return tiles;
  }
  Rect TileOf(const std::string& id) {
    for (const auto& [participant, tile] : Tiles())
      if (participant == id) return tile;
    return Rect{};
  }
  uint64_t KeyframesWanted(const std::string& id) {
    std::lock_guard lock(mutex_);
    return keyframesWanted_[id];
  }
  std::string Report() {
    std::string report;
    With([&](RoomVideo& video) {
      const auto& counters = video.GetCounters();
      report = std::to_string(counters.cameraPackets) + " camera packets in, " +
               std::to_string(counters.compositePackets) + " VP8 and " + std::to_string(counters.h264CompositePackets) +
               " H.264 composite packets out, " + std::to_string(counters.cameraKeyframeRequests) +
               " camera keyframe requests; tiles:";
      for (const auto& [id, tile] : video.Tiles())
        report += " " + id + "@" + std::to_string(tile.x) + "," + std::to_string(tile.y) + "+" +
                  std::to_string(tile.width) + "x" + std::to_string(tile.height) +
                  (video.HasCamera(id) ? "(camera)" : "");
    });
    std::lock_guard lock(mutex_);
    return report + (notes_.empty() ? "" : "; " + notes_);
  }

  GstClock* ClockOfRoom() const { return clock_.get(); }
  GstClockTime BaseTime() const { return baseTime_; }
  VideoRoomClock Timeline() const { return {clock_.get(), baseTime_}; }
  CompositeDecoder& Vp8() { return vp8_; }
  CompositeDecoder& H264() { return h264_; }

  // RoomVideo::Listener, on the worker.
  void OnCompositePacket(GstBuffer* packet) override { vp8_.Push(packet); }
  void OnH264CompositePacket(GstBuffer* packet) override { h264_.Push(packet); }
  void OnCameraKeyframeWanted(const std::string& participant) override {
    std::lock_guard lock(mutex_);
    ++keyframesWanted_[participant];
    // As a sender answers a PLI.
    if (auto found = cameras_.find(participant); found != cameras_.end())
      gst_element_send_event(found->second->Sink(),
                             gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  }
  void OnCameraFailed(const std::string& participant, const std::string& reason) override {
    std::lock_guard lock(mutex_);
    notes_ += participant + " failed: " + reason + "; ";
  }

 private:
  // GStreamer and the mixer's debug category, before anything else.
  struct Initialised {
    Initialised() { mixer::InitMixer(); }
  } initialised_;
  GRef<GstClock> clock_;
  GstClockTime baseTime_ = 0;
  // Before the room's video, which is destroyed (on the worker) first.
  CompositeDecoder vp8_{VideoCodec::VP8};
  CompositeDecoder h264_{VideoCodec::H264};
  transport::MediaWorker worker_{"test-video"};
  std::unique_ptr<RoomVideo> video_;  // made, used and destroyed on the worker
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<LaunchedPipeline>> cameras_;
  std::map<std::string, uint64_t> keyframesWanted_;
  std::string notes_;
};

// The colours each camera's tile shows, as shares of the tile and of the
// whole frame.
struct Expected {
  std::string participant;
  uint32_t colour;
};

// Waits until the decoder's newest frame is the composite's size and
// shows each camera's colour on its tile, letterboxed to 4:3 (three
// quarters of a 16:9 tile), and on the share of the frame the layout gives
// it; says what it saw.
::testing::AssertionResult ShowsCameras(VideoRoom& room, CompositeDecoder& decoder,
                                        const std::vector<Expected>& cameras, const std::string& what) {
  const auto tiles = room.Tiles();
  const double frameArea = double(kCompositeWidth) * kCompositeHeight;
  std::string seen;
  const auto start = Clock::now();
  const bool shown = decoder.WaitUntil(
      [&](const RgbFrame& frame) {
        seen = std::to_string(frame.width) + "x" + std::to_string(frame.height) + ":";
        bool ok = frame.width == kCompositeWidth && frame.height == kCompositeHeight;
        for (const Expected& camera : cameras) {
          Rect tile;
          for (const auto& [id, rect] : tiles)
            if (id == camera.participant) tile = rect;
          const double expected = LetterboxedShare(tile, frameArea);
          const double share = ColourShare(frame, RgbOf(camera.colour), kColourTolerance);
          const double inTile = ColourShare(Crop(frame, tile), RgbOf(camera.colour), kColourTolerance);
          const double expectedInTile = LetterboxedShare(tile, double(tile.width) * tile.height);
          seen += " " + camera.participant + " " + Percent(share) + " (want " + Percent(expected) + "), " +
                  Percent(inTile) + " of its tile (want " + Percent(expectedInTile) + ");";
          ok = ok && share > 0.88 * expected && share < 1.07 * expected && inTile > 0.88 * expectedInTile;
        }
        return ok;
      },
      Scaled(20s));
  std::cout << what << " shows" << seen << " (settled in "
            << std::chrono::duration<double>(Clock::now() - start).count() << " s)\n";
  if (!shown) return ::testing::AssertionFailure() << what << " shows" << seen << "\n" << room.Report();
  return ::testing::AssertionSuccess();
}

// Waits until the VP8 composite shows the participant's name, and no
// camera colour, in their tile.
::testing::AssertionResult ShowsName(VideoRoom& room, const std::string& participant) {
  const Rect tile = room.TileOf(participant);
  double bright = 0.0;
  const bool shown = room.Vp8().WaitUntil(
      [&](const RgbFrame& frame) {
        const RgbFrame part = Crop(frame, tile);
        bright = BrightShare(part);
        for (const uint32_t colour : {kRed, kGreen, kBlue})
          if (ColourShare(part, RgbOf(colour), kColourTolerance) > 0.001) return false;
        return IsNameTile(part);
      },
      Scaled(10s));
  if (!shown)
    return ::testing::AssertionFailure() << participant << "'s tile is " << Percent(bright) << " bright, not a name\n"
                                         << room.Report();
  return ::testing::AssertionSuccess();
}

TEST(RoomVideo, RunsOnTheRoomsClockAndBaseTime) {
  VideoRoom room;
  room.With([&](RoomVideo& video) {
    GstElement* pipeline = video.Pipeline();
    GRef<GstClock> clock = GRef<GstClock>::Adopt(gst_element_get_clock(pipeline));
    EXPECT_EQ(clock.get(), room.ClockOfRoom());
    EXPECT_EQ(gst_element_get_base_time(pipeline), room.BaseTime());
    EXPECT_EQ(gst_element_get_start_time(pipeline), GST_CLOCK_TIME_NONE);
    EXPECT_EQ(video.Ssrc(), kVp8Ssrc);
    EXPECT_EQ(video.Ssrc(VideoCodec::VP8), kVp8Ssrc);
    EXPECT_NE(video.Ssrc(VideoCodec::H264), 0u);
    EXPECT_NE(video.Ssrc(VideoCodec::H264), kVp8Ssrc) << "the H.264 stream has an SSRC of its own";
  });
  // A composite with nobody in it still goes out (black).
  ASSERT_TRUE(room.Vp8().WaitUntil([](const RgbFrame& frame) { return BrightShare(frame) < 0.001; }, Scaled(10s)))
      << room.Report();
}

TEST(RoomVideo, Vp8AndH264CamerasShowInTheVp8Composite) {
  VideoRoom room;
  room.StartCamera("a", kRed, VideoCodec::VP8, 0, /*legacyCall=*/true);
  room.StartCamera("b", kGreen, VideoCodec::H264, 1);
  room.With([](RoomVideo& video) {
    EXPECT_TRUE(video.HasCamera("a"));
    EXPECT_TRUE(video.HasCamera("b"));
  });
  // Side by side, each 4:3 camera letterboxed to 320x240 in its 320x360 tile.
  EXPECT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}, {"b", kGreen}}, "VP8 composite"));
  EXPECT_EQ(room.Tiles(),
            (std::vector<std::pair<std::string, Rect>>{{"a", Rect{0, 0, 320, 360}}, {"b", Rect{320, 0, 320, 360}}}));
  EXPECT_EQ(room.H264().Packets(), 0u) << "no H.264 before EnableH264";
  std::cout << room.Report() << "\n";
}

TEST(RoomVideo, TheH264CompositeShowsTheCameras) {
  VideoRoom room;
  room.StartCamera("a", kRed, VideoCodec::VP8, 0);
  room.StartCamera("b", kGreen, VideoCodec::H264, 1);
  uint32_t h264Ssrc = 0;
  room.With([&](RoomVideo& video) {
    EXPECT_FALSE(video.H264Enabled());
    video.EnableH264();
    video.EnableH264();  // once is enough; again changes nothing
    EXPECT_TRUE(video.H264Enabled());
    h264Ssrc = video.Ssrc(VideoCodec::H264);
    video.RequestKeyframe(VideoCodec::H264);
  });
  EXPECT_TRUE(ShowsCameras(room, room.H264(), {{"a", kRed}, {"b", kGreen}}, "H.264 composite"));
  // And the VP8 composite goes on beside it, with the same picture.
  EXPECT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}, {"b", kGreen}}, "VP8 composite"));
  for (const uint32_t ssrc : room.H264().RecentSsrcs()) EXPECT_EQ(ssrc, h264Ssrc);
  for (const uint8_t pt : room.H264().RecentPayloadTypes()) EXPECT_EQ(pt, RoomVideo::kH264PayloadType);
  for (const uint32_t ssrc : room.Vp8().RecentSsrcs()) EXPECT_EQ(ssrc, kVp8Ssrc);
  for (const uint8_t pt : room.Vp8().RecentPayloadTypes()) EXPECT_EQ(pt, RoomVideo::kPayloadType);
  int h264Payloaders = 0;
  room.With([&](RoomVideo& video) {
    GstIterator* iterator = gst_bin_iterate_elements(GST_BIN(video.Pipeline()));
    GValue item = G_VALUE_INIT;
    while (gst_iterator_next(iterator, &item) == GST_ITERATOR_OK) {
      GstElement* element = GST_ELEMENT(g_value_get_object(&item));
      GstElementFactory* factory = gst_element_get_factory(element);
      if (factory && g_strcmp0(GST_OBJECT_NAME(factory), "rtph264pay") == 0) ++h264Payloaders;
      g_value_reset(&item);
    }
    g_value_unset(&item);
    gst_iterator_free(iterator);
  });
  EXPECT_EQ(h264Payloaders, 1) << "EnableH264 twice packetizes once";
  std::cout << room.Report() << "\n";
}

TEST(RoomVideo, AParticipantWithoutACameraHasANameTile) {
  VideoRoom room;
  room.With([](RoomVideo& video) {
    video.AddParticipant("a", "Alice", 0);
    video.AddParticipant("b", "Participant Bob", 1);
    video.AddParticipant("c", "Carol", 2);
  });
  room.StartCamera("a", kRed, VideoCodec::VP8, 0);
  room.StartCamera("c", kBlue, VideoCodec::H264, 2);
  // Three tiles in a 2x2 grid, whoever sends: each camera takes 18.75 % of
  // the frame, not the third it would take if only cameras were tiled.
  EXPECT_EQ(room.Tiles(),
            (std::vector<std::pair<std::string, Rect>>{
                {"a", Rect{0, 0, 320, 180}}, {"b", Rect{320, 0, 320, 180}}, {"c", Rect{0, 180, 320, 180}}}));
  ASSERT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}, {"c", kBlue}}, "three participants, two cameras"));
  // Bob's tile shows his name (white on black, as the webrtcbin path draws
  // it); the fourth quarter, nobody's, is the black background.
  const Rect bob = room.TileOf("b");
  const Rect nobody{320, 180, 320, 180};
  double bobBright = 0.0;
  double nobodyBright = 1.0;
  EXPECT_TRUE(room.Vp8().WaitUntil(
      [&](const RgbFrame& frame) {
        bobBright = BrightShare(Crop(frame, bob));
        nobodyBright = BrightShare(Crop(frame, nobody));
        return IsNameTile(Crop(frame, bob)) && nobodyBright < 0.0001;
      },
      Scaled(10s)))
      << "Bob's tile " << Percent(bobBright) << " bright, the empty quarter " << Percent(nobodyBright) << "\n"
      << room.Report();
  std::cout << "Bob's name tile " << Percent(bobBright) << " bright, the empty quarter " << Percent(nobodyBright)
            << "\n";

  // Carol's camera stops: her name comes back in her tile, blue goes.
  room.StopCamera("c");
  EXPECT_TRUE(ShowsName(room, "c"));
  EXPECT_EQ(room.Tiles().size(), 3u) << "Carol keeps her tile without a camera";

  // Bob leaves: two tiles side by side, Alice's camera a third of the
  // frame, Carol's name moved and drawn again at her tile's new size.
  room.With([](RoomVideo& video) { video.RemoveParticipant("b"); });
  EXPECT_EQ(room.Tiles(),
            (std::vector<std::pair<std::string, Rect>>{{"a", Rect{0, 0, 320, 360}}, {"c", Rect{320, 0, 320, 360}}}));
  EXPECT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}}, "after Bob left"));
  EXPECT_TRUE(ShowsName(room, "c"));

  // A camera for someone never added brings its participant, nameless,
  // and takes it away again (RoomMedia's cameras, until it names them).
  room.StartCamera("e", kGreen, VideoCodec::VP8, 4);
  EXPECT_EQ(room.Tiles().size(), 3u);
  EXPECT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}, {"e", kGreen}}, "with e's camera"));
  room.StopCamera("e");
  EXPECT_EQ(room.Tiles().size(), 2u) << "e came with its camera and left with it";

  // Named after its camera came: it is a participant like the others,
  // and keeps its tile, with its name, when the camera stops.
  room.StartCamera("d", kGreen, VideoCodec::VP8, 3);
  room.With([](RoomVideo& video) { video.AddParticipant("d", "Dave", 3); });
  EXPECT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}, {"d", kGreen}}, "with d's camera"));
  room.StopCamera("d");
  EXPECT_EQ(room.Tiles().size(), 3u) << "d stays, named";
  EXPECT_TRUE(ShowsName(room, "d"));
  std::cout << room.Report() << "\n";
}

TEST(RoomVideo, TapsDeliverFramesOnTheRoomsTimeline) {
  VideoRoom room;
  auto vp8Camera = TapLog::Make("vp8Camera", room.Timeline());
  auto h264Camera = TapLog::Make("h264Camera", room.Timeline());
  auto composite = TapLog::Make("composite", room.Timeline());
  auto raw = TapLog::Make("raw", room.Timeline());
  // A tap set before the camera exists is kept for it, and asks for a
  // keyframe at once.
  room.With([&](RoomVideo& video) {
    video.AddParticipant("a", "Alice", 0);
    video.TapCamera("a", vp8Camera->Tap());
  });
  EXPECT_EQ(room.KeyframesWanted("a"), 1u);
  room.StartCamera("a", kRed, VideoCodec::VP8, 0);
  room.StartCamera("b", kGreen, VideoCodec::H264, 1);
  ASSERT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}, {"b", kGreen}}, "VP8 composite"));
  const uint64_t wantedBefore = room.KeyframesWanted("b");
  room.With([&](RoomVideo& video) {
    video.TapCamera("b", h264Camera->Tap());
    video.TapComposite(composite->Tap());
    video.TapRaw(raw->Tap());
  });
  EXPECT_GT(room.KeyframesWanted("b"), wantedBefore) << "a camera tap asks the sender for a keyframe";

  const uint64_t frames = 2 * kFramerate;  // two seconds
  for (const auto& log : {vp8Camera, h264Camera, composite, raw})
    ASSERT_TRUE(log->WaitForFrames(frames, Scaled(15s))) << log->Name() << ": " << log->Frames() << " frames\n"
                                                         << room.Report();
  EXPECT_TRUE(composite->WaitForKeyframe(Scaled(5s))) << "the composite's tap starts with a keyframe asked for";

  EXPECT_TRUE(vp8Camera->OnTheRoomsTimeline("VP8 camera"));
  EXPECT_TRUE(h264Camera->OnTheRoomsTimeline("H.264 camera"));
  EXPECT_TRUE(composite->OnTheRoomsTimeline("VP8 composite"));
  EXPECT_TRUE(raw->OnTheRoomsTimeline("raw composite"));
  EXPECT_TRUE(vp8Camera->FirstIsKeyframe()) << "tapped from the camera's start, which waits for a keyframe";
  EXPECT_EQ(vp8Camera->Caps().rfind("video/x-vp8", 0), 0u) << vp8Camera->Caps();
  EXPECT_EQ(h264Camera->Caps().rfind("video/x-h264", 0), 0u) << h264Camera->Caps();
  EXPECT_NE(h264Camera->Caps().find("alignment=(string)au"), std::string::npos) << h264Camera->Caps();
  EXPECT_EQ(composite->Caps().rfind("video/x-vp8", 0), 0u) << composite->Caps();
  EXPECT_EQ(raw->Caps().rfind("video/x-raw", 0), 0u) << raw->Caps();
  EXPECT_NE(raw->Caps().find("width=(int)640"), std::string::npos) << raw->Caps();
  EXPECT_NE(raw->Caps().find("height=(int)360"), std::string::npos) << raw->Caps();
  room.With([](RoomVideo& video) {
    video.TapCamera("a", nullptr);
    video.TapCamera("b", nullptr);
    video.TapComposite(nullptr);
    video.TapRaw(nullptr);
  });
}

TEST(RoomVideo, AnEmptyTapStopsDeliveryAndACameraTapOutlivesItsCamera) {
  VideoRoom room;
  auto camera = TapLog::Make("camera", room.Timeline());
  auto composite = TapLog::Make("composite", room.Timeline());
  auto raw = TapLog::Make("raw", room.Timeline());
  room.With([&](RoomVideo& video) { video.AddParticipant("a", "Alice", 0); });
  room.StartCamera("a", kRed, VideoCodec::VP8, 0);
  room.With([&](RoomVideo& video) {
    video.TapCamera("a", camera->Tap());
    video.TapComposite(composite->Tap());
    video.TapRaw(raw->Tap());
  });
  for (const auto& log : {camera, composite, raw})
    ASSERT_TRUE(log->WaitForFrames(kFramerate, Scaled(15s))) << log->Name() << ": " << log->Frames() << " frames\n"
                                                             << room.Report();

  // The camera goes and comes back: its tap is kept for it.
  room.StopCamera("a");
  camera->NewStream();
  const uint64_t beforeRestart = camera->Frames();
  room.StartCamera("a", kRed, VideoCodec::VP8, 0);
  ASSERT_TRUE(camera->WaitForFrames(beforeRestart + kFramerate, Scaled(15s))) << camera->Frames() << " frames\n"
                                                                              << room.Report();
  EXPECT_TRUE(camera->OnTheRoomsTimeline("camera across a restart"));

  // Empty taps: nothing more once the call has returned, while the room's
  // picture goes on (a second of composite frames decoded meanwhile).
  uint64_t cameraFrames = 0;
  uint64_t compositeFrames = 0;
  uint64_t rawFrames = 0;
  room.With([&](RoomVideo& video) {
    video.TapCamera("a", {});
    video.TapComposite({});
    video.TapRaw({});
    cameraFrames = camera->Frames();
    compositeFrames = composite->Frames();
    rawFrames = raw->Frames();
  });
  ASSERT_TRUE(room.Vp8().WaitForMoreFrames(kFramerate, Scaled(10s))) << room.Report();
  EXPECT_EQ(camera->Frames(), cameraFrames);
  EXPECT_EQ(composite->Frames(), compositeFrames);
  EXPECT_EQ(raw->Frames(), rawFrames);

  // And a camera tap is gone for good: not attached when the camera
  // restarts.
  room.StopCamera("a");
  ASSERT_TRUE(ShowsName(room, "a"));
  room.StartCamera("a", kRed, VideoCodec::VP8, 0);
  ASSERT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}}, "after the restart"));
  EXPECT_EQ(camera->Frames(), cameraFrames);

  // A participant's removal drops its tap too.
  auto again = TapLog::Make("again", room.Timeline());
  room.With([&](RoomVideo& video) {
    video.TapCamera("a", again->Tap());
    video.RemoveParticipant("a");
    video.AddParticipant("a", "Alice", 0);
  });
  room.StopCamera("a");
  ASSERT_TRUE(ShowsName(room, "a"));
  room.StartCamera("a", kRed, VideoCodec::VP8, 0);
  ASSERT_TRUE(ShowsCameras(room, room.Vp8(), {{"a", kRed}}, "after Alice came back"));
  const uint64_t afterRejoin = again->Frames();
  ASSERT_TRUE(room.Vp8().WaitForMoreFrames(kFramerate, Scaled(10s))) << room.Report();
  EXPECT_EQ(again->Frames(), afterRejoin) << "the tap left with the participant";
}

}  // namespace
}  // namespace plenum::test
