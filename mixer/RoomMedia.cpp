#include "mixer/RoomMedia.hpp"

#include "mixer/AudioLevel.hpp"
#include "mixer/GRef.hpp"
#include "mixer/Log.hpp"
#include "transport/RtcpSession.hpp"
#include "transport/RtpPacketView.hpp"
#include "transport/RtpPacketWriter.hpp"

#include <gst/rtp/rtp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

namespace plenum::mixer {
namespace {

constexpr const char* kCname = "plenum";
// A camera's depayloader asks for a keyframe with every frame it drops
// while it waits for one, and its decoder on every error: one PLI per
// this interval answers all of them (a keyframe takes about a round trip).
constexpr int64_t kCameraPliMinIntervalMs = 200;

int64_t NowMs() { return g_get_monotonic_time() / 1000; }

constexpr uint32_t kAudioClockRate = 48000;
constexpr uint32_t kVideoClockRate = 90000;
// What a camera is asked to keep under (REMB): it is shown scaled down
// into one tile of a composite that is itself encoded at `videoBitrate`,
// so twice its share of that is more than it can show; at least enough
// for a clear 360p, at most what a single tile filling the picture needs.
constexpr uint64_t kCameraMinBitrate = 300'000;
constexpr uint64_t kCameraMaxBitrate = 2'500'000;


}  // namespace

// One participant: their transport and what their answer negotiated.
class RoomMedia::Endpoint : public transport::WebRtcTransport::Listener {
 public:
  Endpoint(RoomMedia& room, std::string id) : room_(room), id_(std::move(id)) {}

  void OnTransportLocalCandidate(transport::WebRtcTransport&, const std::string& candidate) override {
    // libnice may report host candidates inside Start(), before the answer
    // has gone out; a browser refuses candidates that come before it.
    if (!answered_) {
      pending_.push_back(candidate);
      return;
    }
    room_.listener_.OnLocalCandidate(id_, answer.bundleMline, answer.bundleMid, candidate);
  }
  // After the answer has been handed to the listener.
  void Answered() {
    answered_ = true;
    for (const std::string& candidate : pending_)
      room_.listener_.OnLocalCandidate(id_, answer.bundleMline, answer.bundleMid, candidate);
    pending_.clear();
  }
  void OnTransportStateChanged(transport::WebRtcTransport&, transport::WebRtcTransport::State state,
                               const std::string& reason) override {
    if (state == transport::WebRtcTransport::State::kConnected) room_.OnConnected(*this);
    room_.listener_.OnTransportState(id_, state, reason);
  }
  void OnTransportSelectedPair(transport::WebRtcTransport&, const transport::IceTransport::SelectedPair& pair) override {
    room_.listener_.OnSelectedPair(id_, pair);
  }
  void OnTransportIceState(transport::WebRtcTransport&, transport::IceTransport::State state) override {
    room_.listener_.OnIceState(id_, state);
  }
  void OnTransportDtlsState(transport::WebRtcTransport&, transport::DtlsTransport::State state) override {
    room_.listener_.OnDtlsState(id_, state);
  }
  void OnTransportRtp(transport::WebRtcTransport&, uint8_t* data, size_t length) override {
    room_.OnRtp(*this, data, length);
  }
  void OnTransportRtcp(transport::WebRtcTransport&, uint8_t* data, size_t length) override {
    room_.OnRtcp(*this, data, length);
  }

  const std::string& Id() const { return id_; }
  // Counts a packet, and tells the timeline about the first of its kind.
  void Count(MediaKind kind, bool incoming, size_t length) {
    room_.counters_.CountPacket(incoming ? MediaMetrics::kIn : MediaMetrics::kOut, kind, length);
    if (traffic) {
      Traffic::Stream& stream = kind == MediaKind::Audio ? (incoming ? traffic->audioIn : traffic->audioOut)
                                                         : (incoming ? traffic->videoIn : traffic->videoOut);
      stream.Add(length);
    }
    bool& seen = firstSeen[(kind == MediaKind::Audio ? 0 : 2) + (incoming ? 0 : 1)];
    if (seen) return;
    seen = true;
    room_.listener_.OnFirstMedia(id_, kind, incoming);
  }

