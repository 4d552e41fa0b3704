// Plenum's own WebRTC transport (transport/: libnice, OpenSSL DTLS,
// libsrtp) against an independent stack, webrtcbin, in one process over
// loopback. The transport answers a test client's offer and sends every
// RTP packet back on its own SSRC; the client must then hear its own tone
// and see its own colour, which it can only do if ICE, DTLS (in the role
// the offer leaves us), SRTP and SRTCP all interoperate both ways.

#include "testclient/Analysis.hpp"
#include "testclient/MediaClient.hpp"
#include "testclient/TimeoutScale.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/MediaWorker.hpp"
#include "transport/TransportDescription.hpp"
#include "transport/WebRtcTransport.hpp"

#include <gst/sdp/sdp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using transport::WebRtcTransport;

constexpr std::size_t kSecond = ReceivedMedia::kSampleRate;

uint32_t ReadU32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }
void WriteU32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

struct SdpOwner {
  GstSDPMessage* message = nullptr;
  ~SdpOwner() {
    if (message) gst_sdp_message_free(message);
  }
};

// The first payload type of `media` whose rtpmap names `encoding`.
std::optional<int> PayloadFor(const GstSDPMedia& media, const char* encoding) {
  for (guint i = 0; i < gst_sdp_media_formats_len(&media); ++i) {
    const int pt = std::atoi(gst_sdp_media_get_format(&media, i));
    const GstCaps* caps = gst_sdp_media_get_caps_from_media(&media, pt);
    if (!caps) continue;
    const char* name = gst_structure_get_string(gst_caps_get_structure(caps, 0), "encoding-name");
    const bool match = name && g_ascii_strcasecmp(name, encoding) == 0;
    gst_caps_unref(const_cast<GstCaps*>(caps));
    if (match) return pt;
  }
  return std::nullopt;
}

// Our transport, answering one MediaClient and echoing what it sends.
class EchoPeer : public MediaClient::Listener, public WebRtcTransport::Listener {
 public:
  // `offerSetupOverride`: what our transport reads as the offer's a=setup
  // (the client keeps actpass), so the test can put us in either DTLS role.
  explicit EchoPeer(std::optional<std::string> offerSetupOverride = std::nullopt)
      : certificate_(transport::DtlsCertificate::Generate()), setupOverride_(std::move(offerSetupOverride)) {}

  ~EchoPeer() override {
    Detach();
    worker_.Invoke([this] { transport_.reset(); });
  }

  void Attach(MediaClient* client) {
    std::lock_guard lock(clientMutex_);
    client_ = client;
  }
  void Detach() { Attach(nullptr); }

  // MediaClient::Listener, on webrtcbin's threads.
  void OnLocalDescription(MediaClient::SdpType, const std::string& sdp) override {
    worker_.Post([this, sdp] { Answer(sdp); });
  }
  void OnLocalCandidate(unsigned, const std::string&, const std::string& candidate) override {
    worker_.Post([this, candidate] {
      if (!transport_) return;
      if (candidate.empty())
        transport_->EndOfRemoteCandidates();
      else if (!transport_->AddRemoteCandidate(candidate))
        std::cerr << "transport refused candidate " << candidate << "\n";
    });
  }

  // WebRtcTransport::Listener, on the worker.
  void OnTransportLocalCandidate(WebRtcTransport&, const std::string& candidate) override {
    std::lock_guard lock(clientMutex_);
    if (client_) client_->AddRemoteCandidate(0, candidate);
  }
  void OnTransportStateChanged(WebRtcTransport&, WebRtcTransport::State state, const std::string& reason) override {
    std::lock_guard lock(stateMutex_);
    states_ += std::string(WebRtcTransport::ToString(state)) + (reason.empty() ? "" : "(" + reason + ")") + " ";
    state_ = state;
  }
  void OnTransportSelectedPair(WebRtcTransport&, const transport::IceTransport::SelectedPair& pair) override {
    std::lock_guard lock(stateMutex_);
    selectedPair_ = pair.localType + "/" + pair.remoteType + "/" + pair.protocol;
  }
  void OnTransportRtp(WebRtcTransport& transport, uint8_t* data, size_t length) override {
    const int pt = data[1] & 0x7f;
    const auto ours = ssrcByPayload_.find(pt);
    if (ours == ssrcByPayload_.end()) return;
    if (pt == videoPayload_) clientVideoSsrc_ = ReadU32(data + 8);
    WriteU32(data + 8, ours->second);
    if (transport.SendRtp(data, length)) ++rtpEchoed_;
  }
  void OnTransportRtcp(WebRtcTransport& transport, uint8_t* data, size_t length) override {
    ++rtcpReceived_;
    // A keyframe request (PLI, FIR) for our echoed video is one for the
    // client's own camera: send it back naming that stream.
    for (size_t offset = 0; offset + 12 <= length;) {
      uint8_t* packet = data + offset;
      const size_t size = (size_t(packet[2]) << 8 | packet[3]) * 4 + 4;
      if (offset + size > length) break;
      if (packet[1] == 206 && (packet[0] & 0x1f) == 1 && clientVideoSsrc_) {
        WriteU32(packet + 8, clientVideoSsrc_);
        if (transport.SendRtcp(packet, size)) ++keyframeRequestsForwarded_;
      }
      offset += size;
    }
  }

