#include "signaling/RestCodec.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>

#include <cmath>
#include <sstream>
#include <variant>

#include "mcu/Validation.hpp"

namespace plenum::signaling {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr ParseBodyObject(const std::string& body) {
  if (body.empty()) return new Object;
  Poco::Dynamic::Var parsed;
  try {
    parsed = Poco::JSON::Parser().parse(body);
  } catch (const Poco::Exception&) {
    throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "the body is not JSON");
  }
  if (parsed.type() != typeid(Object::Ptr)) {
    throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "the body must be a JSON object");
  }
  return parsed.extract<Object::Ptr>();
}

mcu::RoomSettings ParseRoomSettings(const std::string& body, int defaultMaxParticipants) {
  mcu::RoomSettings settings;
  settings.maxParticipants = defaultMaxParticipants;
  Object::Ptr object = ParseBodyObject(body);
  if (object->has("id")) {
    const auto id = object->get("id");
    if (!id.isString()) throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "'id' must be a string");
    settings.id = id.extract<std::string>();
  } else {
    settings.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  }
  if (object->has("maxParticipants")) {
    const auto max = object->get("maxParticipants");
    if (!max.isInteger()) throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "'maxParticipants' must be an integer");
    const auto value = max.convert<int64_t>();
    settings.maxParticipants = value < 0 || value > mcu::kMaxParticipantsLimit ? -1 : static_cast<int>(value);
  }
  if (object->has("layout")) {
    const auto layout = object->get("layout");
    if (!layout.isString()) throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "'layout' must be a string");
    settings.layout = layout.extract<std::string>();
  }
  mcu::ValidateRoomSettings(settings);
  return settings;
}

mcu::BroadcastRequest ParseBroadcastRequest(const std::string& body) {
  Object::Ptr object = ParseBodyObject(body);
  mcu::BroadcastRequest request;
  const auto text = [&object](const char* field, bool required) {
    if (!object->has(field)) {
      if (required) throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, std::string("'") + field + "' is required");
      return std::string();
    }
    const auto value = object->get(field);
    if (!value.isString())
      throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, std::string("'") + field + "' must be a string");
    return value.extract<std::string>();
  };
  request.kind = text("kind", true);
  request.url = text("url", false);
  return request;
}

Object BroadcastToJson(const mcu::BroadcastInfo& broadcast) {
  Object object;
  object.set("id", broadcast.id);
  object.set("kind", broadcast.kind);
  object.set("state", broadcast.state);
  if (!broadcast.url.empty()) object.set("url", broadcast.url);
  if (!broadcast.playlist.empty()) object.set("playlist", broadcast.playlist);
  if (!broadcast.error.empty()) object.set("error", broadcast.error);
  return object;
}

std::string FormatTime(mcu::TimePoint time) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), Poco::DateTimeFormat::ISO8601_FORMAT);
}

std::string FormatTimeMillis(mcu::TimePoint time) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), "%Y-%m-%dT%H:%M:%S.%iZ");
}

namespace {

// What a Room lists of each participant.
Object ParticipantToJson(const mcu::ParticipantInfo& participant) {
  Object entry;
  entry.set("id", participant.id);
  entry.set("name", participant.name);
  entry.set("joinedAt", FormatTime(participant.joinedAt));
  entry.set("audioMuted", participant.audioMuted);
  entry.set("videoMuted", participant.videoMuted);
  return entry;
}

Object TimelineEntryToJson(const mcu::ConnectionTimeline::Entry& entry) {
  Object object;
  object.set("at", FormatTimeMillis(entry.at));
  object.set("step", entry.step);
  for (const auto& detail : entry.details) {
    std::visit([&](const auto& value) { object.set(detail.name, value); }, detail.value);
  }
  if (entry.count > 0) {
    object.set("count", entry.count);
    object.set("lastAt", FormatTimeMillis(entry.lastAt));
  }
  return object;
}

Object RateToJson(const mcu::StreamRate& rate) {
  const auto tenths = [](double value) { return std::round(value * 10.0) / 10.0; };
  Object object;
  object.set("packetsPerSecond", tenths(rate.packetsPerSecond));
  object.set("kbps", tenths(rate.kbps));
  return object;
}

}  // namespace

Object ParticipantReportToJson(const mcu::ParticipantReport& report) {
  Object object = ParticipantToJson(report.participant);
  object.set("room", report.room);
  object.set("state", report.state);
  Array timeline;
  for (const auto& entry : report.timeline) timeline.add(TimelineEntryToJson(entry));
  object.set("timeline", timeline);
  object.set("timelineDropped", report.timelineDropped);
  Object rates;
  rates.set("audioIn", RateToJson(report.rates.audioIn));
  rates.set("videoIn", RateToJson(report.rates.videoIn));
  rates.set("audioOut", RateToJson(report.rates.audioOut));
  rates.set("videoOut", RateToJson(report.rates.videoOut));
  object.set("rates", rates);
  const auto lossToJson = [](const mcu::DirectionLoss& loss) {
    Object object;
    object.set("packets", loss.packets);
    object.set("percent", std::round(loss.percent * 10.0) / 10.0);
    return object;
  };
  Object loss;
  loss.set("in", lossToJson(report.loss.in));
  loss.set("out", lossToJson(report.loss.out));
  object.set("loss", loss);
  return object;
}

Object RoomToJson(const mcu::RoomInfo& room) {
  Object object;
  object.set("id", room.settings.id);
  Array participants;
  for (const auto& participant : room.participants) participants.add(ParticipantToJson(participant));
  object.set("participants", participants);
  object.set("maxParticipants", room.settings.maxParticipants);
  object.set("layout", room.settings.layout);
  if (room.recording) {
    object.set("recording", RecordingToJson(*room.recording, false));
  } else {
    object.set("recording", Poco::Dynamic::Var());
  }
  Array broadcasts;
  for (const auto& broadcast : room.broadcasts) broadcasts.add(BroadcastToJson(broadcast));
  object.set("broadcasts", broadcasts);
  return object;
}

Object RecordingToJson(const mcu::RecordingInfo& recording, bool withManifest) {
  Object object;
  object.set("id", recording.id);
  object.set("room", recording.room);
  object.set("state", recording.state);
  object.set("startedAt", recording.startedAt);
  if (!recording.endedAt.empty()) object.set("endedAt", recording.endedAt);
  object.set("directory", recording.directory);
  object.set("hold", recording.hold);
  if (!recording.error.empty()) object.set("error", recording.error);
  if (withManifest && !recording.manifestJson.empty()) {
    try {
      object.set("manifest", Poco::JSON::Parser().parse(recording.manifestJson));
    } catch (const Poco::Exception&) {
      object.set("error", "manifest.json does not parse; run plenum verify on " + recording.directory);
    }
  }
  return object;
}

std::string ErrorBody(mcu::ErrorCode code, const std::string& message) {
  Object error;
  error.set("code", mcu::ToString(code));
  error.set("message", message);
  Object body;
  body.set("error", error);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

}  // namespace plenum::signaling
