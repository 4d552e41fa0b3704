// /metrics from a real server: the whole scrape passes promtool (the
// Prometheus project's own checker), and what real webrtcbin clients do
// moves the right series by the right amounts: joins, the time to first
// media, errors by code, leaves by reason; the process_* families agree
// with what /proc says of the server. And the Grafana dashboard in
// packaging/ names only series the server exports.

#include "support/CommandRun.hpp"
#include "support/E2eExpectations.hpp"
#include "support/ProcessUsage.hpp"
#include "support/PrometheusScrape.hpp"
#include "support/ServerTest.hpp"
#include "support/StoppedThread.hpp"
#include "testclient/ReceivedMedia.hpp"
#include "testclient/TemporaryDirectory.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;

// Scrapes until `done` holds, up to `timeout`; the last scrape either way.
// For what the server counts a moment after a client's own step (a first
// packet's report, a socket's close).
PrometheusScrape ScrapeUntil(const ServerProcess& server, const std::function<bool(const PrometheusScrape&)>& done,
                             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
  PrometheusScrape scrape = ScrapeMetrics(server);
  while (!done(scrape) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    scrape = ScrapeMetrics(server);
  }
  return scrape;
}

// `promtool check metrics` on the text: its output, empty when it passes.
::testing::AssertionResult PassesPromtool(const std::string& text) {
  TemporaryDirectory directory("plenum-metrics");
  const std::string file = directory.Path() + "/metrics.txt";
  std::ofstream(file) << text;
  const CommandRun run = RunCommand("/bin/sh", {"-c", "promtool check metrics < " + file}, 20s);
  if (run.status == 0 && run.output.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "promtool check metrics: status " << run.status << ": " << run.output
                                       << "\n--- the scrape ---\n"
                                       << text;
}

double Counter(const PrometheusScrape& scrape, const std::string& name, const MetricLabels& labels = {}) {
  return scrape.Value(name, labels).value_or(-1);
}

std::size_t OpenFdsOf(pid_t pid) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++count;
  return count;
}

double VmRssBytesOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(1 << 20, '\n');
  }
  return -1;
}

// Histogram buckets for `labels` ascend, end at le="+Inf", and that one
// equals _count.
::testing::AssertionResult WellFormedHistogram(const PrometheusScrape& scrape, const std::string& name,
                                               const MetricLabels& labels) {
  double previous = 0;
  std::optional<double> inf;
  for (const MetricSample& sample : scrape.Samples()) {
    if (sample.name != name + "_bucket") continue;
    MetricLabels rest = sample.labels;
    const std::string le = rest["le"];
    rest.erase("le");
    if (rest != labels) continue;
    if (sample.value < previous) return ::testing::AssertionFailure() << name << " le=" << le << " falls";
    previous = sample.value;
    if (le == "+Inf") inf = sample.value;
  }
  if (!inf) return ::testing::AssertionFailure() << name << " has no +Inf bucket";
  if (*inf != scrape.HistogramCount(name, labels).value_or(-1))
    return ::testing::AssertionFailure() << name << " +Inf bucket differs from _count";
  return ::testing::AssertionSuccess();
}

class MetricsTest : public ServerTest {};

