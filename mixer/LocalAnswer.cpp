#include "mixer/LocalAnswer.hpp"

#include "mixer/GRef.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

namespace plenum::mixer {
namespace {

struct SdpMediaDeleter {
  void operator()(GstSDPMedia* media) const { gst_sdp_media_free(media); }
};
using SdpMediaPtr = std::unique_ptr<GstSDPMedia, SdpMediaDeleter>;

// The offer's direction, from the client's side.
std::string_view DirectionOf(const GstSDPMedia& media) {
  for (const char* direction : {"sendrecv", "sendonly", "recvonly", "inactive"})
    if (gst_sdp_media_get_attribute_val(&media, direction)) return direction;
  return "sendrecv";
}

const char* AnswerDirection(std::string_view offered) {
  if (offered == "sendonly") return "recvonly";
  if (offered == "recvonly") return "sendonly";
  if (offered == "inactive") return "inactive";
  return "sendrecv";
}

// The value of `name` in a format's parameters ("a=1;name=value"), "" if
// absent.
std::string FormatParameter(std::string_view fmtp, std::string_view name) {
  while (!fmtp.empty()) {
    const size_t end = fmtp.find(';');
    std::string_view item = fmtp.substr(0, end);
    item.remove_prefix(std::min(item.find_first_not_of(' '), item.size()));
    if (item.size() > name.size() && item.substr(0, name.size()) == name && item[name.size()] == '=')
      return std::string(item.substr(name.size() + 1));
    if (end == std::string_view::npos) break;
    fmtp.remove_prefix(end + 1);
  }
  return {};
}

// Our H.264 format for the offered one we send on: packetization mode 1
// (single NAL units and FU-A, what rtph264pay makes), and the offer's
// profile-level-id as it is (the room's constrained baseline stream is
// valid for every profile InspectOffer lets through, and answering the
// offer's own profile is what RFC 6184's offer/answer rules ask), or
// constrained baseline level 3.1 when it names none.
std::string H264FormatParameters(const OfferedCodec& codec) {
  std::string profile = FormatParameter(codec.fmtp, "profile-level-id");
  if (profile.empty()) profile = "42e01f";
  std::string fmtp;
  if (FormatParameter(codec.fmtp, "level-asymmetry-allowed") == "1") fmtp = "level-asymmetry-allowed=1;";
  return fmtp + "packetization-mode=1;profile-level-id=" + profile;
}

bool OffersFeedback(const GstSDPMedia& offered, const std::string& line) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(&offered); ++i) {
    const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(&offered, i);
    if (attribute->key && std::strcmp(attribute->key, "rtcp-fb") == 0 && attribute->value && line == attribute->value)
      return true;
  }
  return false;
}

const OfferedCodec* SentCodec(const OfferedMedia& media) {
  for (const OfferedCodec& codec : media.receivable)
    if (codec.payloadType == media.sendPayloadType) return &codec;
  return nullptr;
}

SdpMediaPtr Rejected(const GstSDPMedia& offered, const transport::LocalTransport& transport) {
  GstSDPMedia* raw = nullptr;
  gst_sdp_media_new(&raw);
  SdpMediaPtr media(raw);
  gst_sdp_media_set_media(raw, gst_sdp_media_get_media(&offered));
  gst_sdp_media_set_port_info(raw, 0, 1);
  gst_sdp_media_set_proto(raw, gst_sdp_media_get_proto(&offered));
  if (gst_sdp_media_formats_len(&offered) > 0) gst_sdp_media_add_format(raw, gst_sdp_media_get_format(&offered, 0));
  gst_sdp_media_add_connection(raw, "IN", "IP4", "0.0.0.0", 0, 0);
  if (const char* mid = gst_sdp_media_get_attribute_val(&offered, "mid")) gst_sdp_media_add_attribute(raw, "mid", mid);
  gst_sdp_media_add_attribute(raw, "inactive", "");
  // webrtcbin 1.22 refuses an answer with a section, even a rejected one,
  // that has no fingerprint ("No fingerprint lines in sdp for media N").
  transport::WriteLocalTransport(*raw, transport);
  return media;
}

}  // namespace

