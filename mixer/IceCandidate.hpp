// Small pure helpers for ICE candidate lines.
#pragma once

#include <optional>
#include <string>

namespace plenum::mixer {

// What a remote ICE candidate line says, as far as the server cares.
struct ParsedCandidate {
  enum class Address { Ip, MulticastDnsName, DomainName };
  Address address = Address::Ip;
  std::string connectionAddress;
  std::string type;  // host, srflx, prflx, relay
};

// Parses "candidate:<foundation> <component> <transport> <priority>
// <address> <port> typ <type> [raddr <a> rport <p>] [<name> <value>]..."
// (RFC 8839 section 5.1, with or without the "candidate:" prefix). Nothing
// when the line does not follow that grammar.
std::optional<ParsedCandidate> ParseCandidate(const std::string& candidate);

// For 1:1 NAT: the same host candidate with its connection address
// replaced by the public one, or nothing when `candidate` is not a host
// candidate ("candidate:... typ host ..."). The port stays: a 1:1 NAT keeps
// ports, which is what makes this work without STUN.
std::optional<std::string> WithPublicAddress(const std::string& candidate, const std::string& publicIp);

}  // namespace plenum::mixer
