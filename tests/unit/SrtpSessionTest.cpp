// SrtpSession against Debian's libsrtp2: both profiles, RTP and RTCP, the
// trailer each adds, and the packets an inbound session must refuse.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "transport/SrtpSession.hpp"

namespace plenum::transport {
namespace {

enum class Kind { kRtp, kRtcp };

constexpr size_t kRtpHeaderLength = 12;
constexpr size_t kSenderReportLength = 28;
constexpr uint32_t kSsrc = 0x11223344;

std::vector<uint8_t> MasterKey(SrtpProfile profile, uint8_t seed) {
  std::vector<uint8_t> key(SrtpMasterKeyAndSaltLength(profile));
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed + 7 * i);
  return key;
}

// A packet in a buffer with room for the trailer; `size()` is the capacity,
// the packet's length is returned beside it.
struct Packet {
  std::vector<uint8_t> buffer;
  size_t length;

  std::vector<uint8_t> Bytes() const { return {buffer.begin(), buffer.begin() + static_cast<long>(length)}; }
};

Packet RtpPacket(uint16_t sequence, size_t payloadLength = 160) {
  Packet packet{std::vector<uint8_t>(kRtpHeaderLength + payloadLength + SrtpSession::kMaxTrailer),
                kRtpHeaderLength + payloadLength};
  uint8_t* p = packet.buffer.data();
  p[0] = 0x80;  // V=2
  p[1] = 111;   // PT, no marker
  p[2] = static_cast<uint8_t>(sequence >> 8);
  p[3] = static_cast<uint8_t>(sequence);
  const uint32_t timestamp = 960u * sequence;
  for (int i = 0; i < 4; ++i) {
    p[4 + i] = static_cast<uint8_t>(timestamp >> (24 - 8 * i));
    p[8 + i] = static_cast<uint8_t>(kSsrc >> (24 - 8 * i));
  }
  for (size_t i = 0; i < payloadLength; ++i) p[kRtpHeaderLength + i] = static_cast<uint8_t>(i ^ sequence);
  return packet;
}

// An RTCP sender report without report blocks (RFC 3550 6.4.1).
Packet SenderReport(uint32_t rtpTimestamp) {
  Packet packet{std::vector<uint8_t>(kSenderReportLength + SrtpSession::kMaxTrailer), kSenderReportLength};
  uint8_t* p = packet.buffer.data();
  p[0] = 0x80;  // V=2, RC=0
  p[1] = 200;   // SR
  p[2] = 0;
  p[3] = kSenderReportLength / 4 - 1;
  for (int i = 0; i < 4; ++i) {
    p[4 + i] = static_cast<uint8_t>(kSsrc >> (24 - 8 * i));
    p[16 + i] = static_cast<uint8_t>(rtpTimestamp >> (24 - 8 * i));
  }
  for (size_t i = 8; i < 16; ++i) p[i] = static_cast<uint8_t>(0xA0 + i);  // NTP time
  for (size_t i = 20; i < kSenderReportLength; ++i) p[i] = static_cast<uint8_t>(i);  // counts
  return packet;
}

bool Protect(SrtpSession& session, Kind kind, Packet& packet) {
  return kind == Kind::kRtp ? session.ProtectRtp(packet.buffer.data(), packet.length, packet.buffer.size())
                            : session.ProtectRtcp(packet.buffer.data(), packet.length, packet.buffer.size());
}

bool Unprotect(SrtpSession& session, Kind kind, Packet& packet) {
  return kind == Kind::kRtp ? session.UnprotectRtp(packet.buffer.data(), packet.length)
                            : session.UnprotectRtcp(packet.buffer.data(), packet.length);
}

Packet Plain(Kind kind, uint16_t sequence = 1) {
  return kind == Kind::kRtp ? RtpPacket(sequence) : SenderReport(1000u * sequence);
}

struct Case {
  const char* name;
  SrtpProfile profile;
  Kind kind;
  size_t growth;  // what protect adds
};

// RTP: the authentication tag (80 bits, or GCM's 128). SRTCP adds its
// E flag and 31-bit index before the tag.
const Case kCases[] = {
    {"Sha1_80Rtp", SrtpProfile::kAes128CmSha1_80, Kind::kRtp, 10},
    {"GcmRtp", SrtpProfile::kAeadAes128Gcm, Kind::kRtp, 16},
    {"Sha1_80Rtcp", SrtpProfile::kAes128CmSha1_80, Kind::kRtcp, 4 + 10},
    {"GcmRtcp", SrtpProfile::kAeadAes128Gcm, Kind::kRtcp, 4 + 16},
};

class SrtpSessionTest : public ::testing::TestWithParam<Case> {
 protected:
  const Case& param() const { return GetParam(); }
  SrtpSession out_{SrtpSession::Direction::kOutbound, GetParam().profile, MasterKey(GetParam().profile, 1)};
  SrtpSession in_{SrtpSession::Direction::kInbound, GetParam().profile, MasterKey(GetParam().profile, 1)};
};

TEST_P(SrtpSessionTest, RoundTripRestoresThePacket) {
  for (uint16_t sequence = 1; sequence <= 5; ++sequence) {
    Packet packet = Plain(param().kind, sequence);
    const std::vector<uint8_t> plain = packet.Bytes();
    ASSERT_TRUE(Protect(out_, param().kind, packet));
    EXPECT_EQ(packet.length, plain.size() + param().growth);
    const size_t headerLength = param().kind == Kind::kRtp ? kRtpHeaderLength : 8;
    const std::vector<uint8_t> sent = packet.Bytes();
    EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + static_cast<long>(headerLength), sent.begin()))
        << "the header travels in the clear";
    EXPECT_FALSE(std::equal(plain.begin() + static_cast<long>(headerLength), plain.end(),
                            sent.begin() + static_cast<long>(headerLength)))
        << "the payload is encrypted";
    ASSERT_TRUE(Unprotect(in_, param().kind, packet));
    EXPECT_EQ(packet.Bytes(), plain);
  }
}

