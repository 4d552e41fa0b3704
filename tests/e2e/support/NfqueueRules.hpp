// The iptables rules that hand one address's UDP packets to a netfilter
// queue, for a test that impairs them (support/PacketImpairer.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace plenum::test {

// A chain of our own in the mangle table, jumped to from OUTPUT (where every
// loopback packet passes once, on its way out), with two rules: UDP from the
// address, UDP to it, each to NFQUEUE `queue` with --queue-bypass (with
// nobody listening on the queue, packets pass). Nothing else enters it: other
// addresses' traffic and every TCP connection are left alone.
//
// It changes the network namespace it runs in: run it in one of its own
// (scripts/isolated-net.sh). Added in the constructor, removed in the
// destructor; a chain of that name left by a run that was killed is removed
// first.
class NfqueueRules {
 public:
  // Throws std::runtime_error (with iptables's output) when a rule cannot be
  // added; whatever was added by then is removed.
  NfqueueRules(std::string chain, const std::string& address, std::uint16_t queue);
  ~NfqueueRules();
  NfqueueRules(const NfqueueRules&) = delete;
  NfqueueRules& operator=(const NfqueueRules&) = delete;

  // Packets the rules handed to the queue, by their own counters.
  std::uint64_t Queued() const;

  // Whether a chain of that name is in the mangle table.
  static bool Present(const std::string& chain);
  // The iptables program (PATH, then /usr/sbin and /sbin), or "" when it is
  // not installed (Debian package iptables).
  static std::string Iptables();

 private:
  const std::string chain_;
};

}  // namespace plenum::test