TEST_F(MetricsTest, CountsJoinsFirstMediaErrorsAndLeaves) {
  const PrometheusScrape before = ScrapeMetrics(Server());
  ASSERT_TRUE(PassesPromtool(before.Text())) << Context();
  EXPECT_EQ(before.Value("plenum_build_info", {{"version", "0.1.0"}}), 1) << before.Text();
  // Every protocol code is there from the start, at 0.
  for (const char* code : {"bad-request", "unauthorized", "room-full", "not-joined", "already-joined",
                           "unsupported-media", "room-closed", "internal", "not-found", "conflict"}) {
    EXPECT_EQ(before.Value("plenum_errors_total", {{"code", code}}), 0) << code << "\n" << before.Text();
  }
  // No room name or participant id ever becomes a label.
  for (const MetricSample& sample : before.Samples()) {
    for (const auto& [label, value] : sample.labels)
      EXPECT_TRUE(label != "room" && label != "participant") << sample.name << " has a " << label << " label";
  }

  const std::string room = UniqueRoom("metrics");
  auto alice = Participant(ParticipantOptions("alice", 440, 0xFFFF0000));
  auto bob = Participant(ParticipantOptions("bob", 660, 0xFF0000FF));
  const auto joining = std::chrono::steady_clock::now();
  ASSERT_TRUE(AllConnect({alice.get(), bob.get()}, room, 20s)) << Context();
  for (RoomParticipant* p : {alice.get(), bob.get()}) {
    ASSERT_TRUE(p->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate, 15s)) << p->Describe(true) << Context();
    ASSERT_TRUE(p->Received().WaitForMoreVideo(3, 15s)) << p->Describe(true) << Context();
  }
  const double sinceJoining = std::chrono::duration<double>(std::chrono::steady_clock::now() - joining).count();

  const std::string firstMedia = "plenum_join_first_media_seconds";
  const double inBefore = before.HistogramCount(firstMedia, {{"direction", "in"}}).value_or(-1);
  const double outBefore = before.HistogramCount(firstMedia, {{"direction", "out"}}).value_or(-1);
  const PrometheusScrape during = ScrapeUntil(
      Server(),
      [&](const PrometheusScrape& s) {
        return s.HistogramCount(firstMedia, {{"direction", "in"}}) == inBefore + 2 &&
               s.HistogramCount(firstMedia, {{"direction", "out"}}) == outBefore + 2;
      },
      5s);
  ASSERT_TRUE(PassesPromtool(during.Text())) << Context();
  EXPECT_EQ(Counter(during, "plenum_joins_total") - Counter(before, "plenum_joins_total"), 2) << during.Text();
  EXPECT_EQ(during.Value("plenum_participants"), 2) << during.Text();
  EXPECT_EQ(during.Value("plenum_rooms_active"), 1) << during.Text();
  for (const char* direction : {"in", "out"}) {
    const MetricLabels labels{{"direction", direction}};
    EXPECT_EQ(
        during.HistogramCount(firstMedia, labels).value_or(-1) - before.HistogramCount(firstMedia, labels).value_or(0),
        2)
        << direction << "\n"
        << during.Text();
    // Each participant's first packet came after its join and before
    // both clients had media: more than nothing, less than that wait.
    const double sum =
        during.HistogramSum(firstMedia, labels).value_or(-1) - before.HistogramSum(firstMedia, labels).value_or(0);
    std::cout << "join to first media " << direction << ": " << sum / 2 << " s on average\n";
    EXPECT_GT(sum, 0.001) << direction << "\n" << during.Text();
    EXPECT_LT(sum, 2 * sinceJoining) << direction << "\n" << during.Text();
    EXPECT_TRUE(WellFormedHistogram(during, firstMedia, labels)) << during.Text();
  }

  // A malformed join (no room): one bad-request, exactly.
  const double badBefore = Counter(during, "plenum_errors_total", {{"code", "bad-request"}});
  auto stranger = Connect();
  ASSERT_TRUE(stranger->SendRaw(R"({"type":"join","name":"nobody"})"));
  ASSERT_TRUE(ReceivesError(*stranger, "bad-request", 5s)) << Context();
  const PrometheusScrape afterBad = ScrapeMetrics(Server());
  EXPECT_EQ(Counter(afterBad, "plenum_errors_total", {{"code", "bad-request"}}) - badBefore, 1) << afterBad.Text();
  // A REST error is counted too, by its code.
  const double notFoundBefore = Counter(afterBad, "plenum_errors_total", {{"code", "not-found"}});
  ASSERT_EQ(Server().Get("/api/v1/rooms/" + UniqueRoom("nosuchroom")).status, 404);
  EXPECT_EQ(Counter(ScrapeMetrics(Server()), "plenum_errors_total", {{"code", "not-found"}}) - notFoundBefore, 1);
  stranger.reset();  // never joined: no leave

  // bob leaves; alice's socket closes.
  const MetricLabels leave{{"reason", "leave"}}, closed{{"reason", "socket-closed"}};
  ASSERT_TRUE(bob->Leave(5s)) << Context();
  const PrometheusScrape afterLeave = ScrapeUntil(
      Server(), [&](const PrometheusScrape& s) { return Counter(s, "plenum_leaves_total", leave) > 0; }, 5s);
  EXPECT_EQ(Counter(afterLeave, "plenum_leaves_total", leave) - Counter(before, "plenum_leaves_total", leave), 1)
      << afterLeave.Text();
  EXPECT_EQ(Counter(afterLeave, "plenum_leaves_total", closed) - Counter(before, "plenum_leaves_total", closed), 0)
      << afterLeave.Text();
  alice.reset();
  const PrometheusScrape afterClose = ScrapeUntil(
      Server(), [&](const PrometheusScrape& s) { return Counter(s, "plenum_leaves_total", closed) > 0; }, 5s);
  EXPECT_EQ(Counter(afterClose, "plenum_leaves_total", closed) - Counter(before, "plenum_leaves_total", closed), 1)
      << afterClose.Text();
  EXPECT_EQ(afterClose.Value("plenum_participants"), 0) << afterClose.Text();
  EXPECT_EQ(afterClose.Sum("plenum_leaves_total"), 2) << afterClose.Text();
  ASSERT_TRUE(PassesPromtool(afterClose.Text())) << Context();
}

