#include "transport/Log.hpp"

#include <mutex>

GST_DEBUG_CATEGORY(plenum_transport_debug);

namespace plenum::transport {

void InitTransportLog() {
  static std::once_flag once;
  std::call_once(once, [] {
    GST_DEBUG_CATEGORY_INIT(plenum_transport_debug, "plenum-transport", 0,
                            "Plenum's WebRTC transport: ICE, DTLS, SRTP, RTCP");
  });
}

}  // namespace plenum::transport
