// libFuzzer target: a client's SDP offer, through the inspection that
// decides what the room does with it, and the answer the room builds from
// it. OfferError is the clear error a bad offer must get.
#include <gst/sdp/sdp.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "mixer/GRef.hpp"
#include "mixer/LocalAnswer.hpp"
#include "mixer/OfferInspector.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string sdp(reinterpret_cast<const char*>(data), size);
  try {
    const plenum::mixer::OfferSummary summary = plenum::mixer::InspectOffer(sdp);
    GstSDPMessage* offer = nullptr;
    gst_sdp_message_new_from_text(sdp.c_str(), &offer);
    plenum::mixer::SdpMessagePtr offerOwner(offer);
    if (offer) {
      const plenum::transport::LocalTransport local{"ufrag", "password-password-pw", "AB:CD",
                                                    plenum::transport::DtlsRole::kClient};
      plenum::mixer::BuildLocalAnswer(*offer, summary, local, 1, 2, "plenum", 3);
    }
  } catch (const plenum::mixer::OfferError&) {
  }
  return 0;
}
