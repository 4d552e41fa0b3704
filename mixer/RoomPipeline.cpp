#include "mixer/RoomPipeline.hpp"

#include <algorithm>
#include <stdexcept>

#include "mixer/FullMixEncode.hpp"
#include "mixer/GridLayout.hpp"
#include "mixer/IceCandidate.hpp"
#include "mixer/Log.hpp"
#include "mixer/RoomAudio.hpp"
#include "mixer/VideoComposite.hpp"

namespace plenum::mixer {
namespace {

constexpr guint kKeyframeTimerMs = 100;
constexpr const char* kParticipantBinPrefix = "participant-";

GRef<GSource> AttachSource(GSource* raw, GMainContext* context) {
  GRef<GSource> source = GRef<GSource>::Adopt(raw);
  g_source_attach(source.get(), context);
  return source;
}

// A full-mix frame's running time moved onto the composite's timeline: the
// mix is stamped when it is made, the composite's frames at their cameras'
// running time (see RoomAudio::MixDelay).
GstClockTime OnCompositeTimeline(const RoomAudio& mix, GstClockTime runningTime) {
  const GstClockTimeDiff delay = mix.MixDelay();
  if (GST_CLOCK_TIME_IS_VALID(runningTime) && GST_CLOCK_DIFF(delay, runningTime) >= 0)
    return static_cast<GstClockTime>(static_cast<GstClockTimeDiff>(runningTime) - delay);
  return runningTime;
}

}  // namespace

RoomPipeline::RoomPipeline(const std::string& roomId, const MediaOptions& options, GMainContext* control,
                           Listener& listener)
    : control_(control), listener_(listener), roomId_(roomId), options_(options), poster_(control, alive_) {
  pipeline_ = GRef<GstElement>::Sink(gst_pipeline_new(("room-" + roomId).c_str()));
  video_ = std::make_unique<VideoComposite>(GST_BIN(pipeline_.get()), options_);
  audio_ = std::make_unique<RoomAudio>(pipeline_.get(), [poster = poster_, this](const std::string& speaker) {
    poster.Post([this, speaker] { listener_.OnSpeakerChanged(speaker); });
  });

  GRef<GstBus> bus = GRef<GstBus>::Adopt(gst_element_get_bus(pipeline_.get()));
  busWatch_ = AttachSource(gst_bus_create_watch(bus.get()), control_);
  g_source_set_callback(busWatch_.get(), G_SOURCE_FUNC(+[](GstBus*, GstMessage* message, gpointer self) -> gboolean {
                          static_cast<RoomPipeline*>(self)->OnBusMessage(message);
                          return G_SOURCE_CONTINUE;
                        }),
                        this, nullptr);

  keyframeTimer_ = AttachSource(g_timeout_source_new(kKeyframeTimerMs), control_);
  g_source_set_callback(
      keyframeTimer_.get(),
      +[](gpointer self) -> gboolean {
        static_cast<RoomPipeline*>(self)->video_->ServeDeferredKeyframe();
        return G_SOURCE_CONTINUE;
      },
      this, nullptr);

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_source_destroy(busWatch_.get());
    g_source_destroy(keyframeTimer_.get());
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    throw std::runtime_error("the room pipeline cannot start");
  }
  GST_INFO("create room [room:%s]", roomId_.c_str());
}

RoomPipeline::~RoomPipeline() {
  alive_.reset();
  compositeTap_.reset();
  fullMix_.reset();
  TapProgram(nullptr, nullptr);
  // Endpoints first, each detaching itself from the shared elements.
  while (!endpoints_.empty()) endpoints_.pop_back();
  g_source_destroy(keyframeTimer_.get());
  g_source_destroy(busWatch_.get());
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  audio_.reset();
  video_.reset();
  GST_INFO("destroy room [room:%s]", roomId_.c_str());
}