  std::string name;
  std::string remoteUfrag;  // of the first offer: a change is an ICE restart
  std::shared_ptr<Traffic> traffic;
  bool firstSeen[4] = {};
  EncodedFrameTap audioTap;
  // Their sound's running times for the tap, from its RTP timestamps.
  RtpTimeline audioTimeline{kAudioClockRate};
  EncodedFrameTap videoTap;
  LocalAnswer answer;
  std::unique_ptr<transport::WebRtcTransport> transport;
  uint64_t joinOrder = 0;     // its place in the composite's layout
  uint32_t cameraSsrc = 0;    // of the participant's video, from its packets
  bool cameraFailed = false;  // its video is ignored from then on
  int64_t lastPliMs = 0;
  int64_t lastKeyframeAskMs = 0;  // the last PLI/FIR of theirs that reached the composite
  bool keyframeDeferred = false;  // asked again too soon: passed on when their interval ends
  // Reports, NACKs and REMB towards them, once their transport exists.
  std::unique_ptr<transport::RtcpSession> rtcp;
  // Their streams' loss as our reports give it, ours as theirs do.
  CumulativeLoss lossIn;
  CumulativeLoss lossOut;

 private:
  RoomMedia& room_;
  const std::string id_;
  bool answered_ = false;
  std::vector<std::string> pending_;
};

RoomMedia::RoomMedia(Listener& listener, transport::MediaWorker& worker,
                     std::shared_ptr<const transport::DtlsCertificate> certificate, Options options)
    : listener_(listener),
      worker_(worker),
      certificate_(std::move(certificate)),
      options_(std::move(options)),
      ownMetrics_(options_.metrics ? nullptr : std::make_unique<MediaMetrics>(1)),
      metrics_(options_.metrics ? *options_.metrics : *ownMetrics_),
      counters_(metrics_.Worker(options_.metrics ? options_.workerIndex : 0)),
      videoSsrc_(g_random_int()),
      h264Ssrc_(videoSsrc_ + 1 + g_random_int_range(0, 1 << 30)),
      audio_(*this, options_.audio),
      clock_(GRef<GstClock>::Adopt(gst_system_clock_obtain())),
      baseTime_(options_.baseTime ? options_.baseTime : gst_clock_get_time(clock_.get())),
      opusCaps_(GRef<GstCaps>::Adopt(gst_caps_from_string(
          "audio/x-opus, rate=(int)48000, channels=(int)2, channel-mapping-family=(int)0"))),
      mixOpusCaps_(GRef<GstCaps>::Adopt(gst_caps_from_string(
          "audio/x-opus, rate=(int)48000, channels=(int)1, channel-mapping-family=(int)0"))),
      mixRawCaps_(GRef<GstCaps>::Adopt(gst_caps_from_string(
          "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, rate=(int)48000, channels=(int)1"))),
      tick_(worker.Context(), std::chrono::milliseconds(20), [this] { OnTick(); }) {}

RoomMedia::~RoomMedia() {
  // The video pipeline stops first, joining its threads: it calls back
  // into this room, and what its threads posted is dropped with it.
  video_.reset();
  const VideoCounters& v = videoCounters_;
  GST_INFO("room video: %" G_GUINT64_FORMAT " composite packets sent, %" G_GUINT64_FORMAT
           " resent on NACK, %" G_GUINT64_FORMAT " NACKed but gone, %" G_GUINT64_FORMAT
           " keyframe requests (%" G_GUINT64_FORMAT " too soon), %" G_GUINT64_FORMAT " PLIs to cameras",
           v.packetsSent, v.retransmitted, v.nackedMissing, v.keyframeRequests, v.keyframeRequestsLimited, v.plisSent);
}

RoomMedia::Endpoint& RoomMedia::Add(const std::string& participant, const std::string& name) {
  auto& slot = endpoints_[participant];
  if (!slot) {
    slot = std::make_unique<Endpoint>(*this, participant);
    slot->joinOrder = joins_++;
    slot->name = name;
  }
  return *slot;
}

void RoomMedia::AddParticipant(const std::string& participant, const std::string& name,
                               std::shared_ptr<Traffic> traffic) {
  Endpoint& endpoint = Add(participant, name);
  endpoint.name = name;
  endpoint.traffic = std::move(traffic);
  if (video_) video_->AddParticipant(participant, name, endpoint.joinOrder);
}

void RoomMedia::ApplyOffer(const std::string& participant, const std::string& sdp) {
  const OfferSummary summary = InspectOffer(sdp);  // throws OfferError
  GstSDPMessage* parsed = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &parsed);
  SdpMessagePtr offer(parsed);
  if (!offer) throw OfferError(OfferError::Kind::Malformed, "the offer is not SDP");
  const transport::RemoteTransport remote = transport::ReadRemoteTransport(*offer);  // throws
  transport::AnswerRole(remote.setup);                                             // throws
  if (const auto found = endpoints_.find(participant); found != endpoints_.end() && found->second->transport) {
    Renegotiate(*found->second, *offer, summary, remote);
    return;
  }