  std::string States() {
    std::lock_guard lock(stateMutex_);
    return states_ + "pair " + selectedPair_;
  }
  bool Connected() {
    std::lock_guard lock(stateMutex_);
    return state_ == WebRtcTransport::State::kConnected;
  }
  std::string AnswerSdp() {
    std::lock_guard lock(stateMutex_);
    return answer_;
  }
  WebRtcTransport::Counters Counters() {
    WebRtcTransport::Counters counters;
    worker_.Invoke([&] {
      if (transport_) counters = transport_->GetCounters();
    });
    return counters;
  }
  uint64_t RtpEchoed() const { return rtpEchoed_; }
  uint64_t RtcpReceived() const { return rtcpReceived_; }

 private:
  void Answer(const std::string& offerText) {
    SdpOwner offer;
    gst_sdp_message_new_from_text(offerText.c_str(), &offer.message);
    ASSERT_TRUE(offer.message);
    transport::RemoteTransport remote = transport::ReadRemoteTransport(*offer.message);
    if (setupOverride_) remote.setup = *setupOverride_;

    transport_ = std::make_unique<WebRtcTransport>(*this, worker_.Context(), Settings(), certificate_);
    transport_->Start(remote);
    const transport::LocalTransport local = transport_->Local();

    SdpOwner answer;
    gst_sdp_message_new(&answer.message);
    gst_sdp_message_set_version(answer.message, "0");
    gst_sdp_message_set_origin(answer.message, "-", "1", "2", "IN", "IP4", "127.0.0.1");
    gst_sdp_message_set_session_name(answer.message, "-");
    gst_sdp_message_add_time(answer.message, "0", "0", nullptr);
    std::string bundle = "BUNDLE";
    uint32_t nextSsrc = 0x10203040;
    for (guint i = 0; i < gst_sdp_message_medias_len(offer.message); ++i) {
      const GstSDPMedia& offered = *gst_sdp_message_get_media(offer.message, i);
      const bool audio = std::strcmp(gst_sdp_media_get_media(&offered), "audio") == 0;
      const std::optional<int> pt = PayloadFor(offered, audio ? "OPUS" : "VP8");
      ASSERT_TRUE(pt) << "no " << (audio ? "Opus" : "VP8") << " in the offer";
      const char* mid = gst_sdp_media_get_attribute_val(&offered, "mid");
      ASSERT_TRUE(mid);
      bundle += std::string(" ") + mid;

      GstSDPMedia* media = nullptr;
      gst_sdp_media_new(&media);
      gst_sdp_media_set_media(media, gst_sdp_media_get_media(&offered));
      gst_sdp_media_set_port_info(media, 9, 1);
      gst_sdp_media_set_proto(media, "UDP/TLS/RTP/SAVPF");
      gst_sdp_media_add_connection(media, "IN", "IP4", "0.0.0.0", 0, 0);
      const std::string format = std::to_string(*pt);
      gst_sdp_media_add_format(media, format.c_str());
      gst_sdp_media_add_attribute(media, "mid", mid);
      gst_sdp_media_add_attribute(media, "sendrecv", "");
      // Copy what the offer says about our chosen payload type.
      for (guint a = 0; a < gst_sdp_media_attributes_len(&offered); ++a) {
        const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(&offered, a);
        const std::string key = attribute->key ? attribute->key : "";
        const std::string value = attribute->value ? attribute->value : "";
        if ((key == "rtpmap" || key == "fmtp" || key == "rtcp-fb") && value.rfind(format + " ", 0) == 0)
          gst_sdp_media_add_attribute(media, key.c_str(), value.c_str());
      }
      const uint32_t ssrc = nextSsrc++;
      ssrcByPayload_[*pt] = ssrc;
      if (!audio) videoPayload_ = *pt;
      const std::string ssrcLine = std::to_string(ssrc) + " cname:plenum-echo";
      gst_sdp_media_add_attribute(media, "ssrc", ssrcLine.c_str());
      transport::WriteLocalTransport(*media, local);
      gst_sdp_message_add_media(answer.message, media);
      gst_sdp_media_free(media);
    }
    gst_sdp_message_add_attribute(answer.message, "group", bundle.c_str());
    gchar* text = gst_sdp_message_as_text(answer.message);
    const std::string answerText = text;
    g_free(text);
    {
      std::lock_guard lock(stateMutex_);
      answer_ = answerText;
    }
    std::lock_guard lock(clientMutex_);
    if (client_) client_->SetRemoteDescription(MediaClient::SdpType::kAnswer, answerText);
  }