void RoomPipeline::AddParticipant(const std::string& participant, const std::string& name) {
  if (Find(participant)) throw std::logic_error("participant added twice: " + participant);
  endpoints_.push_back(
      std::make_unique<ParticipantEndpoint>(GST_BIN(pipeline_.get()), *audio_, *video_, options_, control_,
                                            static_cast<ParticipantEndpoint::Listener&>(*this), participant, name));
  Relayout();
}

void RoomPipeline::RemoveParticipant(const std::string& participant) {
  auto it = std::find_if(endpoints_.begin(), endpoints_.end(),
                         [&](const auto& endpoint) { return endpoint->id() == participant; });
  if (it == endpoints_.end()) return;
  endpoints_.erase(it);
  Relayout();
}

void RoomPipeline::TapRoom(EncodedFrameTap audio, EncodedFrameTap video) {
  fullMix_.reset();
  compositeTap_.reset();
  if (audio) {
    EncodedFrameTap onTimeline = [tap = std::move(audio), &mix = *audio_](GstBuffer* frame, GstCaps* caps,
                                                                         GstClockTime runningTime) mutable {
      tap(frame, caps, OnCompositeTimeline(mix, runningTime));
    };
    fullMix_ = std::make_unique<FullMixEncode>(GST_BIN(pipeline_.get()), *audio_, options_.audioBitrate,
                                               std::move(onTimeline));
  }
  if (video) {
    GRef<GstPad> encoded = video_->Vp8EncodedPad();
    compositeTap_ = std::make_unique<PadTap>(encoded.get(), std::move(video));
    video_->RequestKeyframe(VideoCodec::VP8);
  }
}

void RoomPipeline::TapProgram(EncodedFrameTap audio, EncodedFrameTap video) {
  programVideoTap_.reset();
  if (audio) {
    audio_->SetFullMixTap([tap = std::move(audio), &mix = *audio_](GstBuffer* frame, GstCaps* caps,
                                                                  GstClockTime runningTime) {
      tap(frame, caps, OnCompositeTimeline(mix, runningTime));
    });
  } else {
    audio_->SetFullMixTap(nullptr);
  }
  if (video) {
    GRef<GstPad> raw = video_->RawPad();
    programVideoTap_ = std::make_unique<PadTap>(raw.get(), std::move(video));
  }
}

void RoomPipeline::TapParticipant(const std::string& participant, EncodedFrameTap audio, EncodedFrameTap video) {
  if (ParticipantEndpoint* endpoint = Find(participant)) endpoint->SetTaps(std::move(audio), std::move(video));
}

GstClockTime RoomPipeline::RunningTime() const {
  GRef<GstClock> clock = GRef<GstClock>::Adopt(gst_element_get_clock(pipeline_.get()));
  if (!clock) return 0;
  const GstClockTime now = gst_clock_get_time(clock.get());
  const GstClockTime base = gst_element_get_base_time(pipeline_.get());
  return now > base ? now - base : 0;
}

void RoomPipeline::RequestParticipantKeyframe(const std::string& participant) {
  if (ParticipantEndpoint* endpoint = Find(participant)) endpoint->RequestKeyframe();
}

std::optional<ParticipantCounts> RoomPipeline::Counts(const std::string& participant) const {
  if (const ParticipantEndpoint* endpoint = Find(participant)) return endpoint->ReadCounts();
  return std::nullopt;
}

void RoomPipeline::ApplyOffer(const std::string& participant, const std::string& sdp) {
  ParticipantEndpoint* endpoint = Find(participant);
  if (!endpoint) throw std::logic_error("offer for unknown participant " + participant);
  const OfferSummary summary = InspectOffer(sdp);  // throws before anything changes
  endpoint->ApplyOffer(summary, sdp);
}

void RoomPipeline::AddRemoteCandidate(const std::string& participant, unsigned mlineIndex,
                                      const std::string& candidate) {
  if (ParticipantEndpoint* endpoint = Find(participant)) endpoint->AddRemoteCandidate(mlineIndex, candidate);
}

void RoomPipeline::Relayout() {
  const std::vector<Rect> tiles = ComputeGrid(static_cast<int>(endpoints_.size()), video_->width(), video_->height());
  for (size_t i = 0; i < endpoints_.size(); ++i) endpoints_[i]->SetTile(tiles[i]);
}

