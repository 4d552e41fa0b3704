// libFuzzer target: a client's SDP offer, through the inspection that
// decides what the room does with it, and the answer amendment that copies
// its formats. OfferError is the clear error a bad offer must get.
#include <gst/sdp/sdp.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "mixer/AnswerCodecs.hpp"
#include "mixer/GRef.hpp"
#include "mixer/OfferInspector.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string sdp(reinterpret_cast<const char*>(data), size);
  try {
    const plenum::mixer::OfferSummary summary = plenum::mixer::InspectOffer(sdp);
    // Answer with the offer itself, as a worst case of what to amend.
    GstSDPMessage* offer = nullptr;
    GstSDPMessage* answer = nullptr;
    gst_sdp_message_new_from_text(sdp.c_str(), &offer);
    gst_sdp_message_new_from_text(sdp.c_str(), &answer);
    plenum::mixer::SdpMessagePtr offerOwner(offer);
    plenum::mixer::SdpMessagePtr answerOwner(answer);
    if (offer && answer) plenum::mixer::AddReceivableCodecs(answer, offer, summary);
  } catch (const plenum::mixer::OfferError&) {
  }
  return 0;
}