TEST_P(SrtpSessionTest, TamperedByteIsRejected) {
  const Packet protectedPacket = [&] {
    Packet packet = Plain(param().kind);
    EXPECT_TRUE(Protect(out_, param().kind, packet));
    return packet;
  }();
  // A header byte, a payload byte, the last byte of the tag.
  for (size_t position : {size_t{5}, size_t{20}, protectedPacket.length - 1}) {
    Packet tampered = protectedPacket;
    tampered.buffer[position] ^= 0x01;
    EXPECT_FALSE(Unprotect(in_, param().kind, tampered)) << "byte " << position;
  }
  Packet intact = protectedPacket;
  EXPECT_TRUE(Unprotect(in_, param().kind, intact)) << "the failures left the session usable";
}

TEST_P(SrtpSessionTest, ReplayIsRejected) {
  Packet first = Plain(param().kind);
  ASSERT_TRUE(Protect(out_, param().kind, first));
  Packet replay = first;
  ASSERT_TRUE(Unprotect(in_, param().kind, first));
  EXPECT_FALSE(Unprotect(in_, param().kind, replay));
}

TEST_P(SrtpSessionTest, WrongKeyIsRejected) {
  SrtpSession stranger(SrtpSession::Direction::kInbound, param().profile, MasterKey(param().profile, 2));
  Packet packet = Plain(param().kind);
  ASSERT_TRUE(Protect(out_, param().kind, packet));
  EXPECT_FALSE(Unprotect(stranger, param().kind, packet));
}

TEST_P(SrtpSessionTest, OtherProfileIsRejected) {
  const SrtpProfile other = param().profile == SrtpProfile::kAeadAes128Gcm ? SrtpProfile::kAes128CmSha1_80
                                                                           : SrtpProfile::kAeadAes128Gcm;
  SrtpSession mismatched(SrtpSession::Direction::kInbound, other, MasterKey(other, 1));
  Packet packet = Plain(param().kind);
  ASSERT_TRUE(Protect(out_, param().kind, packet));
  EXPECT_FALSE(Unprotect(mismatched, param().kind, packet));
}

TEST_P(SrtpSessionTest, SendingThePacketAgainIsAllowed) {
  // What a NACK without RTX does.
  Packet first = Plain(param().kind);
  Packet again = Plain(param().kind);
  ASSERT_TRUE(Protect(out_, param().kind, first));
  ASSERT_TRUE(Protect(out_, param().kind, again));
  if (param().kind == Kind::kRtp) {
    EXPECT_EQ(first.Bytes(), again.Bytes());
  }
}

