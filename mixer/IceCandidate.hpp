// Small pure helpers for ICE candidate lines.
#pragma once

#include <optional>
#include <string>

namespace plenum::mixer {

// For 1:1 NAT: the same host candidate with its connection address
// replaced by the public one, or nothing when `candidate` is not a host
// candidate ("candidate:... typ host ..."). The port stays: a 1:1 NAT keeps
// ports, which is what makes this work without STUN.
std::optional<std::string> WithPublicAddress(const std::string& candidate, const std::string& publicIp);

}  // namespace plenum::mixer
