#include "mixer/IceCandidate.hpp"

#include <sstream>
#include <vector>

namespace plenum::mixer {

std::optional<std::string> WithPublicAddress(const std::string& candidate, const std::string& publicIp) {
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
  std::istringstream in(candidate);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  if (fields.size() < 8 || fields[6] != "typ" || fields[7] != "host" || publicIp.empty()) return std::nullopt;
  if (fields[4] == publicIp) return std::nullopt;
  fields[4] = publicIp;
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ' ';
    out += fields[i];
  }
  return out;
}

}  // namespace plenum::mixer
