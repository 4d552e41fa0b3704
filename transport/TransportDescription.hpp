// The transport half of an SDP exchange: what an offer says about ICE and
// DTLS, and what our answer says back. Read and written with GStreamer's
// SDP library; the media half (codecs, directions) is the mixer's business.
#pragma once

#include "transport/DtlsTransport.hpp"

#include <gst/sdp/sdp.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace plenum::transport {

// The offer is unusable for transport: the message says which attribute.
class TransportDescriptionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct RemoteTransport {
  std::string iceUfrag;
  std::string icePassword;
  std::string fingerprintAlgorithm;  // lower case, "sha-256"
  std::string fingerprint;           // as written, "AB:CD:..."
  std::string setup;                 // actpass, active or passive
  std::vector<std::string> candidates;  // "candidate:..." values found in the offer
  bool endOfCandidates = false;
};

// Reads the transport of the offer's first media section (with BUNDLE and
// rtcp-mux every section shares it); media-level attributes win over
// session-level ones, as RFC 8866 says. Throws TransportDescriptionError.
RemoteTransport ReadRemoteTransport(const GstSDPMessage& offer);

// Our DTLS role as the answerer: the client when the offer lets us choose
// (actpass: we answer active, as mediasoup and Janus do, so our
// ClientHello leaves as soon as ICE connects) or is passive; the server
// when the offer is active. Throws TransportDescriptionError otherwise.
DtlsRole AnswerRole(const std::string& offerSetup);
const char* SetupAttribute(DtlsRole role);  // "active" for the client, "passive" for the server

struct LocalTransport {
  std::string iceUfrag;
  std::string icePassword;
  std::string fingerprint;  // sha-256
  DtlsRole role = DtlsRole::kClient;
};

// Adds ice-ufrag, ice-pwd, ice-options:trickle, fingerprint, setup and
// rtcp-mux to one media section of our answer.
void WriteLocalTransport(GstSDPMedia& media, const LocalTransport& local);

}  // namespace plenum::transport