  if (!summary.audio) throw OfferError(OfferError::Kind::Unsupported, "the offer has no audio this room can use");
  Endpoint& added = Add(participant, "");
  added.remoteUfrag = remote.iceUfrag;
  added.transport =
      std::make_unique<transport::WebRtcTransport>(added, worker_.Context(), options_.ice, certificate_);
  // Candidates may trickle out of Start at once, naming the bundle section
  // before the answer is written.
  added.answer.bundleMid = summary.audio->mid;
  added.answer.bundleMline = summary.audio->mlineIndex;
  const uint32_t ssrc = g_random_int();
  added.transport->Start(remote);
  // Now with the ICE credentials the started transport has.
  added.answer = BuildLocalAnswer(*offer, summary, added.transport->Local(), ssrc, videoSsrc_, kCname, h264Ssrc_);
  if (added.answer.video.present) {
    try {
      EnsureVideo();
      if (added.answer.video.send && added.answer.video.codec == VideoCodec::H264) video_->EnableH264();
    } catch (const std::exception&) {
      added.transport->Close();
      added.transport.reset();
      throw;
    }
  }
  transport::RtcpSession::Config rtcp;
  rtcp.cname = kCname;
  rtcp.reporterSsrc = ssrc;
  added.rtcp = std::make_unique<transport::RtcpSession>(rtcp, g_get_monotonic_time());
  audio_.AddParticipant(participant, ssrc, static_cast<uint16_t>(g_random_int()), g_random_int());
  UpdateCameraBitrates();
  listener_.OnAnswer(participant, added.answer.sdp);
  added.Answered();
}

RoomVideo& RoomMedia::EnsureVideo() {
  if (video_) return *video_;
  try {
    video_ = std::make_unique<RoomVideo>(static_cast<RoomVideo::Listener&>(*this), worker_, options_.media,
                                         videoSsrc_, options_.name, clock_.get(), baseTime_, h264Ssrc_,
                                         &metrics_.Composite());
  } catch (const std::exception& error) {
    GST_ERROR("fail room-video [room:%s error:%s]", options_.name.c_str(), error.what());
    throw;
  }
  videoHistory_ = std::make_unique<transport::RtpHistory>(transport::RtpHistory::kVideo);
  h264History_ = std::make_unique<transport::RtpHistory>(transport::RtpHistory::kVideo);
  // Everyone already here gets a tile, and the taps set before the video
  // existed start now.
  for (const auto& [id, endpoint] : endpoints_) {
    video_->AddParticipant(id, endpoint->name, endpoint->joinOrder);
    if (endpoint->videoTap) video_->TapCamera(id, endpoint->videoTap);
  }
  if (roomVideoTap_) video_->TapComposite(roomVideoTap_);
  if (programVideoTap_) video_->TapRaw(programVideoTap_);
  return *video_;
}

void RoomMedia::Renegotiate(Endpoint& endpoint, const GstSDPMessage& offer, const OfferSummary& summary,
                             const transport::RemoteTransport& remote) {
  // The same transport goes on: its ICE credentials, its DTLS role and
  // keys, our SSRCs. An ICE restart would need a new agent under the
  // association the client keeps, which this transport cannot do yet.
  if (remote.iceUfrag != endpoint.remoteUfrag)
    throw OfferError(OfferError::Kind::Unsupported, "an ICE restart is not supported: join again instead");
  if (!summary.audio) throw OfferError(OfferError::Kind::Unsupported, "the offer has no audio this room can use");
  LocalAnswer answer = BuildLocalAnswer(offer, summary, endpoint.transport->Local(), endpoint.answer.audio.ssrc,
                                        videoSsrc_, kCname, h264Ssrc_);  // throws OfferError; nothing changed yet
  if (answer.video.present) EnsureVideo();
  if (answer.video.send && answer.video.codec == VideoCodec::H264) video_->EnableH264();
  if (video_ && !answer.video.receive) video_->RemoveCamera(endpoint.Id());
  answer.bundleMid = endpoint.answer.bundleMid;  // where our candidates went
  answer.bundleMline = endpoint.answer.bundleMline;
  endpoint.answer = std::move(answer);
  UpdateCameraBitrates();
  listener_.OnAnswer(endpoint.Id(), endpoint.answer.sdp);
  GST_INFO("renegotiate [id:%s video:%d]", endpoint.Id().c_str(), endpoint.answer.video.present);
}

