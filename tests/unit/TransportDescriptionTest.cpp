// The transport half of SDP (transport/TransportDescription) and the
// first-byte demultiplexing of a WebRTC 5-tuple (transport/PacketKind).
#include <gst/sdp/sdp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "transport/PacketKind.hpp"
#include "transport/TransportDescription.hpp"

namespace plenum::transport {
namespace {

struct SdpDeleter {
  void operator()(GstSDPMessage* message) const { gst_sdp_message_free(message); }
};
using SdpPtr = std::unique_ptr<GstSDPMessage, SdpDeleter>;

SdpPtr Parse(const std::string& text) {
  GstSDPMessage* message = nullptr;
  gst_sdp_message_new_from_text(text.c_str(), &message);
  return SdpPtr(message);
}

// Trimmed from a Chromium offer: session-level fingerprint as Firefox
// writes it, media-level ICE credentials as Chromium does.
const char* kOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=fingerprint:SHA-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ab1x\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host generation 0\r\n"
    "a=candidate:2 1 udp 1686052607 203.0.113.9 50001 typ srflx raddr 10.0.0.2 rport 50000\r\n"
    "a=end-of-candidates\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ab1x\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=rtpmap:96 VP8/90000\r\n";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(TransportDescription, ReadsTheOffersTransport) {
  SdpPtr offer = Parse(kOffer);
  const RemoteTransport remote = ReadRemoteTransport(*offer);
  EXPECT_EQ(remote.iceUfrag, "Ab1x");
  EXPECT_EQ(remote.icePassword, "abcdefghijklmnopqrstuvwx");
  EXPECT_EQ(remote.fingerprintAlgorithm, "sha-256");
  EXPECT_EQ(remote.fingerprint.substr(0, 5), "AA:BB");
  EXPECT_EQ(remote.setup, "actpass");
  ASSERT_EQ(remote.candidates.size(), 2u);
  EXPECT_EQ(remote.candidates[0], "candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host generation 0");
  EXPECT_TRUE(remote.endOfCandidates);
}

TEST(TransportDescription, RefusesOffersItCannotUse) {
  struct Case {
    const char* what;
    std::string offer;
  };
  const std::vector<Case> cases = {
      {"no ufrag", Replace(kOffer, "a=ice-ufrag:Ab1x\r\n", "")},
      {"short ufrag", Replace(kOffer, "a=ice-ufrag:Ab1x", "a=ice-ufrag:Ab")},
      {"short password", Replace(kOffer, "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=ice-pwd:short")},
      {"no fingerprint", Replace(kOffer, "a=fingerprint:", "a=fingerprintx:")},
      {"fingerprint without value", Replace(kOffer, "SHA-256 AA", "SHA-256")},
      {"no media", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"},
  };
  for (const Case& c : cases) {
    SdpPtr offer = Parse(c.offer);
    ASSERT_TRUE(offer) << c.what;
    EXPECT_THROW(ReadRemoteTransport(*offer), TransportDescriptionError) << c.what;
  }
}

TEST(TransportDescription, AnOfferWithoutSetupIsActpass) {
  SdpPtr offer = Parse(Replace(kOffer, "a=setup:actpass\r\n", ""));
  EXPECT_EQ(ReadRemoteTransport(*offer).setup, "actpass");
}

TEST(TransportDescription, TheOffersSetupDecidesOurDtlsRole) {
  EXPECT_EQ(AnswerRole("actpass"), DtlsRole::kClient);
  EXPECT_EQ(AnswerRole("passive"), DtlsRole::kClient);
  EXPECT_EQ(AnswerRole("active"), DtlsRole::kServer);
  EXPECT_THROW(AnswerRole("holdconn"), TransportDescriptionError);
  EXPECT_THROW(AnswerRole(""), TransportDescriptionError);
  EXPECT_STREQ(SetupAttribute(DtlsRole::kClient), "active");
  EXPECT_STREQ(SetupAttribute(DtlsRole::kServer), "passive");
}

TEST(TransportDescription, WritesOurTransportIntoAMediaSection) {
  GstSDPMedia* media = nullptr;
  gst_sdp_media_new(&media);
  WriteLocalTransport(*media, LocalTransport{"uf12", "p4ssw0rdp4ssw0rdp4ssw0rd", "01:02", DtlsRole::kServer});
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(media, "ice-ufrag"), "uf12");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(media, "ice-pwd"), "p4ssw0rdp4ssw0rdp4ssw0rd");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(media, "fingerprint"), "sha-256 01:02");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(media, "setup"), "passive");
  EXPECT_NE(gst_sdp_media_get_attribute_val(media, "rtcp-mux"), nullptr);
  gst_sdp_media_free(media);
}

TEST(PacketKind, FirstBytesTellWhatADatagramIs) {
  struct Case {
    std::vector<uint8_t> bytes;
    PacketKind kind;
  };
  auto sized = [](std::vector<uint8_t> head, size_t size) {
    head.resize(size, 0);
    return head;
  };
  const std::vector<Case> cases = {
      {{}, PacketKind::kUnknown},
      {sized({0x00, 0x01}, 20), PacketKind::kStun},   // binding request
      {sized({0x01, 0x01}, 20), PacketKind::kStun},   // binding success
      {sized({0x00, 0x01}, 19), PacketKind::kUnknown},
      {sized({22, 0xfe, 0xfd}, 13), PacketKind::kDtls},  // handshake record
      {sized({23, 0xfe, 0xfd}, 13), PacketKind::kDtls},  // application data
      {sized({21}, 12), PacketKind::kUnknown},            // shorter than a record header
      {sized({0x80, 111}, 12), PacketKind::kRtp},         // Opus, no marker
      {sized({0x80, 0x80 | 96}, 12), PacketKind::kRtp},   // VP8 with the marker bit
      {sized({0x80, 111}, 11), PacketKind::kUnknown},
      {sized({0x80, 200}, 28), PacketKind::kRtcp},  // SR
      {sized({0x81, 201}, 8), PacketKind::kRtcp},   // RR with one block (truncated still RTCP)
      {sized({0x81, 206}, 12), PacketKind::kRtcp},  // PLI
      {sized({0x81, 205}, 16), PacketKind::kRtcp},  // NACK
      {sized({0x80, 191}, 12), PacketKind::kRtp},   // marker + PT 63: RTP
      {sized({0x80, 224}, 12), PacketKind::kRtp},   // marker + PT 96: RTP
      {sized({64}, 30), PacketKind::kUnknown},      // TURN channel data (not on our 5-tuple)
      {sized({0xc0}, 30), PacketKind::kUnknown},    // above RTP's range
  };
  for (size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(ClassifyPacket(cases[i].bytes.data(), cases[i].bytes.size()), cases[i].kind)
        << "case " << i << ": got " << ToString(ClassifyPacket(cases[i].bytes.data(), cases[i].bytes.size()));
}

}  // namespace
}  // namespace plenum::transport
