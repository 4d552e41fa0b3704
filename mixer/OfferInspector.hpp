// Reads a client's SDP offer and decides what the room can do with it,
// before anything touches the pipeline, so a bad offer changes nothing.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace plenum::mixer {

class OfferError : public std::runtime_error {
 public:
  enum class Kind { Malformed, Unsupported };
  OfferError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

enum class MediaKind { Audio, Video };
enum class VideoCodec { VP8, H264 };

struct OfferedCodec {
  int payloadType = 0;
  std::string encodingName;  // as in the rtpmap, upper case: OPUS, VP8, H264
  int clockRate = 0;
  std::string fmtp;  // the format parameters, "" if none
};

struct OfferedMedia {
  MediaKind kind = MediaKind::Audio;
  unsigned mlineIndex = 0;
  std::string mid;
  // Codecs the room accepts from this participant, in the offer's order.
  std::vector<OfferedCodec> receivable;
  // The payload type the room sends with: Opus for audio; for video VP8
  // if offered (the composite's one shared encode), else H.264 in
  // packetization mode 1 (a second shared encode, made for the room when
  // its first H.264-only receiver joins).
  int sendPayloadType = 0;
  VideoCodec sendVideoCodec = VideoCodec::VP8;
};

struct OfferSummary {
  std::vector<std::string> mids;  // by m-line index, for trickled candidates
  std::optional<OfferedMedia> audio;
  std::optional<OfferedMedia> video;
};

// Throws OfferError: Malformed when the text is not an SDP offer we can
// parse, Unsupported when an audio line lacks Opus or a video line lacks
// both VP8 and H.264 in packetization mode 1, or the offer has no media.
OfferSummary InspectOffer(const std::string& sdp);

}  // namespace plenum::mixer
