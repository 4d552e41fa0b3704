#include "mixer/RoomAudio.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <chrono>

#include "mixer/Log.hpp"

namespace plenum::mixer {
namespace {

constexpr auto kTick = std::chrono::milliseconds(20);
constexpr GstClockTime kFrameDuration = 20 * GST_MSECOND;
// When the tick thread was kept from running for this long, the output
// timeline is re-anchored instead of pushing a burst of catch-up frames.
constexpr int kMaxLateTicks = 5;
constexpr uint64_t kStatsEveryTicks = 250;  // 5 s

// What an appsink callback needs; owned by the appsink.
struct InputRoute {
  std::shared_ptr<MixMinus> mix;
  std::string participant;
};

GstFlowReturn OnNewSample(GstAppSink* sink, gpointer data) {
  auto* route = static_cast<InputRoute*>(data);
  GRef<GstSample> sample = GRef<GstSample>::Adopt(gst_app_sink_pull_sample(sink));
  if (!sample) return GST_FLOW_EOS;
  GstBuffer* buffer = gst_sample_get_buffer(sample.get());
  // When the buffer's sound was due on the room's clock: its running time
  // (arrival, as the jitterbuffer timestamps it), the same timeline as the
  // participant's video in the composite.
  uint64_t endTime = SampleFifo::kUnknownTime;
  const GstSegment* segment = gst_sample_get_segment(sample.get());
  if (buffer && segment && segment->format == GST_FORMAT_TIME && GST_BUFFER_PTS_IS_VALID(buffer) &&
      GST_BUFFER_DURATION_IS_VALID(buffer)) {
    const GstClockTime end = gst_segment_to_running_time(segment, GST_FORMAT_TIME,
                                                         GST_BUFFER_PTS(buffer) + GST_BUFFER_DURATION(buffer));
    if (GST_CLOCK_TIME_IS_VALID(end)) endTime = end;
  }
  GstMapInfo map;
  if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    route->mix->Push(route->participant,
                     std::span<const int16_t>(reinterpret_cast<const int16_t*>(map.data), map.size / sizeof(int16_t)),
                     endTime);
    gst_buffer_unmap(buffer, &map);
  }
  return GST_FLOW_OK;
}

}  // namespace

GRef<GstCaps> RoomAudio::MixCaps() {
  return GRef<GstCaps>::Adopt(gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate", G_TYPE_INT,
                                                  MixMinus::kSampleRate, "channels", G_TYPE_INT, 1, "layout",
                                                  G_TYPE_STRING, "interleaved", nullptr));
}

RoomAudio::RoomAudio(GstElement* pipeline, SpeakerChanged onSpeakerChanged)
    : pipeline_(GRef<GstElement>::Ref(pipeline)),
      onSpeakerChanged_(std::move(onSpeakerChanged)),
      thread_([this] { Run(); }) {}

RoomAudio::~RoomAudio() {
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = true;
  }
  stopSignal_.notify_all();
  thread_.join();
}

void RoomAudio::AddParticipant(const std::string& participant) { mix_->AddParticipant(participant); }

void RoomAudio::RemoveParticipant(const std::string& participant) {
  mix_->RemoveParticipant(participant);
  std::lock_guard lock(outputsMutex_);
  outputs_.erase(participant);
}

void RoomAudio::AttachInput(const std::string& participant, GstElement* appsink) {
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = OnNewSample;
  gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &callbacks, new InputRoute{mix_, participant},
                             [](gpointer data) { delete static_cast<InputRoute*>(data); });
}

void RoomAudio::AttachOutput(const std::string& participant, GstElement* appsrc) {
  std::lock_guard lock(outputsMutex_);
  outputs_[participant] = GRef<GstElement>::Ref(appsrc);
}

void RoomAudio::AttachFullMixOutput(GstElement* appsrc) {
  std::lock_guard lock(outputsMutex_);
  fullMixOutput_ = appsrc ? GRef<GstElement>::Ref(appsrc) : GRef<GstElement>();
}

void RoomAudio::SetFullMixTap(std::function<void(GstBuffer*, GstCaps*, GstClockTime)> tap) {
  std::lock_guard lock(outputsMutex_);
  fullMixTap_ = std::move(tap);
}