  static transport::IceSettings Settings() {
    transport::IceSettings settings;
    settings.localAddresses = {"127.0.0.1"};
    settings.tcp = false;
    return settings;
  }

  // Owned.
  transport::MediaWorker worker_{"test-media"};
  std::shared_ptr<const transport::DtlsCertificate> certificate_;
  std::unique_ptr<WebRtcTransport> transport_;  // made, used and destroyed on the worker

  // Others.
  const std::optional<std::string> setupOverride_;
  std::mutex clientMutex_;  // held while calling the client, so Detach waits for a call to end
  MediaClient* client_ = nullptr;
  std::mutex stateMutex_;
  WebRtcTransport::State state_ = WebRtcTransport::State::kNew;
  std::string states_;
  std::string selectedPair_;
  std::string answer_;
  // Worker only.
  std::map<int, uint32_t> ssrcByPayload_;
  int videoPayload_ = -1;
  uint32_t clientVideoSsrc_ = 0;
  std::atomic<uint64_t> rtpEchoed_{0};
  std::atomic<uint64_t> rtcpReceived_{0};
  std::atomic<uint64_t> keyframeRequestsForwarded_{0};
};

MediaClientOptions Options(const std::string& name) {
  MediaClientOptions options;
  options.name = name;
  options.toneHz = 440.0;
  options.colourArgb = 0xFF0000FF;
  return options;
}

void ExpectOwnMediaBack(MediaClient& client, EchoPeer& peer) {
  ASSERT_TRUE(client.WaitConnected(Scaled(15s))) << client.Describe() << "\n  transport: " << peer.States()
                                                  << "\n  answer:\n" << peer.AnswerSdp();
  ASSERT_TRUE(client.Received().WaitForMoreAudio(kSecond, Scaled(10s)))
      << client.Describe(true) << "\n  transport: " << peer.States();
  const auto audio = client.Received().LastAudio(kSecond);
  const double toneDb = ToneLevelDb(audio, 440.0, 1500.0, kSecond);
  std::cout << "echoed 440 Hz at " << toneDb << " dB over 1500 Hz; transport " << peer.States() << "\n";
  EXPECT_GT(toneDb, 30.0);

  const ReceivedMedia& received = client.Received();
  EXPECT_TRUE(received.WaitUntil(
      [&] {
        const auto frame = received.LastVideoFrame();
        return frame && frame->width == 320 && ColourShare(*frame, RgbFromArgb(0xFF0000FF), 48) > 0.9;
      },
      Scaled(10s)))
      << client.Describe(true);

  EXPECT_TRUE(peer.Connected()) << peer.States();
  const WebRtcTransport::Counters counters = peer.Counters();
  std::cout << "transport in " << counters.packetsIn << " packets, out " << counters.packetsOut
            << ", rejected " << counters.rejectedIn << ", RTCP in " << peer.RtcpReceived() << "\n";
  EXPECT_GT(counters.packetsIn, 50u);
  EXPECT_GT(counters.packetsOut, 50u);
  // Sender and receiver reports come every few seconds; by now at least one
  // has unprotected, which only SRTCP with the right keys allows.
  EXPECT_TRUE(received.WaitUntil([&] { return peer.RtcpReceived() > 0; }, Scaled(10s)));
}

// The offer says actpass (as every browser's does): we answer active and
// are the DTLS client.
TEST(TransportInterop, WebrtcbinHearsAndSeesItselfThroughOurTransportAsDtlsClient) {
  EchoPeer peer;
  MediaClient client(Options("echo-client"), peer);
  peer.Attach(&client);
  client.CreateOffer();
  ExpectOwnMediaBack(client, peer);
  EXPECT_NE(peer.AnswerSdp().find("a=setup:active"), std::string::npos);
  peer.Detach();
}

// We read the offer as active, so we answer passive and are the DTLS
// server; webrtcbin (actpass) then takes the client role.
TEST(TransportInterop, WebrtcbinHearsAndSeesItselfThroughOurTransportAsDtlsServer) {
  EchoPeer peer(std::string("active"));
  MediaClient client(Options("echo-client-2"), peer);
  peer.Attach(&client);
  client.CreateOffer();
  ExpectOwnMediaBack(client, peer);
  EXPECT_NE(peer.AnswerSdp().find("a=setup:passive"), std::string::npos);
  peer.Detach();
}

}  // namespace
}  // namespace plenum::test