TEST_P(SrtpSessionTest, ProtectWithoutRoomForTheTrailerFails) {
  Packet packet = Plain(param().kind);
  const std::vector<uint8_t> plain = packet.Bytes();
  const size_t tooSmall = packet.length + SrtpSession::kMaxTrailer - 1;
  const bool protectedIt = param().kind == Kind::kRtp
                               ? out_.ProtectRtp(packet.buffer.data(), packet.length, tooSmall)
                               : out_.ProtectRtcp(packet.buffer.data(), packet.length, tooSmall);
  EXPECT_FALSE(protectedIt);
  EXPECT_EQ(packet.Bytes(), plain);
}

TEST_P(SrtpSessionTest, ShortAndEmptyInputsAreRejected) {
  for (size_t length : {size_t{0}, size_t{1}, size_t{4}, size_t{8}, size_t{11}, size_t{12}, size_t{20}}) {
    Packet packet = Plain(param().kind);
    packet.length = std::min(length, packet.length);
    EXPECT_FALSE(Unprotect(in_, param().kind, packet)) << "length " << length;
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpSessionTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(SrtpSessionWindowTest, ReorderWithinTheWindowIsAcceptedAndOlderIsNot) {
  for (SrtpProfile profile : {SrtpProfile::kAes128CmSha1_80, SrtpProfile::kAeadAes128Gcm}) {
    SrtpSession out(SrtpSession::Direction::kOutbound, profile, MasterKey(profile, 3));
    SrtpSession in(SrtpSession::Direction::kInbound, profile, MasterKey(profile, 3));
    std::vector<Packet> sent;
    for (uint16_t sequence = 1; sequence <= 1100; ++sequence) {
      sent.push_back(RtpPacket(sequence, 20));
      ASSERT_TRUE(out.ProtectRtp(sent.back().buffer.data(), sent.back().length, sent.back().buffer.size()));
    }
    auto unprotect = [&](uint16_t sequence) {
      Packet packet = sent[sequence - 1];
      return in.UnprotectRtp(packet.buffer.data(), packet.length);
    };
    EXPECT_TRUE(unprotect(1100));
    EXPECT_TRUE(unprotect(1100 - 1000)) << "1000 behind, inside the 1024 window";
    EXPECT_FALSE(unprotect(1100 - 1050)) << "1050 behind, outside the window";
    EXPECT_TRUE(unprotect(1099));
  }
}

TEST(SrtpSessionKeyTest, KeyOfTheWrongLengthThrows) {
  struct KeyCase {
    SrtpProfile profile;
    size_t length;
  };
  const KeyCase cases[] = {
      {SrtpProfile::kAes128CmSha1_80, 28},  // a GCM key
      {SrtpProfile::kAeadAes128Gcm, 30},    // an AES-CM key
      {SrtpProfile::kAes128CmSha1_80, 0},
      {SrtpProfile::kAeadAes128Gcm, 16},  // no salt
  };
  for (const KeyCase& c : cases) {
    EXPECT_THROW(SrtpSession(SrtpSession::Direction::kInbound, c.profile, std::vector<uint8_t>(c.length, 1)),
                 std::runtime_error)
        << SrtpProfileName(c.profile) << " with " << c.length << " bytes";
  }
}

TEST(SrtpProfileTest, NamesAndLengthsAreRfc5764s) {
  struct ProfileCase {
    SrtpProfile profile;
    const char* name;
    size_t key;
    size_t salt;
  };
  const ProfileCase cases[] = {
      {SrtpProfile::kAes128CmSha1_80, "SRTP_AES128_CM_SHA1_80", 16, 14},
      {SrtpProfile::kAeadAes128Gcm, "SRTP_AEAD_AES_128_GCM", 16, 12},
  };
  for (const ProfileCase& c : cases) {
    EXPECT_EQ(SrtpProfileName(c.profile), c.name);
    EXPECT_EQ(SrtpProfileFromName(c.name), c.profile);
    EXPECT_EQ(SrtpMasterKeyLength(c.profile), c.key);
    EXPECT_EQ(SrtpMasterSaltLength(c.profile), c.salt);
    EXPECT_EQ(SrtpMasterKeyAndSaltLength(c.profile), c.key + c.salt);
  }
  EXPECT_EQ(SrtpProfileFromName("SRTP_AES128_CM_SHA1_32"), std::nullopt);
}

}  // namespace
}  // namespace plenum::transport