bool RoomMedia::AddRemoteCandidate(const std::string& participant, const std::string& candidate) {
  const auto found = endpoints_.find(participant);
  return found != endpoints_.end() && found->second->transport &&
         found->second->transport->AddRemoteCandidate(candidate);
}

void RoomMedia::EndOfRemoteCandidates(const std::string& participant) {
  if (const auto found = endpoints_.find(participant); found != endpoints_.end() && found->second->transport)
    found->second->transport->EndOfRemoteCandidates();
}

void RoomMedia::RemoveParticipant(const std::string& participant) {
  audio_.RemoveParticipant(participant);
  const auto found = endpoints_.find(participant);
  if (video_) {
    if (found != endpoints_.end() && endpoints_.size() == 1) {
      // The last one: the picture goes with them, its pipeline stopped as
      // a whole (threads joined first) rather than taken apart tile by
      // tile; a tile released while the compositor was still negotiating
      // its first buffer crashed it (e2e-abuse, a join and leave within
      // milliseconds). A later join makes it again, taps included.
      video_.reset();
      videoHistory_.reset();
      h264History_.reset();
    } else {
      video_->RemoveParticipant(participant);
    }
  }
  if (found == endpoints_.end()) return;
  if (found->second->transport) found->second->transport->Close();
  endpoints_.erase(found);
  UpdateCameraBitrates();
}

const transport::WebRtcTransport* RoomMedia::Transport(const std::string& participant) const {
  const auto found = endpoints_.find(participant);
  return found == endpoints_.end() ? nullptr : found->second->transport.get();
}

GstClockTime RoomMedia::RunningTime() const {
  const GstClockTime now = gst_clock_get_time(clock_.get());
  return now > baseTime_ ? now - baseTime_ : 0;
}

GstClockTime RoomMedia::MixRunningTime() {
  const GstClockTime delay = options_.audio.jitterTargetPackets * 20 * GST_MSECOND;
  const GstClockTime now = RunningTime();
  const auto ticks = static_cast<uint32_t>(audio_.GetCounters().ticks * AudioEngine::kFrameTicks);
  return mixTimeline_.RunningTime(ticks, now > delay ? now - delay : 0);
}

void RoomMedia::TapParticipant(const std::string& participant, EncodedFrameTap audio, EncodedFrameTap video) {
  const auto found = endpoints_.find(participant);
  if (found == endpoints_.end()) return;
  found->second->audioTap = std::move(audio);
  found->second->videoTap = std::move(video);
  if (video_) video_->TapCamera(participant, found->second->videoTap);
  // What the tap keeps starts at a keyframe: ask now, past the PLI limit
  // that paces the decoder's own requests.
  if (found->second->videoTap) RequestCameraKeyframe(*found->second, true);
}

void RoomMedia::TapRoom(EncodedFrameTap audio, EncodedFrameTap video) {
  roomAudioTap_ = std::move(audio);
  audio_.SetFullMixWanted(static_cast<bool>(roomAudioTap_));
  roomVideoTap_ = std::move(video);
  if (roomVideoTap_) EnsureVideo();
  if (video_) video_->TapComposite(roomVideoTap_);
}

void RoomMedia::TapProgram(EncodedFrameTap audio, EncodedFrameTap video) {
  programAudioTap_ = std::move(audio);
  programVideoTap_ = std::move(video);
  if (programVideoTap_) EnsureVideo();
  if (video_) video_->TapRaw(programVideoTap_);
}

void RoomMedia::SendRtcp() {
  // On the tick: NACKs wait at most 20 ms, well inside a round trip; the
  // reports keep RFC 3550's randomized second.
  const int64_t now = g_get_monotonic_time();
  const int64_t nowMs = now / 1000;
  const int64_t wall = g_get_real_time();
  for (auto& [id, endpoint] : endpoints_) {
    if (!endpoint->rtcp || !endpoint->transport ||
        endpoint->transport->GetState() != transport::WebRtcTransport::State::kConnected)
      continue;
    transport::RtcpSession& rtcp = *endpoint->rtcp;
    if (rtcp.WriteDueNacks(rtcpWriter_, now, wall)) {
      const std::span<const uint8_t> compound = rtcpWriter_.Finish();
      endpoint->transport->SendRtcp(compound.data(), compound.size());
    }
    if (rtcp.WriteReportIfDue(rtcpWriter_, now, wall)) {
      const std::span<const uint8_t> compound = rtcpWriter_.Finish();
      endpoint->transport->SendRtcp(compound.data(), compound.size());
      CountOurReport(*endpoint);
    }
    // A gap too wide to repair: the camera starts again from a keyframe.
    while (rtcp.TakeKeyframeRequest()) RequestCameraKeyframe(*endpoint, false);
    // Their request that came too soon, once their interval is over.
    if (endpoint->keyframeDeferred && video_ &&
        nowMs - endpoint->lastKeyframeAskMs >= options_.media.keyframeMinIntervalMs) {
      endpoint->keyframeDeferred = false;
      endpoint->lastKeyframeAskMs = nowMs;
      video_->RequestKeyframe(endpoint->answer.video.codec);
    }
  }
}

