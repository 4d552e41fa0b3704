#include "signaling/ProtocolCodec.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "signaling/RestCodec.hpp"

namespace plenum::signaling {
namespace {

using mcu::ErrorCode;
using mcu::ProtocolError;
using Poco::JSON::Array;
using Poco::JSON::Object;

[[noreturn]] void Bad(const std::string& message) { throw ProtocolError(ErrorCode::BadRequest, message); }

std::string RequireString(const Object& object, const std::string& key) {
  if (!object.has(key)) Bad("missing field '" + key + "'");
  const Poco::Dynamic::Var value = object.get(key);
  if (!value.isString()) Bad("field '" + key + "' must be a string");
  return value.extract<std::string>();
}

std::optional<bool> OptionalBool(const Object& object, const std::string& key) {
  if (!object.has(key) || object.isNull(key)) return std::nullopt;
  const Poco::Dynamic::Var value = object.get(key);
  if (!value.isBoolean()) Bad("field '" + key + "' must be true or false");
  return value.extract<bool>();
}

std::optional<std::string> OptionalString(const Object& object, const std::string& key) {
  if (!object.has(key) || object.isNull(key)) return std::nullopt;
  return RequireString(object, key);
}

std::string Stringify(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

Object Typed(const char* type) {
  Object object;
  object.set("type", type);
  return object;
}

Object ParticipantObject(const mcu::ParticipantInfo& participant) {
  Object object;
  object.set("id", participant.id);
  object.set("name", participant.name);
  object.set("audioMuted", participant.audioMuted);
  object.set("videoMuted", participant.videoMuted);
  return object;
}

}  // namespace

mcu::ClientRequest ParseClientMessage(const std::string& text) {
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser;
    parsed = parser.parse(text);
  } catch (const Poco::Exception&) {
    Bad("the message is not JSON");
  }
  if (parsed.type() != typeid(Object::Ptr)) Bad("the message must be a JSON object");
  const Object::Ptr message = parsed.extract<Object::Ptr>();
  const std::string type = RequireString(*message, "type");

  if (type == "join") {
    return mcu::JoinRequest{RequireString(*message, "room"), RequireString(*message, "name"),
                            OptionalString(*message, "token")};
  }
  if (type == "offer") {
    std::string sdp = RequireString(*message, "sdp");
    if (sdp.empty()) Bad("field 'sdp' is empty");
    return mcu::OfferRequest{std::move(sdp)};
  }
  if (type == "candidate") {
    mcu::CandidateRequest candidate;
    candidate.candidate = RequireString(*message, "candidate");
    candidate.sdpMid = OptionalString(*message, "sdpMid").value_or("");
    if (!message->has("sdpMLineIndex") || message->isNull("sdpMLineIndex")) {
      if (!candidate.candidate.empty()) Bad("missing field 'sdpMLineIndex'");
    } else {
      const Poco::Dynamic::Var index = message->get("sdpMLineIndex");
      if (!index.isInteger() || index.convert<int64_t>() < 0 || index.convert<int64_t>() > 63) {
        Bad("field 'sdpMLineIndex' must be an integer from 0 to 63");
      }
      candidate.sdpMLineIndex = index.convert<unsigned>();
    }
    return candidate;
  }
  if (type == "leave") return mcu::LeaveRequest{};
  if (type == "mute") {
    mcu::MuteRequest mute{OptionalBool(*message, "audio"), OptionalBool(*message, "video")};
    if (!mute.audio && !mute.video) Bad("a mute names 'audio', 'video' or both");
    return mute;
  }
  if (type == "get-connection") return mcu::ConnectionRequest{};
  Bad("unknown message type '" + type + "'");
}

std::string EncodeJoined(const mcu::JoinedEvent& event) {
  Object object = Typed("joined");
  object.set("room", event.room);
  object.set("participant", event.participant);
  Array participants;
  for (const auto& other : event.others) participants.add(ParticipantObject(other));
  object.set("participants", participants);
  object.set("recording", event.recording);
  Array iceServers;
  for (const auto& server : event.iceServers) {
    Object entry;
    Array urls;
    urls.add(server.url);
    entry.set("urls", urls);
    if (!server.username.empty()) entry.set("username", server.username);
    if (!server.credential.empty()) entry.set("credential", server.credential);
    iceServers.add(entry);
  }
  object.set("iceServers", iceServers);
  return Stringify(object);
}

std::string EncodeAnswer(const std::string& sdp) {
  Object object = Typed("answer");
  object.set("sdp", sdp);
  return Stringify(object);
}

std::string EncodeCandidate(const mcu::IceCandidate& candidate) {
  Object object = Typed("candidate");
  object.set("candidate", candidate.candidate);
  object.set("sdpMid", candidate.sdpMid);
  object.set("sdpMLineIndex", candidate.sdpMLineIndex);
  return Stringify(object);
}

std::string EncodeParticipantJoined(const mcu::ParticipantInfo& participant) {
  Object object = Typed("participant-joined");
  object.set("participant", ParticipantObject(participant));
  return Stringify(object);
}

std::string EncodeParticipantLeft(const std::string& participant) {
  Object object = Typed("participant-left");
  object.set("participant", participant);
  return Stringify(object);
}

std::string EncodeSpeaker(const std::string& participant) {
  Object object = Typed("speaker");
  if (participant.empty()) {
    object.set("participant", Poco::Dynamic::Var());
  } else {
    object.set("participant", participant);
  }
  return Stringify(object);
}

std::string EncodeParticipantMuted(const mcu::ParticipantInfo& participant) {
  Object object = Typed("participant-muted");
  object.set("participant", participant.id);
  object.set("audioMuted", participant.audioMuted);
  object.set("videoMuted", participant.videoMuted);
  return Stringify(object);
}

std::string EncodeRecording(bool active) {
  Object object = Typed("recording");
  object.set("active", active);
  return Stringify(object);
}

std::string EncodeRoomLive(const mcu::RoomLive& live) {
  Object object = Typed("room-live");
  object.set("live", live.live());
  Poco::JSON::Array kinds;
  for (const auto& kind : live.kinds) kinds.add(kind);
  object.set("kinds", kinds);
  if (!live.watch.empty()) object.set("watch", live.watch);
  return Stringify(object);
}

std::string EncodeConnection(const mcu::ParticipantReport& report) {
  Object object = ParticipantReportToJson(report);
  object.set("type", "connection");
  return Stringify(object);
}

std::string EncodeError(mcu::ErrorCode code, const std::string& message) {
  Object object = Typed("error");
  object.set("code", mcu::ToString(code));
  object.set("message", message);
  return Stringify(object);
}

}  // namespace plenum::signaling
