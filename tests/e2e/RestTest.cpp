// The REST API for rooms (section 2 of the protocol), including what it does
// to a participant when its room is deleted.

#include "support/E2eExpectations.hpp"
#include "support/ServerTest.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <sstream>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

// The error body every failed request carries: {"error": {code, message}}.
::testing::AssertionResult IsErrorBody(const HttpResult& result, const std::string& expectedCode = {}) {
  const auto json = result.Json();
  const auto error = json ? json->getObject("error") : nullptr;
  if (!error) return ::testing::AssertionFailure() << "no {\"error\": {...}} body: " << result.Describe();
  const std::string code = error->optValue<std::string>("code", "");
  if (code.empty() || !error->has("message") || !error->get("message").isString())
    return ::testing::AssertionFailure() << "error without code or message: " << result.Describe();
  if (!expectedCode.empty() && code != expectedCode)
    return ::testing::AssertionFailure() << "error code " << code << ", expected " << expectedCode << ": "
                                         << result.Describe();
  return ::testing::AssertionSuccess();
}

bool ListsRoom(const HttpResult& list, const std::string& id) {
  const auto json = list.Json();
  const auto rooms = json ? json->getArray("rooms") : nullptr;
  if (!rooms) return false;
  for (std::size_t i = 0; i < rooms->size(); ++i) {
    const auto room = rooms->getObject(static_cast<unsigned>(i));
    if (room && room->optValue<std::string>("id", "") == id) return true;
  }
  return false;
}

// Sends `request` as it is on a new connection and returns the status code
// of the answer: 0 when none comes within `timeout`, -1 when the server
// closes the connection without one.
int RawRequestStatus(const ServerProcess& server, const std::string& request, std::chrono::milliseconds timeout) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress(ServerProcess::kHost, server.Port()));
  socket.setReceiveTimeout(Poco::Timespan(static_cast<long>(Scaled(timeout).count()) * 1000));
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  char buffer[256] = {};
  try {
    const int n = socket.receiveBytes(buffer, sizeof buffer - 1);
    if (n == 0) return -1;
    const std::string head(buffer, static_cast<std::size_t>(std::max(n, 0)));
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) return 0;
    return std::stoi(head.substr(9, 3));
  } catch (const Poco::TimeoutException&) {
    return 0;
  }
}

class RestTest : public ServerTest {};

TEST_F(RestTest, RoomLifecycle) {
  const HttpResult created = Server().Post("/api/v1/rooms", R"({"id":"r1","maxParticipants":3})");
  ASSERT_EQ(created.status, 201) << created.Describe() << Context();
  const auto room = created.Json();
  ASSERT_TRUE(room) << created.Describe();
  EXPECT_EQ(room->optValue<std::string>("id", ""), "r1") << created.Describe();
  EXPECT_EQ(room->optValue<int>("maxParticipants", 0), 3) << created.Describe();
  ASSERT_TRUE(room->isArray("participants")) << created.Describe();
  EXPECT_EQ(room->getArray("participants")->size(), 0u) << created.Describe();
  EXPECT_TRUE(room->has("layout")) << created.Describe();
  EXPECT_TRUE(room->has("recording") && room->isNull("recording")) << created.Describe();
  EXPECT_TRUE(room->isArray("broadcasts")) << created.Describe();

  const HttpResult again = Server().Post("/api/v1/rooms", R"({"id":"r1","maxParticipants":3})");
  EXPECT_EQ(again.status, 409) << again.Describe();
  EXPECT_TRUE(IsErrorBody(again));

  const HttpResult list = Server().Get("/api/v1/rooms");
  EXPECT_EQ(list.status, 200) << list.Describe();
  EXPECT_TRUE(ListsRoom(list, "r1")) << list.Describe();

  auto alice = Connect();
  alice->Send(JoinMessage("r1", "alice"));
  const auto joined = alice->WaitFor("joined", 5s);
  ASSERT_TRUE(joined) << Context();
  const std::string aliceId = joined->optValue<std::string>("participant", "");

  const HttpResult one = Server().Get("/api/v1/rooms/r1");
  ASSERT_EQ(one.status, 200) << one.Describe();
  const auto withAlice = one.Json();
  ASSERT_TRUE(withAlice && withAlice->isArray("participants")) << one.Describe();
  const auto participants = withAlice->getArray("participants");
  ASSERT_EQ(participants->size(), 1u) << one.Describe();
  const auto listed = participants->getObject(0);
  ASSERT_TRUE(listed) << one.Describe();
  EXPECT_EQ(listed->optValue<std::string>("id", ""), aliceId) << one.Describe();
  EXPECT_EQ(listed->optValue<std::string>("name", ""), "alice") << one.Describe();
  EXPECT_FALSE(listed->optValue<std::string>("joinedAt", "").empty()) << one.Describe();

  const HttpResult deleted = Server().Delete("/api/v1/rooms/r1");
  EXPECT_EQ(deleted.status, 204) << deleted.Describe();
  EXPECT_TRUE(ReceivesError(*alice, "room-closed", 5s)) << Context();

  const HttpResult gone = Server().Get("/api/v1/rooms/r1");
  EXPECT_EQ(gone.status, 404) << gone.Describe();
  EXPECT_TRUE(IsErrorBody(gone));
  EXPECT_FALSE(ListsRoom(Server().Get("/api/v1/rooms"), "r1"));
}

