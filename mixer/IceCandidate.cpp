#include "mixer/IceCandidate.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

namespace plenum::mixer {
namespace {

constexpr std::size_t kMaxCandidateBytes = 1024;

std::vector<std::string> Fields(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

bool AllOf(const std::string& text, int (*accept)(int)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](unsigned char c) { return accept(c) != 0; });
}

bool NumberIn(const std::string& text, unsigned long long min, unsigned long long max) {
  if (!AllOf(text, isdigit) || text.size() > 10) return false;
  const unsigned long long value = std::stoull(text);
  return value >= min && value <= max;
}

// ice-char: ALPHA / DIGIT / "+" / "/"
bool IceChars(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '/';
  });
}

bool IsIp(const std::string& text) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

// A DNS name: dot-separated labels of letters, digits and hyphens.
bool IsDomainName(const std::string& text) {
  if (text.empty() || text.size() > 253) return false;
  std::istringstream labels(text);
  for (std::string label; std::getline(labels, label, '.');) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; }))
      return false;
  }
  return text.back() != '.';
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() > suffix.size() && std::equal(suffix.rbegin(), suffix.rend(), text.rbegin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace

std::optional<ParsedCandidate> ParseCandidate(const std::string& candidate) {
  if (candidate.size() > kMaxCandidateBytes) return std::nullopt;
  std::string text = candidate;
  if (text.rfind("candidate:", 0) == 0) text = text.substr(std::char_traits<char>::length("candidate:"));
  const std::vector<std::string> fields = Fields(text);
  if (fields.size() < 8 || fields.size() % 2 != 0) return std::nullopt;
  std::string transport = fields[2];
  std::transform(transport.begin(), transport.end(), transport.begin(), ::toupper);
  const bool valid = IceChars(fields[0]) && fields[0].size() <= 32 && NumberIn(fields[1], 1, 256) &&
                     (transport == "UDP" || transport == "TCP") && NumberIn(fields[3], 0, 4294967295ULL) &&
                     NumberIn(fields[5], 0, 65535) && fields[6] == "typ" &&
                     (fields[7] == "host" || fields[7] == "srflx" || fields[7] == "prflx" || fields[7] == "relay");
  if (!valid) return std::nullopt;
  // Then name/value pairs: raddr and rport (an address and a port) and
  // extensions (tcptype, generation, ufrag, network-id, ...).
  for (std::size_t i = 8; i + 1 < fields.size(); i += 2) {
    if (fields[i] == "raddr" && !IsIp(fields[i + 1]) && !IsDomainName(fields[i + 1])) return std::nullopt;
    if (fields[i] == "rport" && !NumberIn(fields[i + 1], 0, 65535)) return std::nullopt;
  }
  ParsedCandidate parsed;
  parsed.connectionAddress = fields[4];
  parsed.type = fields[7];
  if (IsIp(fields[4])) {
    parsed.address = ParsedCandidate::Address::Ip;
  } else if (IsDomainName(fields[4])) {
    parsed.address = EndsWith(fields[4], ".local") ? ParsedCandidate::Address::MulticastDnsName
                                                   : ParsedCandidate::Address::DomainName;
  } else {
    return std::nullopt;
  }
  return parsed;
}

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