TEST_F(MetricsTest, ProcessFamiliesAgreeWithProc) {
  const pid_t pid = Server().Pid();
  const PrometheusScrape first = ScrapeMetrics(Server());
  // Work for the server between two scrapes: a call with media.
  const std::string room = UniqueRoom("cpu");
  auto alice = Participant(ParticipantOptions("alice", 440, 0xFFFF0000));
  auto bob = Participant(ParticipantOptions("bob", 660, 0xFF0000FF));
  ASSERT_TRUE(AllConnect({alice.get(), bob.get()}, room, 20s)) << Context();
  ASSERT_TRUE(alice->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate, 15s)) << alice->Describe(true);

  const PrometheusScrape scrape = ScrapeMetrics(Server());
  // Read right after the scrape, while the call goes on: a descriptor or
  // two may come and go in between (the scrape's own socket among them).
  const double fds = static_cast<double>(OpenFdsOf(pid));
  const double rss = VmRssBytesOf(pid);
  EXPECT_NEAR(Counter(scrape, "process_open_fds"), fds, 4) << scrape.Text();
  EXPECT_NEAR(Counter(scrape, "process_resident_memory_bytes"), rss, 0.1 * rss) << scrape.Text();
  EXPECT_GT(Counter(scrape, "process_cpu_seconds_total"), Counter(first, "process_cpu_seconds_total"))
      << "no CPU time for a call\n"
      << scrape.Text();
  EXPECT_GE(Counter(scrape, "process_virtual_memory_bytes"), Counter(scrape, "process_resident_memory_bytes"));
  EXPECT_GT(Counter(scrape, "process_threads"), 2) << scrape.Text();
  EXPECT_GE(Counter(scrape, "process_max_fds"), fds) << scrape.Text();
  // Started a moment ago, by the wall clock.
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(Counter(scrape, "process_start_time_seconds"), now + 1) << scrape.Text();
  EXPECT_GT(Counter(scrape, "process_start_time_seconds"), now - 600) << scrape.Text();
}

// A control thread that stops answering (stopped for real, with ptrace)
// costs the scrape its room gauges, not the scrape: the process and media
// families, and how long the thread has been stuck, are what an
// administrator needs then.
class StalledMetricsTest : public ServerTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--control-stall-seconds=1"}; }
};

TEST_F(StalledMetricsTest, AStuckControlThreadLeavesTheRestOfTheScrape) {
  ASSERT_EQ(ScrapeMetrics(Server()).Value("plenum_control_stalled_seconds"), 0) << Context();
  const pid_t control = ThreadNamed(Server().Pid(), "plenum-control");
  ASSERT_GE(control, 0) << "no thread called plenum-control" << Context();
  StoppedThread stopped(control);
  const PrometheusScrape stuck = ScrapeUntil(
      Server(), [](const PrometheusScrape& s) { return s.Value("plenum_control_stalled_seconds").value_or(0) > 0; },
      10s);
  EXPECT_GT(stuck.Value("plenum_control_stalled_seconds").value_or(0), 0) << stuck.Text();
  EXPECT_FALSE(stuck.Value("plenum_rooms")) << "a room gauge without the control thread\n" << stuck.Text();
  for (const char* name : {"plenum_joins_total", "process_cpu_seconds_total", "process_open_fds"})
    EXPECT_TRUE(stuck.Value(name)) << name << " missing\n" << stuck.Text();
  EXPECT_GT(stuck.Sum("plenum_media_packets_total"), -1) << stuck.Text();
  EXPECT_TRUE(stuck.Families().count("plenum_media_packets_total")) << stuck.Text();
  EXPECT_TRUE(PassesPromtool(stuck.Text()));

  ASSERT_TRUE(stopped.Release(5s));
  const PrometheusScrape again = ScrapeUntil(
      Server(), [](const PrometheusScrape& s) { return s.Value("plenum_rooms").has_value(); }, 10s);
  EXPECT_EQ(again.Value("plenum_rooms"), 0) << again.Text();
  EXPECT_EQ(again.Value("plenum_control_stalled_seconds"), 0) << again.Text();
}

// The names a PromQL expression reads: identifiers that are neither
// functions, aggregations nor keywords, once strings, label matchers,
// ranges and grouping clauses are taken out.
std::set<std::string> MetricNamesIn(std::string expr) {
  static const std::regex strings(R"("(\\.|[^"\\])*")");
  static const std::regex matchers(R"(\{[^}]*\})");
  static const std::regex ranges(R"(\[[^\]]*\])");
  static const std::regex grouping(R"(\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\))");
  static const std::regex offsets(R"(\boffset\s+\S+)");
  static const std::regex identifier(R"([A-Za-z_:][A-Za-z0-9_:]*)");
  static const std::set<std::string> keywords = {"and", "or",       "unless",     "bool",        "by",     "without",
                                                 "on",  "ignoring", "group_left", "group_right", "offset", "e",
                                                 "Inf", "NaN",      "inf",        "nan"};
  for (const std::regex* drop : {&strings, &matchers, &ranges, &grouping, &offsets})
    expr = std::regex_replace(expr, *drop, " ");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), identifier); it != std::sregex_iterator(); ++it) {
    const std::string name = it->str();
    const auto after = expr.find_first_not_of(" \t\n", static_cast<std::size_t>(it->position() + it->length()));
    const bool call = after != std::string::npos && expr[after] == '(';
    const bool inNumber = it->position() > 0 && (std::isdigit(static_cast<unsigned char>(expr[it->position() - 1])) ||
                                                 expr[it->position() - 1] == '.');
    if (call || inNumber || keywords.count(name) || name[0] == '$') continue;
    names.insert(name);
  }
  return names;
}