TEST_F(RestTest, ARoomWithoutIdGetsOne) {
  const HttpResult created = Server().Post("/api/v1/rooms", "{}");
  ASSERT_EQ(created.status, 201) << created.Describe() << Context();
  const auto room = created.Json();
  ASSERT_TRUE(room) << created.Describe();
  const std::string id = room->optValue<std::string>("id", "");
  ASSERT_FALSE(id.empty()) << created.Describe();
  EXPECT_EQ(Server().Get("/api/v1/rooms/" + id).status, 200);
}

TEST_F(RestTest, MaxParticipantsOfARestRoomIsEnforced) {
  ASSERT_EQ(Server().Post("/api/v1/rooms", R"({"id":"pair","maxParticipants":2})").status, 201) << Context();
  std::vector<std::unique_ptr<WsClient>> members;
  for (const char* name : {"one", "two"}) {
    members.push_back(Connect());
    members.back()->Send(JoinMessage("pair", name));
    ASSERT_TRUE(members.back()->WaitFor("joined", 5s)) << Context();
  }
  auto three = Connect();
  three->Send(JoinMessage("pair", "three"));
  EXPECT_TRUE(ReceivesError(*three, "room-full", 5s)) << Context();
}

TEST_F(RestTest, UnknownRoomsAre404) {
  const HttpResult get = Server().Get("/api/v1/rooms/nosuchroom");
  EXPECT_EQ(get.status, 404) << get.Describe();
  EXPECT_TRUE(IsErrorBody(get));
  const HttpResult del = Server().Delete("/api/v1/rooms/nosuchroom");
  EXPECT_EQ(del.status, 404) << del.Describe();
  EXPECT_TRUE(IsErrorBody(del));
}

TEST_F(RestTest, BadBodiesAre400BadRequest) {
  const std::string tooLong(65, 'a');
  const std::vector<std::string> bodies = {
      "this is not json",
      "[]",
      R"({"id": 5})",
      R"({"id": "bad room!"})",
      R"({"id": ")" + tooLong + R"("})",
      R"({"id": ""})",
      R"({"maxParticipants": "many"})",
      R"({"maxParticipants": -1})",
  };
  for (const std::string& body : bodies) {
    const HttpResult result = Server().Post("/api/v1/rooms", body);
    EXPECT_EQ(result.status, 400) << "body " << body << ": " << result.Describe();
    EXPECT_TRUE(IsErrorBody(result, "bad-request")) << "body " << body;
  }
  EXPECT_TRUE(Healthy(Server())) << Context();
}

// A body whose length is not a plain Content-Length may not be the body the
// client meant: the request is refused and nothing is created (a malformed
// chunked body and Content-Length: -5 both used to create a room).
TEST_F(RestTest, BodiesWithoutAPlainLengthAreRefusedAndCreateNothing) {
  const std::string body = R"({"id":"half-read"})";
  const std::string head = "POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  // Chunked: 411, whether well-formed or not (Poco's reader took a bad
  // chunk size for the end of the body).
  EXPECT_EQ(RawRequestStatus(Server(), head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n", 5s),
            411)
      << Context();
  EXPECT_EQ(RawRequestStatus(Server(), head + "Transfer-Encoding: chunked\r\n\r\n12\r\n" + body + "\r\n0\r\n\r\n", 5s),
            411)
      << Context();
  // A negative length used to read the body to the end of the connection.
  EXPECT_EQ(RawRequestStatus(Server(), head + "Content-Length: -5\r\n\r\n" + body, 5s), 400) << Context();
  // Not a number at all: Poco's parser drops the connection, or we answer 400.
  const int notANumber = RawRequestStatus(Server(), head + "Content-Length: 1e3\r\n\r\n" + body, 5s);
  EXPECT_TRUE(notANumber == 400 || notANumber == -1) << "status " << notANumber << Context();
  const auto list = Server().Get("/api/v1/rooms");
  const auto rooms = list.Json() ? list.Json()->getArray("rooms") : nullptr;
  ASSERT_TRUE(rooms) << list.Describe();
  EXPECT_EQ(rooms->size(), 0u) << "a room was created: " << list.Describe();
  EXPECT_EQ(Server().Get("/api/v1/rooms/half-read").status, 404);
  EXPECT_TRUE(Healthy(Server())) << Context();
}

}  // namespace
}  // namespace plenum::test