ParticipantEndpoint* RoomPipeline::Find(const std::string& participant) const {
  for (const auto& endpoint : endpoints_) {
    if (endpoint->id() == participant) return endpoint.get();
  }
  return nullptr;
}

std::string RoomPipeline::ParticipantOf(GstObject* source) const {
  for (GRef<GstObject> object = GRef<GstObject>::Ref(source); object;
       object = GRef<GstObject>::Adopt(gst_object_get_parent(object.get()))) {
    GCharPtr name(gst_object_get_name(object.get()));
    const std::string text = name ? name.get() : "";
    if (text.rfind(kParticipantBinPrefix, 0) == 0)
      return text.substr(std::char_traits<char>::length(kParticipantBinPrefix));
  }
  return {};
}

void RoomPipeline::OnBusMessage(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      GError* rawError = nullptr;
      gchar* rawDebug = nullptr;
      gst_message_parse_error(message, &rawError, &rawDebug);
      GErrorPtr error(rawError);
      GCharPtr debug(rawDebug);
      GST_ERROR("media error [room:%s source:%s error:%s debug:%s]", roomId_.c_str(), GST_MESSAGE_SRC_NAME(message),
                error->message, debug ? debug.get() : "");
      GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS(GST_BIN(pipeline_.get()), GST_DEBUG_GRAPH_SHOW_ALL,
                                        ("error-room-" + roomId_).c_str());
      const std::string participant = ParticipantOf(GST_MESSAGE_SRC(message));
      if (!participant.empty()) {
        listener_.OnParticipantMediaError(participant, error->message);
      } else {
        listener_.OnRoomMediaError(error->message);
      }
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError* rawError = nullptr;
      gst_message_parse_warning(message, &rawError, nullptr);
      GErrorPtr error(rawError);
      GST_WARNING("media warning [room:%s source:%s warning:%s]", roomId_.c_str(), GST_MESSAGE_SRC_NAME(message),
                  error->message);
      break;
    }
    case GST_MESSAGE_LATENCY:
      // A new participant brought a jitter buffer: redistribute latency.
      gst_bin_recalculate_latency(GST_BIN(pipeline_.get()));
      break;
    default: break;
  }
}

void RoomPipeline::OnLocalAnswer(ParticipantEndpoint& endpoint, const std::string& sdp) {
  listener_.OnAnswer(endpoint.id(), sdp);
}

void RoomPipeline::OnLocalCandidate(ParticipantEndpoint& endpoint, unsigned mlineIndex, const std::string& mid,
                                    const std::string& candidate) {
  listener_.OnCandidate(endpoint.id(), mlineIndex, mid, candidate);
  // Behind a 1:1 NAT the host address is private; offer the public one too.
  if (auto mapped = WithPublicAddress(candidate, options_.ice.publicIp)) {
    listener_.OnCandidate(endpoint.id(), mlineIndex, mid, *mapped);
  }
}

void RoomPipeline::OnNegotiationFailed(ParticipantEndpoint& endpoint, bool badOffer, const std::string& reason) {
  listener_.OnNegotiationFailed(endpoint.id(), badOffer, reason);
}

void RoomPipeline::OnIceState(ParticipantEndpoint& endpoint, const std::string& state) {
  listener_.OnIceState(endpoint.id(), state);
}

void RoomPipeline::OnPeerConnectionState(ParticipantEndpoint& endpoint, const std::string& state) {
  listener_.OnPeerConnectionState(endpoint.id(), state);
}

void RoomPipeline::OnSelectedPair(ParticipantEndpoint& endpoint, const SelectedPair& pair) {
  listener_.OnSelectedPair(endpoint.id(), pair);
}

void RoomPipeline::OnFirstMedia(ParticipantEndpoint& endpoint, MediaKind kind, bool incoming) {
  listener_.OnFirstMedia(endpoint.id(), kind, incoming);
}

}  // namespace plenum::mixer
