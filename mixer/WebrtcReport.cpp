#include "mixer/WebrtcReport.hpp"

namespace plenum::mixer {
namespace {

std::string Nick(GType type, int value) {
  auto* enumClass = static_cast<GEnumClass*>(g_type_class_ref(type));
  const GEnumValue* named = g_enum_get_value(enumClass, value);
  std::string nick = named ? named->value_nick : "unknown";
  g_type_class_unref(enumClass);
  return nick;
}

const GstStructure* Entry(const GstStructure* stats, const char* id) {
  const GValue* value = id ? gst_structure_get_value(stats, id) : nullptr;
  return value && GST_VALUE_HOLDS_STRUCTURE(value) ? gst_value_get_structure(value) : nullptr;
}

std::string Text(const GstStructure* entry, const char* field) {
  const char* text = entry ? gst_structure_get_string(entry, field) : nullptr;
  return text ? text : "";
}

}  // namespace

std::string IceConnectionStateName(GstWebRTCICEConnectionState state) {
  return Nick(GST_TYPE_WEBRTC_ICE_CONNECTION_STATE, state);
}

std::string PeerConnectionStateName(GstWebRTCPeerConnectionState state) {
  return Nick(GST_TYPE_WEBRTC_PEER_CONNECTION_STATE, state);
}

std::optional<SelectedPair> SelectedPairFromStats(const GstStructure* stats) {
  if (!stats) return std::nullopt;
  for (int i = 0; i < gst_structure_n_fields(stats); ++i) {
    const GstStructure* pair = Entry(stats, gst_structure_nth_field_name(stats, i));
    GstWebRTCStatsType type;
    if (!pair || !gst_structure_get(pair, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr) ||
        type != GST_WEBRTC_STATS_CANDIDATE_PAIR)
      continue;
    const GstStructure* local = Entry(stats, gst_structure_get_string(pair, "local-candidate-id"));
    const GstStructure* remote = Entry(stats, gst_structure_get_string(pair, "remote-candidate-id"));
    if (!local || !remote) continue;
    return SelectedPair{Text(local, "candidate-type"), Text(remote, "candidate-type"), Text(local, "protocol"),
                        Text(local, "relay-protocol")};
  }
  return std::nullopt;
}

}  // namespace plenum::mixer
