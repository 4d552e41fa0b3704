#include "transport/TransportDescription.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace plenum::transport {
namespace {

// A media-level attribute, else the session-level one, else null.
const gchar* Attribute(const GstSDPMessage& sdp, const GstSDPMedia& media, const char* key) {
  if (const gchar* value = gst_sdp_media_get_attribute_val(&media, key)) return value;
  return gst_sdp_message_get_attribute_val(&sdp, key);
}

std::string Required(const GstSDPMessage& sdp, const GstSDPMedia& media, const char* key) {
  const gchar* value = Attribute(sdp, media, key);
  if (!value || !*value) throw TransportDescriptionError(std::string("the offer has no a=") + key);
  return value;
}

}  // namespace

RemoteTransport ReadRemoteTransport(const GstSDPMessage& offer) {
  if (gst_sdp_message_medias_len(&offer) == 0) throw TransportDescriptionError("the offer has no media section");
  const GstSDPMedia& media = *gst_sdp_message_get_media(&offer, 0);

  RemoteTransport remote;
  remote.iceUfrag = Required(offer, media, "ice-ufrag");
  remote.icePassword = Required(offer, media, "ice-pwd");
  // RFC 8839: ufrag 4..256 characters, password 22..256.
  if (remote.iceUfrag.size() < 4 || remote.iceUfrag.size() > 256 || remote.icePassword.size() < 22 ||
      remote.icePassword.size() > 256)
    throw TransportDescriptionError("the offer's ice-ufrag or ice-pwd has the wrong length");

  const std::string fingerprint = Required(offer, media, "fingerprint");
  const size_t space = fingerprint.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= fingerprint.size())
    throw TransportDescriptionError("the offer's a=fingerprint is not \"algorithm value\"");
  remote.fingerprintAlgorithm = fingerprint.substr(0, space);
  std::transform(remote.fingerprintAlgorithm.begin(), remote.fingerprintAlgorithm.end(),
                 remote.fingerprintAlgorithm.begin(), [](unsigned char c) { return std::tolower(c); });
  remote.fingerprint = fingerprint.substr(space + 1);

  const gchar* setup = Attribute(offer, media, "setup");
  remote.setup = setup ? setup : "actpass";  // RFC 5763: an offer without it is actpass

  for (guint i = 0; i < gst_sdp_media_attributes_len(&media); ++i) {
    const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(&media, i);
    if (!attribute->key) continue;
    const std::string_view key = attribute->key;
    if (key == "candidate" && attribute->value)
      remote.candidates.push_back(std::string("candidate:") + attribute->value);
    else if (key == "end-of-candidates")
      remote.endOfCandidates = true;
  }
  return remote;
}

DtlsRole AnswerRole(const std::string& offerSetup) {
  if (offerSetup == "actpass" || offerSetup == "passive") return DtlsRole::kClient;
  if (offerSetup == "active") return DtlsRole::kServer;
  throw TransportDescriptionError("the offer's a=setup:" + offerSetup + " leaves no DTLS role for us");
}

const char* SetupAttribute(DtlsRole role) { return role == DtlsRole::kClient ? "active" : "passive"; }

void WriteLocalTransport(GstSDPMedia& media, const LocalTransport& local) {
  gst_sdp_media_add_attribute(&media, "ice-ufrag", local.iceUfrag.c_str());
  gst_sdp_media_add_attribute(&media, "ice-pwd", local.icePassword.c_str());
  gst_sdp_media_add_attribute(&media, "ice-options", "trickle");
  const std::string fingerprint = "sha-256 " + local.fingerprint;
  gst_sdp_media_add_attribute(&media, "fingerprint", fingerprint.c_str());
  gst_sdp_media_add_attribute(&media, "setup", SetupAttribute(local.role));
  gst_sdp_media_add_attribute(&media, "rtcp-mux", "");
}

}  // namespace plenum::transport