void RoomMedia::UpdateCameraBitrates() {
  uint64_t cameras = 0;
  for (const auto& [id, endpoint] : endpoints_) cameras += endpoint->answer.video.receive ? 1 : 0;
  if (cameras == 0) return;
  const uint64_t share = 2 * static_cast<uint64_t>(options_.media.videoBitrate) / cameras;
  const uint64_t bitrate = std::clamp(share, kCameraMinBitrate, kCameraMaxBitrate);
  for (auto& [id, endpoint] : endpoints_)
    if (endpoint->rtcp && endpoint->answer.video.receive) endpoint->rtcp->SetRembBitrate(bitrate);
}

void RoomMedia::RequestCameraKeyframe(const std::string& participant) {
  // Asked for by the room (a recording's file opening): rare, and it must
  // not be lost to the limit on the decoder's own requests.
  if (const auto found = endpoints_.find(participant); found != endpoints_.end())
    RequestCameraKeyframe(*found->second, true);
}

void RoomMedia::OnFullMix(std::span<const int16_t> samples) {
  if (!programAudioTap_) return;
  GRef<GstBuffer> frame = GRef<GstBuffer>::Adopt(gst_buffer_new_memdup(samples.data(), samples.size_bytes()));
  const GstClockTime runningTime = MixRunningTime();
  GST_BUFFER_PTS(frame.get()) = runningTime;
  GST_BUFFER_DURATION(frame.get()) = 20 * GST_MSECOND;
  programAudioTap_(frame.get(), mixRawCaps_.get(), runningTime);
}

void RoomMedia::OnFullMixPacket(std::span<const uint8_t> payload) {
  if (!roomAudioTap_) return;
  GRef<GstBuffer> frame = GRef<GstBuffer>::Adopt(gst_buffer_new_memdup(payload.data(), payload.size()));
  const GstClockTime runningTime = MixRunningTime();
  GST_BUFFER_PTS(frame.get()) = runningTime;
  GST_BUFFER_DURATION(frame.get()) = 20 * GST_MSECOND;
  roomAudioTap_(frame.get(), mixOpusCaps_.get(), runningTime);
}

void RoomMedia::OnRtp(Endpoint& endpoint, uint8_t* data, size_t length) {
  const transport::RtpPacketView packet(std::span<const uint8_t>(data, length));
  if (!packet) return;
  const NegotiatedAudio& audio = endpoint.answer.audio;
  if (audio.receive && packet.PayloadType() == audio.payloadType) {
    endpoint.Count(MediaKind::Audio, true, length);
    endpoint.rtcp->OnIncomingRtp(packet.Ssrc(), kAudioClockRate, packet.SequenceNumber(), packet.Timestamp(), false,
                                 g_get_monotonic_time());
    if (endpoint.audioTap) {
      const std::span<const uint8_t> payload = packet.Payload();
      GRef<GstBuffer> frame = GRef<GstBuffer>::Adopt(gst_buffer_new_memdup(payload.data(), payload.size()));
      const GstClockTime runningTime = endpoint.audioTimeline.RunningTime(packet.Timestamp(), RunningTime());
      GST_BUFFER_PTS(frame.get()) = runningTime;
      GST_BUFFER_DURATION(frame.get()) = 20 * GST_MSECOND;
      endpoint.audioTap(frame.get(), opusCaps_.get(), runningTime);
    }
    std::optional<uint8_t> level;
    if (audio.levelExtensionId) {
      if (const auto extension = packet.OneByteExtension(static_cast<uint8_t>(audio.levelExtensionId));
          extension && !extension->empty())
        level = AudioLevel::Parse((*extension)[0]).level;
    }
    audio_.PushPacket(endpoint.Id(), packet.SequenceNumber(), packet.Timestamp(), level, packet.Payload());
    return;
  }
  const NegotiatedVideo& video = endpoint.answer.video;
  const int payloadType = packet.PayloadType();
  if (video.receive && payloadType != 0 && (payloadType == video.vp8PayloadType || payloadType == video.h264PayloadType)) {
    endpoint.Count(MediaKind::Video, true, length);
    endpoint.rtcp->OnIncomingRtp(packet.Ssrc(), kVideoClockRate, packet.SequenceNumber(), packet.Timestamp(), true,
                                 g_get_monotonic_time());
    OnCameraPacket(endpoint, std::span<const uint8_t>(data, length), packet.Ssrc());
  }
}