int ExtensionId(const GstSDPMedia& media, const char* uri) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(&media); ++i) {
    const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(&media, i);
    if (!attribute->key || std::strcmp(attribute->key, "extmap") != 0 || !attribute->value) continue;
    // "ID[/direction] URI [attributes]"
    const std::string_view value = attribute->value;
    const size_t space = value.find(' ');
    if (space == std::string_view::npos) continue;
    std::string_view rest = value.substr(space + 1);
    rest = rest.substr(0, rest.find(' '));
    if (rest != uri) continue;
    const int id = std::atoi(std::string(value.substr(0, space)).c_str());
    return id >= 1 && id <= 14 ? id : 0;
  }
  return 0;
}

LocalAnswer BuildLocalAnswer(const GstSDPMessage& offer, const OfferSummary& summary,
                             const transport::LocalTransport& transport, uint32_t audioSsrc, uint32_t videoSsrc,
                             const std::string& cname, uint32_t h264VideoSsrc) {
  if (!summary.audio) throw OfferError(OfferError::Kind::Unsupported, "the offer has no audio this room can use");

  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  SdpMessagePtr answer(raw);
  gst_sdp_message_set_version(raw, "0");
  gst_sdp_message_set_origin(raw, "-", "1", "2", "IN", "IP4", "0.0.0.0");
  gst_sdp_message_set_session_name(raw, "-");
  gst_sdp_message_add_time(raw, "0", "0", nullptr);

  LocalAnswer result;
  std::string bundle = "BUNDLE";
  for (guint index = 0; index < gst_sdp_message_medias_len(&offer); ++index) {
    const GstSDPMedia& offered = *gst_sdp_message_get_media(&offer, index);
    const bool isOurAudio = summary.audio && summary.audio->mlineIndex == index;
    // Video in the one codec InspectOffer chose to send (VP8 when offered,
    // else H.264), which is also the one the camera is received in.
    const bool isOurVideo = summary.video && summary.video->mlineIndex == index;
    if (!isOurAudio && !isOurVideo) {
      gst_sdp_message_add_media(raw, Rejected(offered, transport).get());
      continue;
    }
    const OfferedMedia& accepted = isOurAudio ? *summary.audio : *summary.video;
    const std::string direction(DirectionOf(offered));
    const bool receive = direction == "sendrecv" || direction == "sendonly";
    const bool send = direction == "sendrecv" || direction == "recvonly";
    GstSDPMedia* media = nullptr;
    gst_sdp_media_new(&media);
    SdpMediaPtr owner(media);
    gst_sdp_media_set_media(media, isOurAudio ? "audio" : "video");
    gst_sdp_media_set_port_info(media, 9, 1);
    gst_sdp_media_set_proto(media, "UDP/TLS/RTP/SAVPF");
    gst_sdp_media_add_connection(media, "IN", "IP4", "0.0.0.0", 0, 0);
    const std::string pt = std::to_string(accepted.sendPayloadType);
    gst_sdp_media_add_format(media, pt.c_str());
    gst_sdp_media_add_attribute(media, "mid", accepted.mid.c_str());
    gst_sdp_media_add_attribute(media, AnswerDirection(direction), "");
    uint32_t ssrc = 0;
    if (isOurAudio) {
      const std::string rtpmap = pt + " opus/48000/2";
      gst_sdp_media_add_attribute(media, "rtpmap", rtpmap.c_str());
      const std::string fmtp = pt + " minptime=10;useinbandfec=1";
      gst_sdp_media_add_attribute(media, "fmtp", fmtp.c_str());
      result.audio.present = true;
      result.audio.payloadType = accepted.sendPayloadType;
      result.audio.receive = receive;
      result.audio.send = send;
      result.audio.ssrc = ssrc = audioSsrc;
      result.audio.levelExtensionId = ExtensionId(offered, kAudioLevelUri);
      if (result.audio.levelExtensionId) {
        const std::string extmap = std::to_string(result.audio.levelExtensionId) + " " + kAudioLevelUri;
        gst_sdp_media_add_attribute(media, "extmap", extmap.c_str());
      }
    } else {
      // The composite goes in the codec InspectOffer chose to send (VP8
      // when offered, else H.264); a camera may come in either, when both
      // are offered: a client whose encoder does H.264 only still decodes
      // our VP8. The send codec is listed first, as the answerer prefers.
      const bool h264 = accepted.sendVideoCodec == VideoCodec::H264;
      std::vector<const OfferedCodec*> listed{SentCodec(accepted)};
      for (const OfferedCodec& codec : accepted.receivable) {
        const bool isH264 = codec.encodingName == "H264";
        const bool have = std::any_of(listed.begin(), listed.end(), [&](const OfferedCodec* other) {
          return other && (other->encodingName == "H264") == isH264;
        });
        if (!have) listed.push_back(&codec);
      }
      for (const OfferedCodec* codec : listed) {
        if (!codec) continue;
        const std::string codecPt = std::to_string(codec->payloadType);
        const bool isH264 = codec->encodingName == "H264";
        if (codec->payloadType != accepted.sendPayloadType) gst_sdp_media_add_format(media, codecPt.c_str());
        const std::string rtpmap = codecPt + (isH264 ? " H264/90000" : " VP8/90000");
        gst_sdp_media_add_attribute(media, "rtpmap", rtpmap.c_str());
        if (isH264) {
          const std::string fmtp = codecPt + " " + H264FormatParameters(*codec);
          gst_sdp_media_add_attribute(media, "fmtp", fmtp.c_str());
          result.video.h264PayloadType = codec->payloadType;
        } else {
          result.video.vp8PayloadType = codec->payloadType;
        }
        // What the room answers (NACK from the composite's history, PLI
        // and FIR with a keyframe of the composite) and asks of a camera
        // (PLI, NACK).
        for (const char* feedback : {" nack", " nack pli", " ccm fir"}) {
          const std::string line = codecPt + feedback;
          gst_sdp_media_add_attribute(media, "rtcp-fb", line.c_str());
        }
        // The room tells a camera the bitrate its tile can show (REMB);
        // a browser heeds it only when negotiated.
        if (OffersFeedback(offered, codecPt + " goog-remb")) {
          const std::string line = codecPt + " goog-remb";
          gst_sdp_media_add_attribute(media, "rtcp-fb", line.c_str());
        }
      }
      result.video.present = true;
      result.video.codec = accepted.sendVideoCodec;
      result.video.payloadType = accepted.sendPayloadType;
      result.video.receive = receive;
      result.video.send = send;
      result.video.ssrc = ssrc = h264 && h264VideoSsrc != 0 ? h264VideoSsrc : videoSsrc;
    }
    if (send) {
      const std::string ssrcLine = std::to_string(ssrc) + " cname:" + cname;
      gst_sdp_media_add_attribute(media, "ssrc", ssrcLine.c_str());
      const std::string msid = cname + (isOurAudio ? " audio" : " video");
      gst_sdp_media_add_attribute(media, "msid", msid.c_str());
    }
    transport::WriteLocalTransport(*media, transport);
    bundle += " " + accepted.mid;
    if (result.bundleMid.empty()) {
      result.bundleMid = accepted.mid;
      result.bundleMline = index;
    }
    gst_sdp_message_add_media(raw, media);
  }
  gst_sdp_message_add_attribute(raw, "group", bundle.c_str());
  gchar* text = gst_sdp_message_as_text(raw);
  result.sdp = text;
  g_free(text);
  return result;
}

}  // namespace plenum::mixer
