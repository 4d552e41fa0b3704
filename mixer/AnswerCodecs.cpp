#include "mixer/AnswerCodecs.hpp"

#include <cstdlib>
#include <string>

namespace plenum::mixer {
namespace {

bool HasFormat(const GstSDPMedia* media, int payloadType) {
  for (guint i = 0; i < gst_sdp_media_formats_len(media); ++i) {
    if (std::atoi(gst_sdp_media_get_format(media, i)) == payloadType) return true;
  }
  return false;
}

// "rtpmap", "fmtp" and "rtcp-fb" attributes whose value starts with "<pt> ".
bool DescribesPayload(const GstSDPAttribute* attribute, int payloadType) {
  const std::string key = attribute->key ? attribute->key : "";
  if (key != "rtpmap" && key != "fmtp" && key != "rtcp-fb") return false;
  const std::string prefix = std::to_string(payloadType) + " ";
  return attribute->value && std::string(attribute->value).rfind(prefix, 0) == 0;
}

}  // namespace

void AddReceivableCodecs(GstSDPMessage* answer, const GstSDPMessage* offer, const OfferSummary& summary) {
  for (const auto* offered : {&summary.audio, &summary.video}) {
    if (!*offered) continue;
    const unsigned index = (*offered)->mlineIndex;
    if (index >= gst_sdp_message_medias_len(answer) || index >= gst_sdp_message_medias_len(offer)) continue;
    GstSDPMedia* answerMedia = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(answer, index));
    const GstSDPMedia* offerMedia = gst_sdp_message_get_media(offer, index);
    if (gst_sdp_media_get_port(answerMedia) == 0 && !gst_sdp_media_get_attribute_val(answerMedia, "bundle-only")) {
      continue;  // we rejected the section; adding codecs would not revive it
    }
    for (const OfferedCodec& codec : (*offered)->receivable) {
      if (HasFormat(answerMedia, codec.payloadType)) continue;
      gst_sdp_media_add_format(answerMedia, std::to_string(codec.payloadType).c_str());
      for (guint i = 0; i < gst_sdp_media_attributes_len(offerMedia); ++i) {
        const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(offerMedia, i);
        if (DescribesPayload(attribute, codec.payloadType)) {
          gst_sdp_media_add_attribute(answerMedia, attribute->key, attribute->value);
        }
      }
    }
  }
}

}  // namespace plenum::mixer
