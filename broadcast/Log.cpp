#include "broadcast/Log.hpp"

GST_DEBUG_CATEGORY(plenum_broadcast_debug);

namespace plenum::broadcast {

void InitBroadcastDebug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(plenum_broadcast_debug, "plenum-broadcast", 0, "Plenum broadcast outputs");
    g_once_init_leave(&once, 1);
  }
}

}  // namespace plenum::broadcast
