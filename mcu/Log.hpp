// Control-plane and signaling logging. Lines go through GStreamer's debug
// log under the `plenum-mcu` category, so GST_DEBUG=plenum-*:5 interleaves
// them with the media path; unless GST_DEBUG says otherwise, plenum-* logs
// at INFO. This header keeps GStreamer out of the files that include it.
#pragma once

namespace plenum::mcu {

enum class LogLevel { Error, Warning, Info, Debug };

// Call once, after gst_init.
void InitLog();
[[gnu::format(printf, 5, 6)]] void Logf(LogLevel level, const char* file, const char* function, int line,
                                        const char* format, ...);

}  // namespace plenum::mcu

#define PLENUM_LOG_ERROR(...) \
  ::plenum::mcu::Logf(::plenum::mcu::LogLevel::Error, __FILE__, __func__, __LINE__, __VA_ARGS__)
#define PLENUM_LOG_WARNING(...) \
  ::plenum::mcu::Logf(::plenum::mcu::LogLevel::Warning, __FILE__, __func__, __LINE__, __VA_ARGS__)
#define PLENUM_LOG_INFO(...) \
  ::plenum::mcu::Logf(::plenum::mcu::LogLevel::Info, __FILE__, __func__, __LINE__, __VA_ARGS__)
#define PLENUM_LOG_DEBUG(...) \
  ::plenum::mcu::Logf(::plenum::mcu::LogLevel::Debug, __FILE__, __func__, __LINE__, __VA_ARGS__)