void RoomMedia::OnCameraPacket(Endpoint& endpoint, std::span<const uint8_t> packet, uint32_t ssrc) {
  if (!video_ || endpoint.cameraFailed) return;
  endpoint.cameraSsrc = ssrc;
  if (video_->PushCameraPacket(endpoint.Id(), packet)) return;
  // The camera starts with its first packet, in the codec it came in.
  const int payloadType = transport::RtpPacketView(packet).PayloadType();
  const VideoCodec codec =
      payloadType == endpoint.answer.video.h264PayloadType ? VideoCodec::H264 : VideoCodec::VP8;
  try {
    video_->AddCamera(endpoint.Id(), payloadType, codec, endpoint.joinOrder);
  } catch (const std::exception& error) {
    GST_ERROR("fail camera [id:%s error:%s]", endpoint.Id().c_str(), error.what());
    endpoint.cameraFailed = true;
    return;
  }
  video_->PushCameraPacket(endpoint.Id(), packet);
  // Its first keyframe most likely left before the connection was up: ask
  // for one now rather than wait for the next.
  RequestCameraKeyframe(endpoint, true);
}

void RoomMedia::RequestCameraKeyframe(Endpoint& endpoint, bool force) {
  if (!endpoint.cameraSsrc || !endpoint.transport || endpoint.transport->GetState() != transport::WebRtcTransport::State::kConnected) return;
  const int64_t now = NowMs();
  if (!force && endpoint.lastPliMs != 0 && now - endpoint.lastPliMs < kCameraPliMinIntervalMs) return;
  // A full compound (RFC 3550 §6.1: a report and our CNAME first), which
  // every receiver takes, reduced-size RTCP negotiated or not.
  rtcpWriter_.AddReceiverReport(videoSsrc_, {});
  rtcpWriter_.AddSdesCname(videoSsrc_, kCname);
  rtcpWriter_.AddPli(videoSsrc_, endpoint.cameraSsrc);
  const std::span<const uint8_t> compound = rtcpWriter_.Finish();
  if (!endpoint.transport->SendRtcp(compound.data(), compound.size())) return;
  endpoint.lastPliMs = now;
  ++videoCounters_.plisSent;
  GST_DEBUG("send pli [id:%s ssrc:%u]", endpoint.Id().c_str(), endpoint.cameraSsrc);
}

void RoomMedia::OnRtcp(Endpoint& endpoint, uint8_t* data, size_t length) {
  if (!rtcpReader_.Read(std::span<const uint8_t>(data, length))) return;
  if (endpoint.rtcp) {
    endpoint.rtcp->OnIncomingRtcp(rtcpReader_, g_get_monotonic_time());
    CountTheirReport(endpoint);
  }
  if (!video_ || !endpoint.answer.video.send) return;
  // The receiver's composite: VP8, or H.264 for one that cannot take VP8.
  const VideoCodec codec = endpoint.answer.video.codec;
  const uint32_t compositeSsrc = video_->Ssrc(codec);
  transport::RtpHistory& history = codec == VideoCodec::H264 ? *h264History_ : *videoHistory_;
  bool keyframe = false;
  for (const transport::RtcpPli& pli : rtcpReader_.Plis()) keyframe = keyframe || pli.mediaSsrc == compositeSsrc;
  for (const transport::RtcpFir& fir : rtcpReader_.Firs()) keyframe = keyframe || fir.mediaSsrc == compositeSsrc;
  const int64_t now = NowMs();
  if (keyframe) {
    ++videoCounters_.keyframeRequests;
    // One receiver asking again and again (a broken decoder, a hostile
    // client) gets one keyframe per interval, and costs the others
    // nothing more; the composite's own limit covers all of them together.
    // A request inside the interval is kept, not dropped: a receiver whose
    // keyframe was itself lost asks once and then waits, and dropping its
    // second request froze its picture until the next periodic keyframe.
    if (endpoint.lastKeyframeAskMs == 0 || now - endpoint.lastKeyframeAskMs >= options_.media.keyframeMinIntervalMs) {
      endpoint.lastKeyframeAskMs = now;
      endpoint.keyframeDeferred = false;
      video_->RequestKeyframe(codec);
      counters_.keyframeRequestsSent.Add(1);
    } else {
      ++videoCounters_.keyframeRequestsLimited;
      counters_.keyframeRequestsDeferred.Add(1);
      endpoint.keyframeDeferred = true;
    }
  }
  for (const transport::RtcpNack& nack : rtcpReader_.Nacks()) {
    if (nack.mediaSsrc != compositeSsrc) continue;
    for (const uint16_t sequence : nack.sequences) {
      // Sent again as it was (RFC 4585 retransmission, not RTX): the
      // receiver never had it, so its SRTP replay window takes it, and our
      // sending session allows the repeated sequence number.
      if (const auto stored = history.Find(sequence, static_cast<uint64_t>(now)); !stored) {
        ++videoCounters_.nackedMissing;
      } else if (SendVideo(endpoint, *stored, true)) {
        ++videoCounters_.retransmitted;
        counters_.videoRetransmitted.Add(1);
      }
    }
  }
}

