#include "testclient/SessionDescription.hpp"

#include <stdexcept>

namespace plenum::test {

GUniquePtr<GstWebRTCSessionDescription> ParseSessionDescription(GstWebRTCSDPType type, const std::string& sdp) {
  GstSDPMessage* rawMessage = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &rawMessage) != GST_SDP_OK)
    throw std::invalid_argument("unparsable SDP");
  GUniquePtr<GstSDPMessage> message(rawMessage);
  if (gst_sdp_message_medias_len(message.get()) == 0) throw std::invalid_argument("SDP without media");
  // The description takes ownership of the message.
  return GUniquePtr<GstWebRTCSessionDescription>(gst_webrtc_session_description_new(type, message.release()));
}

std::string SdpText(const GstSDPMessage* sdp) {
  GUniquePtr<gchar> text(gst_sdp_message_as_text(sdp));
  return text ? std::string(text.get()) : std::string();
}

void AddReceiveCodec(GstSDPMessage* sdp, guint mlineIndex, int payloadType, const std::string& rtpmap) {
  if (mlineIndex >= gst_sdp_message_medias_len(sdp))
    throw std::invalid_argument("no media section " + std::to_string(mlineIndex));
  // get_media returns a const view of a media the message owns and lets us
  // change in place.
  auto* media = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(sdp, mlineIndex));
  const std::string pt = std::to_string(payloadType);
  gst_sdp_media_add_format(media, pt.c_str());
  gst_sdp_media_add_attribute(media, "rtpmap", (pt + " " + rtpmap).c_str());
  for (const char* feedback : {"nack", "nack pli", "ccm fir"})
    gst_sdp_media_add_attribute(media, "rtcp-fb", (pt + " " + feedback).c_str());
}

std::vector<std::string> MediaCodecs(const std::string& sdp, const std::string& media) {
  GstSDPMessage* rawMessage = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &rawMessage) != GST_SDP_OK) return {};
  GUniquePtr<GstSDPMessage> message(rawMessage);
  std::vector<std::string> codecs;
  for (guint i = 0; i < gst_sdp_message_medias_len(message.get()); ++i) {
    const GstSDPMedia* section = gst_sdp_message_get_media(message.get(), i);
    if (media != gst_sdp_media_get_media(section)) continue;
    for (guint a = 0; a < gst_sdp_media_attributes_len(section); ++a) {
      const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(section, a);
      if (std::string(attribute->key) != "rtpmap" || !attribute->value) continue;
      const std::string value = attribute->value;  // "96 VP8/90000"
      const std::size_t space = value.find(' ');
      if (space != std::string::npos) codecs.push_back(value.substr(space + 1));
    }
    break;
  }
  return codecs;
}

std::vector<std::string> MediaIds(const GstSDPMessage* sdp) {
  std::vector<std::string> mids;
  const guint count = gst_sdp_message_medias_len(sdp);
  for (guint i = 0; i < count; ++i) {
    const gchar* mid = gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp, i), "mid");
    mids.emplace_back(mid ? mid : "");
  }
  return mids;
}

}  // namespace plenum::test
