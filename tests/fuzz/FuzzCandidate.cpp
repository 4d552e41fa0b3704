// libFuzzer target: a trickled ICE candidate line, parsed (RFC 8839) and,
// as with public-ip set, rewritten with the public address.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mixer/IceCandidate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  (void)plenum::mixer::ParseCandidate(line);
  (void)plenum::mixer::WithPublicAddress(line, "203.0.113.7");
  return 0;
}
