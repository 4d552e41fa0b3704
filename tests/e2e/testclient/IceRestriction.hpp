#pragma once

#include <gst/gst.h>

#include <string>

namespace plenum::test {

// Makes a webrtcbin gather host candidates on `address` only, over UDP.
// libnice enumerates every interface unless it is given local addresses; once
// it has one, it uses those alone. Must run before the first local description
// is set (gathering starts there). Throws std::runtime_error.
void RestrictIceToAddress(GstElement* webrtcbin, const std::string& address);

}  // namespace plenum::test
