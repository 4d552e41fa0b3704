#include "mcu/Log.hpp"

#include <gst/gst.h>

#include <cstdarg>
#include <cstdlib>

GST_DEBUG_CATEGORY_STATIC(plenum_mcu_debug);

namespace plenum::mcu {

void InitLog() {
  GST_DEBUG_CATEGORY_INIT(plenum_mcu_debug, "plenum-mcu", 0, "Plenum control plane and signaling");
  if (!std::getenv("GST_DEBUG")) gst_debug_set_threshold_for_name("plenum-*", GST_LEVEL_INFO);
}

void Logf(LogLevel level, const char* file, const char* function, int line, const char* format, ...) {
  GstDebugLevel gstLevel = GST_LEVEL_DEBUG;
  switch (level) {
    case LogLevel::Error: gstLevel = GST_LEVEL_ERROR; break;
    case LogLevel::Warning: gstLevel = GST_LEVEL_WARNING; break;
    case LogLevel::Info: gstLevel = GST_LEVEL_INFO; break;
    case LogLevel::Debug: gstLevel = GST_LEVEL_DEBUG; break;
  }
  if (!plenum_mcu_debug || gstLevel > gst_debug_category_get_threshold(plenum_mcu_debug)) return;
  va_list args;
  va_start(args, format);
  gst_debug_log_valist(plenum_mcu_debug, gstLevel, file, function, line, nullptr, format, args);
  va_end(args);
}

}  // namespace plenum::mcu
