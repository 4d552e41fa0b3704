#include "testclient/MediaBranches.hpp"

#include "testclient/GUniquePtr.hpp"

#include <stdexcept>

namespace plenum::test {

namespace {

template <typename... Args>
std::string Format(const char* format, Args... args) {
  GUniquePtr<gchar> text(g_strdup_printf(format, args...));
  return text.get();
}

}  // namespace

// The RTP caps at the end of a send branch are an explicit capsfilter: a
// trailing bare caps string in a launch line has no element after it to
// filter into and does not parse.
GRefPtr<GstElement> MakeBranchBin(const std::string& description, const std::string& name) {
  GError* rawError = nullptr;
  // Unlinked pads become ghost pads; the result is floating, so sink it.
  auto bin = RefSinkGRef(gst_parse_bin_from_description(description.c_str(), TRUE, &rawError));
  GUniquePtr<GError> error(rawError);
  if (!bin || error)
    throw std::runtime_error("cannot build '" + description + "': " + (error ? error->message : "unknown error"));
  gst_object_set_name(GST_OBJECT(bin.get()), name.c_str());
  return bin;
}

const char* ToString(VideoCodec codec) { return codec == VideoCodec::kH264 ? "H264" : "VP8"; }

std::string AudioSendDescription(const MediaClientOptions& options) {
  // With sync marks, the raw audio passes an element the marks are drawn
  // on (kAudioMarksName), in a format they can be drawn in.
  const std::string marks =
      options.syncMarks
          ? Format(" ! audio/x-raw,format=S16LE,channels=1,rate=48000 ! identity name=%s ! audioconvert", kAudioMarksName)
          : "";
  // The level element puts each buffer's level in a GstAudioLevelMeta,
  // which the payloader's audio-level extension writes into the packet.
  const char* level = options.sendAudioLevel ? " ! level audio-level-meta=true post-messages=false" : "";
  return Format(
      "audiotestsrc is-live=true wave=sine freq=%.3f volume=%.3f"
      " ! audioconvert%s ! audioresample%s ! opusenc"
      " ! rtpopuspay name=%s pt=%d ! capsfilter caps=\"application/x-rtp,media=audio,encoding-name=OPUS,payload=%d\"",
      options.toneHz, options.toneVolume, marks.c_str(), level, kAudioPayloaderName, kOpusPayloadType,
      kOpusPayloadType);
}

std::string VideoSendDescription(const MediaClientOptions& options) {
  const std::string source = Format(
      "videotestsrc is-live=true pattern=solid-color foreground-color=0x%08x"
      " ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! videoconvert%s",
      options.colourArgb, options.width, options.height, options.framerate,
      options.syncMarks ? Format(" ! video/x-raw,format=I420 ! identity name=%s", kVideoMarksName).c_str() : "");
  if (options.videoCodec == VideoCodec::kH264) {
    // Constrained baseline and SPS/PPS before every IDR: what WebRTC peers
    // (browsers included) can decode when they join mid-stream. The mode is
    // in the filter so that the offer states it even when it is made before
    // the first frame (without it, RFC 6184 means mode 0).
    return source + Format(
                        " ! x264enc tune=zerolatency speed-preset=ultrafast"
                        " ! video/x-h264,profile=constrained-baseline"
                        " ! rtph264pay pt=%d config-interval=-1 aggregate-mode=zero-latency"
                        " ! capsfilter caps=\"application/x-rtp,media=video,encoding-name=H264,payload=%d,"
                        "packetization-mode=(string)1\"",
                        kH264PayloadType, kH264PayloadType);
  }
  return source + Format(
                      " ! vp8enc deadline=1 ! rtpvp8pay pt=%d"
                      " ! capsfilter caps=\"application/x-rtp,media=video,encoding-name=VP8,payload=%d\"",
                      kVp8PayloadType, kVp8PayloadType);
}

std::string ReceiveOnlyCaps(bool audio) {
  return audio
             ? Format("application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=%d", kOpusPayloadType)
             : Format("application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=%d", kVp8PayloadType);
}

std::string ReceiveDescription(const std::string& encodingName, ReceiveKind* kind) {
  // sync=false: the tests inspect what arrived, they do not play it out.
  // async=false: the sink joins a running live pipeline without prerolling.
  static const std::string kVideoTail =
      " ! videoconvert ! video/x-raw,format=RGB"
      " ! appsink name=sink sync=false async=false";
  if (encodingName == "OPUS") {
    *kind = ReceiveKind::kAudio;
    return "rtpopusdepay ! opusdec plc=true ! audioconvert ! audioresample"
           " ! audio/x-raw,format=F32LE,rate=48000,channels=1,layout=interleaved"
           " ! appsink name=sink sync=false async=false";
  }
  // Waiting for a keyframe and asking for one (PLI) on loss means a frame
  // we hand to the tests is never a half-decoded smear.
  if (encodingName == "VP8") {
    *kind = ReceiveKind::kVideo;
    return "rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec" + kVideoTail;
  }
  if (encodingName == "H264") {
    *kind = ReceiveKind::kVideo;
    return "rtph264depay request-keyframe=true wait-for-keyframe=true ! avdec_h264" + kVideoTail;
  }
  *kind = ReceiveKind::kDiscard;
  return "fakesink sync=false async=false";
}

}  // namespace plenum::test