void RoomMedia::CountOurReport(Endpoint& endpoint) {
  for (const transport::RtcpReportBlock& block : endpoint.rtcp->LastReportBlocks()) {
    const uint64_t lost = endpoint.lossIn.Increase(block.ssrc, block.cumulativeLost, block.highestSequence);
    counters_.packetsLost[MediaMetrics::kIn].Add(lost);
    if (endpoint.traffic && lost) endpoint.traffic->lostIn.fetch_add(lost, std::memory_order_relaxed);
    if (const transport::ReceiveStatistics* stream = endpoint.rtcp->Incoming(block.ssrc); stream && stream->ClockRate())
      metrics_.Jitter(MediaMetrics::kIn).Observe(static_cast<double>(block.jitter) / stream->ClockRate());
  }
}

void RoomMedia::CountTheirReport(Endpoint& endpoint) {
  // A client with several SSRCs of its own (webrtcbin: one SR each) may
  // report the same stream of ours more than once in one compound: its
  // jitter is observed once.
  std::array<uint32_t, 8> seen{};
  size_t seenCount = 0;
  for (const transport::RtcpReceivedBlock& received : rtcpReader_.ReportBlocks()) {
    const transport::RtcpReportBlock& block = received.block;
    // Only blocks about what we sent them: a client reports whatever it
    // likes, and SSRCs we never used would be its own invention.
    const transport::SendStatistics* stream = endpoint.rtcp->Outgoing(block.ssrc);
    GST_LOG("read report-block [id:%s ssrc:%u ours:%d lost:%d highest:%u jitter:%u]", endpoint.Id().c_str(),
            block.ssrc, stream != nullptr, block.cumulativeLost, block.highestSequence, block.jitter);
    if (!stream || !stream->ClockRate()) continue;
    if (std::find(seen.begin(), seen.begin() + seenCount, block.ssrc) != seen.begin() + seenCount) continue;
    if (seenCount < seen.size()) seen[seenCount++] = block.ssrc;
    const uint64_t lost = endpoint.lossOut.Increase(block.ssrc, block.cumulativeLost, block.highestSequence);
    counters_.packetsLost[MediaMetrics::kOut].Add(lost);
    if (endpoint.traffic && lost) endpoint.traffic->lostOut.fetch_add(lost, std::memory_order_relaxed);
    metrics_.Jitter(MediaMetrics::kOut).Observe(static_cast<double>(block.jitter) / stream->ClockRate());
  }
}

void RoomMedia::OnConnected(Endpoint& endpoint) {
  // Whatever was sent before the connection was up went nowhere: a new
  // receiver starts decoding at a keyframe.
  if (video_ && endpoint.answer.video.send) video_->RequestKeyframe(endpoint.answer.video.codec);
}

void RoomMedia::OnCompositePacket(GstBuffer* buffer) { FanOut(buffer, VideoCodec::VP8); }

void RoomMedia::OnH264CompositePacket(GstBuffer* buffer) { FanOut(buffer, VideoCodec::H264); }

void RoomMedia::FanOut(GstBuffer* buffer, VideoCodec codec) {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
  const std::span<const uint8_t> packet(map.data, map.size);
  transport::RtpHistory& history = codec == VideoCodec::H264 ? *h264History_ : *videoHistory_;
  if (const transport::RtpPacketView view(packet); view)
    history.Store(view.SequenceNumber(), packet, static_cast<uint64_t>(NowMs()));
  for (auto& [id, endpoint] : endpoints_) {
    if (endpoint->answer.video.codec == codec && SendVideo(*endpoint, packet, false)) ++videoCounters_.packetsSent;
  }
  gst_buffer_unmap(buffer, &map);
}