void CollectExprs(const Poco::Dynamic::Var& node, std::vector<std::string>& exprs, int& panels) {
  if (node.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto object = node.extract<Poco::JSON::Object::Ptr>();
    if (object->has("gridPos") && object->has("targets")) ++panels;
    for (const auto& [key, value] : *object) {
      if (key == "expr" && value.isString()) exprs.push_back(value.toString());
      CollectExprs(value, exprs, panels);
    }
  } else if (node.type() == typeid(Poco::JSON::Array::Ptr)) {
    for (const auto& value : *node.extract<Poco::JSON::Array::Ptr>()) CollectExprs(value, exprs, panels);
  }
}

TEST(MetricNames, ReadFromPromQl) {
  EXPECT_EQ(MetricNamesIn(R"(histogram_quantile(0.95, sum by (le, direction) )"
                          R"((rate(plenum_join_first_media_seconds_bucket{direction="in"}[$__rate_interval]))))"),
            (std::set<std::string>{"plenum_join_first_media_seconds_bucket"}));
  EXPECT_EQ(MetricNamesIn("sum(rate(a_total[5m])) / (sum(rate(a_total[5m])) + sum(rate(b_total[5m]))) * 1e3"),
            (std::set<std::string>{"a_total", "b_total"}));
  EXPECT_EQ(MetricNamesIn(R"(sum without (code) (plenum_errors_total{code=~"bad-.*"}) > bool 0)"),
            (std::set<std::string>{"plenum_errors_total"}));
}

TEST_F(MetricsTest, DashboardNamesOnlyExportedSeries) {
  const char* path = std::getenv("PLENUM_GRAFANA_DASHBOARD");
  ASSERT_TRUE(path && *path) << "PLENUM_GRAFANA_DASHBOARD names the dashboard (tests/e2e/meson.build sets it)";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  Poco::Dynamic::Var dashboard;
  ASSERT_NO_THROW(dashboard = Poco::JSON::Parser().parse(text.str())) << path << " is not JSON";
  const auto root = dashboard.extract<Poco::JSON::Object::Ptr>();
  EXPECT_NE(text.str().find("${DS_PROMETHEUS}"), std::string::npos) << "no ${DS_PROMETHEUS} datasource input";
  ASSERT_TRUE(root->has("__inputs")) << "no __inputs: Grafana would not ask for the data source at import";
  std::vector<std::string> exprs;
  int panels = 0;
  CollectExprs(dashboard, exprs, panels);
  EXPECT_GE(panels, 15) << "fewer panels than the metrics call for";

  // One call first, so series that appear with traffic are there too.
  auto alice = Participant(ParticipantOptions("alice", 440, 0xFFFF0000));
  auto bob = Participant(ParticipantOptions("bob", 660, 0xFF0000FF));
  ASSERT_TRUE(AllConnect({alice.get(), bob.get()}, UniqueRoom("dashboard"), 20s)) << Context();
  ASSERT_TRUE(alice->Received().WaitForMoreAudio(ReceivedMedia::kSampleRate, 15s)) << alice->Describe(true);
  const std::set<std::string> exported = ScrapeMetrics(Server()).SeriesNames();
  std::set<std::string> used;
  for (const std::string& expr : exprs) {
    const std::set<std::string> names = MetricNamesIn(expr);
    EXPECT_FALSE(names.empty()) << "an expression naming no series: " << expr;
    for (const std::string& name : names) {
      used.insert(name);
      EXPECT_TRUE(exported.count(name)) << name << " (in " << expr << ") is not exported";
    }
  }
  // The dashboard covers both halves and the process.
  for (const char* name :
       {"plenum_joins_total", "plenum_join_first_media_seconds_bucket", "plenum_errors_total",
        "plenum_media_packets_total", "plenum_media_packets_lost_total", "plenum_composite_frames_encoded_total",
        "plenum_audio_tick_lateness_seconds_bucket", "process_cpu_seconds_total", "process_open_fds"}) {
    EXPECT_TRUE(used.count(name)) << "no panel reads " << name;
  }
}

}  // namespace
}  // namespace plenum::test
