// Where a broadcast goes, as asked for through the API, checked before
// anything starts: the kind, the URL, and the URL as it may be shown.
//
// A stream key is a password: an RTMP URL's stream name and query and an
// SRT URL's query (streamid, passphrase) are never logged or answered in
// full, only `shown`.
#pragma once

#include <stdexcept>
#include <string>

namespace plenum::broadcast {

enum class BroadcastKind { Rtmp, Srt, Hls };

struct BroadcastTarget {
  BroadcastKind kind = BroadcastKind::Hls;
  std::string url;    // as given; empty for HLS
  std::string shown;  // the URL with its secrets replaced by "***"
};

// A request the server refuses before anything starts; `what()` says why
// in words a client can show.
struct BadBroadcastRequest : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Throws BadBroadcastRequest for an unknown kind, an HLS request with a URL,
// or a URL that is not rtmp:// or rtmps:// (RTMP: host, application and
// stream name) or srt:// (SRT: host and port, caller mode).
BroadcastTarget ParseBroadcastTarget(const std::string& kind, const std::string& url);

const char* KindName(BroadcastKind kind);

// `text` (an error from a sink, say) with the target's secrets replaced by
// "***": the whole URL, an RTMP stream name, an SRT or RTMP query and
// each of its values.
std::string RedactSecrets(const BroadcastTarget& target, std::string text);

}  // namespace plenum::broadcast
