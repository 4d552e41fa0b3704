#include "mixer/OfferInspector.hpp"

#include <gst/sdp/sdp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "mixer/GRef.hpp"

namespace plenum::mixer {
namespace {

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

// Parses "96 VP8/90000[/2]" from an rtpmap attribute.
std::optional<OfferedCodec> ParseRtpmap(const char* value) {
  if (!value) return std::nullopt;
  char* end = nullptr;
  const long pt = std::strtol(value, &end, 10);
  if (end == value || pt < 0 || pt > 127 || *end != ' ') return std::nullopt;
  std::string rest(end + 1);
  const auto slash = rest.find('/');
  if (slash == std::string::npos) return std::nullopt;
  OfferedCodec codec;
  codec.payloadType = static_cast<int>(pt);
  codec.encodingName = Upper(rest.substr(0, slash));
  codec.clockRate = std::atoi(rest.c_str() + slash + 1);
  return codec;
}

std::vector<OfferedCodec> CodecsOf(const GstSDPMedia* media) {
  std::vector<OfferedCodec> codecs;
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(media, i);
    if (g_strcmp0(attribute->key, "rtpmap") != 0) continue;
    if (auto codec = ParseRtpmap(attribute->value)) codecs.push_back(*codec);
  }
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(media, i);
    if (g_strcmp0(attribute->key, "fmtp") != 0 || !attribute->value) continue;
    const std::string value = attribute->value;
    const auto space = value.find(' ');
    if (space == std::string::npos) continue;
    const int pt = std::atoi(value.c_str());
    for (OfferedCodec& codec : codecs) {
      if (codec.payloadType == pt) codec.fmtp = value.substr(space + 1);
    }
  }
  // Keep the offer's preference order, which is the order of the m= line.
  std::vector<OfferedCodec> ordered;
  for (guint i = 0; i < gst_sdp_media_formats_len(media); ++i) {
    const int pt = std::atoi(gst_sdp_media_get_format(media, i));
    for (const OfferedCodec& codec : codecs) {
      if (codec.payloadType == pt) ordered.push_back(codec);
    }
  }
  return ordered;
}

// The value of `name` in "a=1;name=value;b=2", "" if absent.
std::string FormatParameter(const std::string& fmtp, const std::string& name) {
  std::size_t start = 0;
  while (start < fmtp.size()) {
    std::size_t end = fmtp.find(';', start);
    if (end == std::string::npos) end = fmtp.size();
    std::string item = fmtp.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    if (item.rfind(name + "=", 0) == 0) return item.substr(name.size() + 1);
    start = end + 1;
  }
  return {};
}

// What the room's H.264 encode produces (constrained baseline, level 3.1,
// single NAL units and FU-A) can go out on this payload type: packetization
// mode 1, and a profile a baseline stream is valid for (42 baseline, 4d
// main or 64 high, whose decoders all take constrained baseline).
bool CanSendH264(const OfferedCodec& codec) {
  if (FormatParameter(codec.fmtp, "packetization-mode") != "1") return false;
  const std::string profile = Upper(FormatParameter(codec.fmtp, "profile-level-id"));
  return profile.empty() || profile.rfind("42", 0) == 0 || profile.rfind("4D", 0) == 0 ||
         profile.rfind("64", 0) == 0;
}

OfferedMedia Inspect(const GstSDPMedia* media, MediaKind kind, unsigned index) {
  OfferedMedia offered;
  offered.kind = kind;
  offered.mlineIndex = index;
  if (const char* mid = gst_sdp_media_get_attribute_val(media, "mid")) offered.mid = mid;
  int h264PayloadType = 0;
  for (const OfferedCodec& codec : CodecsOf(media)) {
    const bool usable = kind == MediaKind::Audio
                            ? codec.encodingName == "OPUS" && codec.clockRate == 48000
                            : (codec.encodingName == "VP8" || codec.encodingName == "H264") && codec.clockRate == 90000;
    if (!usable) continue;
    offered.receivable.push_back(codec);
    const bool sendable = kind == MediaKind::Audio || codec.encodingName == "VP8";
    if (sendable && offered.sendPayloadType == 0) offered.sendPayloadType = codec.payloadType;
    if (codec.encodingName == "H264" && h264PayloadType == 0 && CanSendH264(codec)) h264PayloadType = codec.payloadType;
  }
  // VP8 first: the composite is always encoded in VP8, H.264 only on demand.
  if (offered.sendPayloadType == 0 && h264PayloadType != 0) {
    offered.sendPayloadType = h264PayloadType;
    offered.sendVideoCodec = VideoCodec::H264;
  }
  if (offered.sendPayloadType == 0) {
    throw OfferError(OfferError::Kind::Unsupported,
                     kind == MediaKind::Audio
                         ? "the audio section offers no Opus/48000"
                         : "the video section offers neither VP8/90000 nor H264/90000 with packetization-mode=1");
  }
  return offered;
}

}  // namespace

OfferSummary InspectOffer(const std::string& sdp) {
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  SdpMessagePtr message(raw);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()), sdp.size(), message.get()) !=
          GST_SDP_OK ||
      gst_sdp_message_medias_len(message.get()) == 0 || sdp.rfind("v=0", 0) != 0) {
    throw OfferError(OfferError::Kind::Malformed, "the offer is not a session description with media");
  }

  OfferSummary summary;
  for (guint i = 0; i < gst_sdp_message_medias_len(message.get()); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(message.get(), i);
    const char* mid = gst_sdp_media_get_attribute_val(media, "mid");
    summary.mids.emplace_back(mid ? mid : "");
    const std::string kindName = gst_sdp_media_get_media(media) ? gst_sdp_media_get_media(media) : "";
    // Port 0 rejects a section, unless it is bundled (a=bundle-only), as
    // offerers using max-bundle mark every section after the first.
    if (gst_sdp_media_get_port(media) == 0 && !gst_sdp_media_get_attribute_val(media, "bundle-only")) continue;
    if (kindName == "audio" || kindName == "video") {
      const MediaKind kind = kindName == "audio" ? MediaKind::Audio : MediaKind::Video;
      auto& slot = kind == MediaKind::Audio ? summary.audio : summary.video;
      if (slot) throw OfferError(OfferError::Kind::Unsupported, "at most one " + kindName + " section is supported");
      slot = Inspect(media, kind, i);
    } else {
      throw OfferError(OfferError::Kind::Unsupported, "unsupported media section '" + kindName + "'");
    }
  }
  if (!summary.audio && !summary.video) {
    throw OfferError(OfferError::Kind::Unsupported, "the offer has neither audio nor video");
  }
  return summary;
}

}  // namespace plenum::mixer
