// WsClient against a scripted in-process WebSocket server: queueing by type,
// handlers, malformed and fragmented frames, pings and every way a
// connection can end.

#include "testclient/WsClient.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>

#include <gtest/gtest.h>

#include <atomic>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Poco::Net::WebSocket;

constexpr int kFinal = WebSocket::FRAME_FLAG_FIN;

// Answers each text frame by its content: a few commands, else an echo.
class ScriptedHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    try {
      WebSocket ws(request, response);
      ws.setReceiveTimeout(Poco::Timespan(10, 0));
      char buffer[4096];
      for (;;) {
        int flags = 0;
        const int n = ws.receiveFrame(buffer, sizeof buffer, flags);
        const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
        if (n <= 0 && flags == 0) return;  // connection gone
        if (opcode == WebSocket::FRAME_OP_CLOSE) {
          ws.sendFrame(buffer, n, kFinal | WebSocket::FRAME_OP_CLOSE);
          return;
        }
        if (opcode == WebSocket::FRAME_OP_PONG) {
          Text(ws, R"({"type":"pong-seen","payload":")" + std::string(buffer, static_cast<std::size_t>(n)) + "\"}");
          continue;
        }
        const std::string text(buffer, static_cast<std::size_t>(n));
        if (text == "ping-me") {
          ws.sendFrame("xyz", 3, kFinal | WebSocket::FRAME_OP_PING);
        } else if (text == "garbage") {
          Text(ws, "not json");
          Text(ws, R"({"no":"type"})");
          Text(ws, R"({"type":"ok"})");
        } else if (text == "fragments") {
          ws.sendFrame(R"({"type":"frag)", 13, WebSocket::FRAME_OP_TEXT);
          ws.sendFrame(R"(mented"})", 8, kFinal | WebSocket::FRAME_OP_CONT);
        } else if (text == "close-1009") {
          ws.shutdown(WebSocket::WS_PAYLOAD_TOO_BIG, "too big");
          ws.receiveFrame(buffer, sizeof buffer, flags);  // the client's echo
          return;
        } else if (text == "drop") {
          ws.shutdownSend();
          return;
        } else {
          Text(ws, text);
        }
      }
    } catch (const Poco::Exception&) {
    }
  }

 private:
  static void Text(WebSocket& ws, const std::string& text) { ws.sendFrame(text.data(), static_cast<int>(text.size())); }
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new ScriptedHandler;
  }
};

class WsClientTest : public ::testing::Test {
 protected:
  WsClientTest()
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        server_(new Factory, socket_, new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~WsClientTest() override { server_.stopAll(true); }

  std::unique_ptr<WsClient> Connect() { return std::make_unique<WsClient>("127.0.0.1", socket_.address().port()); }

  static WsClient::Message Typed(const std::string& type) {
    WsClient::Message message;
    message.set("type", type);
    return message;
  }

  Poco::Net::ServerSocket socket_;
  Poco::Net::HTTPServer server_;
};

TEST_F(WsClientTest, WaitForTakesTheFirstOfItsTypeAndKeepsTheRest) {
  auto ws = Connect();
  WsClient::Message a = Typed("a");
  a.set("n", 1);
  ws->Send(a);
  ws->Send(Typed("b"));
  a.set("n", 2);
  ws->Send(a);

  const auto b = ws->WaitFor("b", 5s);
  ASSERT_TRUE(b);
  const auto first = ws->WaitFor("a", 5s);
  const auto second = ws->WaitFor("a", 5s);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->getValue<int>("n"), 1);
  EXPECT_EQ(second->getValue<int>("n"), 2);
  EXPECT_FALSE(ws->WaitFor("a", 100ms));
  EXPECT_EQ(ws->History(), (std::vector<std::string>{"a", "b", "a"}));
}

TEST_F(WsClientTest, WaitForAnyTakesTheFirstOfSeveralTypes) {
  auto ws = Connect();
  ws->Send(Typed("x"));
  ws->Send(Typed("error"));
  const auto reply = ws->WaitForAny({"joined", "error"}, 5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->getValue<std::string>("type"), "error");
  EXPECT_TRUE(ws->WaitFor("x", 0ms));
}

TEST_F(WsClientTest, MalformedFramesAreSetAside) {
  auto ws = Connect();
  ASSERT_TRUE(ws->SendRaw("garbage"));
  ASSERT_TRUE(ws->WaitFor("ok", 5s));
  EXPECT_EQ(ws->Malformed(), (std::vector<std::string>{"not json", R"({"no":"type"})"}));
  EXPECT_EQ(ws->History(), (std::vector<std::string>{"ok"}));
}

TEST_F(WsClientTest, AFragmentedMessageIsReassembled) {
  auto ws = Connect();
  ASSERT_TRUE(ws->SendRaw("fragments"));
  EXPECT_TRUE(ws->WaitFor("fragmented", 5s));
}

TEST_F(WsClientTest, PingsAreAnsweredWithTheirPayload) {
  auto ws = Connect();
  ASSERT_TRUE(ws->SendRaw("ping-me"));
  const auto seen = ws->WaitFor("pong-seen", 5s);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->getValue<std::string>("payload"), "xyz");
}

TEST_F(WsClientTest, HandlersTakeTheirTypesAwayFromTheQueue) {
  auto ws = Connect();
  std::atomic<int> handled{0};
  ws->SetHandler("h", [&](const WsClient::Message&) { handled++; });
  ws->Send(Typed("h"));
  ws->Send(Typed("after"));
  ASSERT_TRUE(ws->WaitFor("after", 5s));
  EXPECT_EQ(handled, 1);
  EXPECT_FALSE(ws->WaitFor("h", 0ms));

  ws->ClearHandlers();
  ws->Send(Typed("h"));
  EXPECT_TRUE(ws->WaitFor("h", 5s));
  EXPECT_EQ(handled, 1);
}

TEST_F(WsClientTest, TheServersCloseCodeIsReported) {
  auto ws = Connect();
  ASSERT_TRUE(ws->SendRaw("close-1009"));
  EXPECT_EQ(ws->WaitForClose(5s), 1009);
  EXPECT_FALSE(ws->IsOpen());
  EXPECT_FALSE(ws->SendRaw("too late"));
  EXPECT_THROW(ws->Send(Typed("x")), Poco::Exception);
}

TEST_F(WsClientTest, AConnectionDroppedWithoutCloseFrameIs1006) {
  auto ws = Connect();
  ASSERT_TRUE(ws->SendRaw("drop"));
  EXPECT_EQ(ws->WaitForClose(5s), 1006);
}

TEST_F(WsClientTest, WaitsEndAtOnceOnAClosedSocket) {
  auto ws = Connect();
  ASSERT_TRUE(ws->SendRaw("drop"));
  ASSERT_TRUE(ws->WaitForClose(5s));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(ws->WaitFor("anything", 10s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST_F(WsClientTest, ACloseFromUsCompletesTheHandshake) {
  auto ws = Connect();
  ws->Close();
  EXPECT_EQ(ws->WaitForClose(5s), 1000);
}

TEST_F(WsClientTest, ConnectingToNothingThrows) {
  Poco::Net::ServerSocket unused(Poco::Net::SocketAddress("127.0.0.1", 0));
  const auto port = unused.address().port();
  unused.close();
  EXPECT_THROW(WsClient("127.0.0.1", port), Poco::Exception);
}

}  // namespace
}  // namespace plenum::test