bool RoomMedia::SendVideo(Endpoint& endpoint, std::span<const uint8_t> packet, bool retransmission) {
  const NegotiatedVideo& video = endpoint.answer.video;
  if (!video.send || !endpoint.transport ||
      endpoint.transport->GetState() != transport::WebRtcTransport::State::kConnected)
    return false;
  // The receiver's copy, under the payload type it negotiated for the
  // composite's codec (SRTP then protects it per receiver, in the
  // transport's own buffer).
  videoScratch_.assign(packet.begin(), packet.end());
  {
    transport::RtpPacketWriter writer(videoScratch_);
    if (!writer) return false;
    writer.SetPayloadType(static_cast<uint8_t>(video.payloadType));
  }
  if (!endpoint.transport->SendRtp(videoScratch_.data(), videoScratch_.size())) return false;
  endpoint.Count(MediaKind::Video, false, videoScratch_.size());
  if (const transport::RtpPacketView sent(videoScratch_); sent)
    endpoint.rtcp->OnOutgoingRtp(sent.Ssrc(), kVideoClockRate, sent.Timestamp(), sent.Payload().size(), retransmission,
                                 g_get_monotonic_time());
  return true;
}

void RoomMedia::OnCameraKeyframeWanted(const std::string& participant) {
  if (const auto found = endpoints_.find(participant); found != endpoints_.end())
    RequestCameraKeyframe(*found->second, false);
}

void RoomMedia::OnCameraFailed(const std::string& participant, const std::string& reason) {
  GST_WARNING("fail camera [id:%s reason:%s]", participant.c_str(), reason.c_str());
  if (const auto found = endpoints_.find(participant); found != endpoints_.end()) found->second->cameraFailed = true;
}

void RoomMedia::OnAudioPacket(const std::string& participant, const AudioEngine::OutgoingPacket& packet) {
  const auto found = endpoints_.find(participant);
  if (found == endpoints_.end() || !found->second->transport || !found->second->answer.audio.send) return;
  Endpoint& endpoint = *found->second;
  // GstRTPBuffer writes the header; the packet is copied once more into
  // the transport's buffer, where SRTP protects it.
  GRef<GstBuffer> buffer =
      GRef<GstBuffer>::Adopt(gst_rtp_buffer_new_allocate(static_cast<guint>(packet.payload.size()), 0, 0));
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (gst_rtp_buffer_map(buffer.get(), GST_MAP_WRITE, &rtp)) {
    gst_rtp_buffer_set_payload_type(&rtp, static_cast<guint8>(endpoint.answer.audio.payloadType));
    gst_rtp_buffer_set_ssrc(&rtp, packet.ssrc);
    gst_rtp_buffer_set_seq(&rtp, packet.sequence);
    gst_rtp_buffer_set_timestamp(&rtp, packet.timestamp);
    std::memcpy(gst_rtp_buffer_get_payload(&rtp), packet.payload.data(), packet.payload.size());
    gst_rtp_buffer_unmap(&rtp);
    GstMapInfo map;
    if (gst_buffer_map(buffer.get(), &map, GST_MAP_READ)) {
      if (endpoint.transport->SendRtp(map.data, map.size)) {
        endpoint.Count(MediaKind::Audio, false, map.size);
        endpoint.rtcp->OnOutgoingRtp(packet.ssrc, kAudioClockRate, packet.timestamp, packet.payload.size(), false,
                                     g_get_monotonic_time());
      }
      gst_buffer_unmap(buffer.get(), &map);
    }
  }
}

void RoomMedia::OnTick() {
  metrics_.TickLateness().Observe(static_cast<double>(tick_.GetStats().lastLatenessUs) / 1e6);
  audio_.Tick();
  SendRtcp();
  // The active speaker from the levels the engine already has: RFC 6464's
  // or the ones it measured, as mean squares for SpeakerDetector.
  speakerLevels_.clear();
  for (const SpeakerSelector::Level& level : audio_.TickLevels())
    speakerLevels_.push_back({std::string(level.participant), std::pow(10.0, level.dbov / 10.0)});
  if (const auto speaker = speaker_.Update(speakerLevels_)) listener_.OnSpeakerChanged(*speaker);
}

}  // namespace plenum::mixer