void RoomAudio::Run() {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + kTick;
  GstClockTime nextPts = GST_CLOCK_TIME_NONE;
  uint64_t ticks = 0;
  std::unique_lock lock(stopMutex_);
  while (!stopSignal_.wait_until(lock, deadline, [this] { return stopping_; })) {
    lock.unlock();
    const auto now = Clock::now();
    if (now - deadline > kMaxLateTicks * kTick) {
      deadline = now;
      nextPts = GST_CLOCK_TIME_NONE;
    }
    deadline += kTick;

    bool wantsFullMix = false;
    {
      std::lock_guard outputsLock(outputsMutex_);
      wantsFullMix = fullMixOutput_ || fullMixTap_;
    }
    mix_->MixFrame(frame_, wantsFullMix ? &fullMix_ : nullptr);
    if (++ticks % kStatsEveryTicks == 0) {
      for (const auto& out : frame_) {
        const auto stats = mix_->Stats(out.participant);
        GST_DEBUG("mix input [participant:%s underruns:%" G_GUINT64_FORMAT " dropped:%" G_GUINT64_FORMAT "]",
                  out.participant.c_str(), stats.underruns, stats.droppedSamples);
      }
      GST_DEBUG("mix delay [%" GST_STIME_FORMAT "]", GST_STIME_ARGS(MixDelay()));
    }
    std::vector<SpeakerDetector::Level> levels;
    levels.reserve(frame_.size());
    for (const auto& out : frame_) levels.push_back({out.participant, out.ownLevel});
    if (auto speaker = speakers_.Update(levels)) onSpeakerChanged_(*speaker);
    // The mix is kept in step with whoever speaks: their lips and voice are
    // what a viewer matches.
    uint64_t dueTime = SampleFifo::kUnknownTime;
    for (const auto& out : frame_) {
      if (out.participant == speakers_.Current()) dueTime = out.dueTime;
    }

    // Output timestamps advance by exactly one frame per tick, anchored to
    // the pipeline's running time once, so encoders see a gapless stream.
    const GstClockTime base = gst_element_get_base_time(pipeline_.get());
    GRef<GstClock> clock = GRef<GstClock>::Adopt(gst_element_get_clock(pipeline_.get()));
    if (clock) {
      const GstClockTime running = gst_clock_get_time(clock.get()) - base;
      if (!GST_CLOCK_TIME_IS_VALID(nextPts) ||
          GST_CLOCK_DIFF(nextPts, running) > 2 * (GstClockTimeDiff)kFrameDuration ||
          GST_CLOCK_DIFF(running, nextPts) > 2 * (GstClockTimeDiff)kFrameDuration) {
        nextPts = running;
      }
      PushOutputs(nextPts);
      if (dueTime != SampleFifo::kUnknownTime) TrackMixDelay(GST_CLOCK_DIFF(static_cast<GstClockTime>(dueTime), nextPts));
      nextPts += kFrameDuration;
    }
    lock.lock();
  }
}

void RoomAudio::TrackMixDelay(GstClockTimeDiff delay) {
  // Smoothed over about a second (50 ticks): the delay moves with each
  // input's backlog, and whoever applies it wants a steady timeline.
  constexpr double kWeight = 1.0 / 50;
  if (!mixDelayKnown_) {
    mixDelay_.store(delay, std::memory_order_relaxed);
    mixDelayKnown_ = true;
    return;
  }
  const auto previous = static_cast<double>(mixDelay_.load(std::memory_order_relaxed));
  mixDelay_.store(static_cast<GstClockTimeDiff>(previous + kWeight * (static_cast<double>(delay) - previous)),
                  std::memory_order_relaxed);
}

void RoomAudio::PushOutputs(GstClockTime pts) {
  // The appsrc takes the buffer; it drops it itself when its branch is
  // going away (flushing).
  const auto frame = [pts](const std::vector<int16_t>& samples) {
    const gsize bytes = samples.size() * sizeof(int16_t);
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, bytes, nullptr);
    gst_buffer_fill(buffer, 0, samples.data(), bytes);
    GST_BUFFER_PTS(buffer) = pts;
    GST_BUFFER_DURATION(buffer) = kFrameDuration;
    return buffer;
  };
  std::lock_guard lock(outputsMutex_);
  for (const auto& out : frame_) {
    auto it = outputs_.find(out.participant);
    if (it != outputs_.end()) gst_app_src_push_buffer(GST_APP_SRC(it->second.get()), frame(out.samples));
  }
  if (fullMix_.size() != MixMinus::kFrameSamples || (!fullMixOutput_ && !fullMixTap_)) return;
  // One buffer for both: neither writes into it.
  GRef<GstBuffer> mix = GRef<GstBuffer>::Adopt(frame(fullMix_));
  if (fullMixTap_) fullMixTap_(mix.get(), mixCaps_.get(), pts);
  if (fullMixOutput_) gst_app_src_push_buffer(GST_APP_SRC(fullMixOutput_.get()), mix.Leak());
}

}  // namespace plenum::mixer
