// plenum-room-cost: what a room on the new transport and audio engine
// (mixer/RoomMedia) costs its media worker, with N real WebRTC peers
// (webrtcbin test clients, audio only, every one talking and sending RFC
// 6464 levels) in this process, over loopback, with no server and no
// signaling. The worker thread's own CPU time is the figure: ICE, DTLS,
// SRTP both ways, RTP parsing and writing, the jitter buffers, the engine's
// tick (3 decodes, 4 encodes) and the fan-out. The clients' cost is not in
// it (they share the machine, so they can make the worker late, which the
// real-time column shows).
//
//   plenum-room-cost [--sizes=8,16,32] [--seconds=10]

#include "support/RoomMediaConference.hpp"
#include "testclient/GstRuntime.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

namespace {

using namespace plenum::test;
using Clock = std::chrono::steady_clock;

std::vector<int> ParseSizes(const char* text) {
  std::vector<int> sizes;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) sizes.push_back(std::atoi(item.c_str()));
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {8, 16, 32};
  double seconds = 10;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--sizes=", 8) == 0) {
      sizes = ParseSizes(argv[i] + 8);
    } else if (std::strncmp(argv[i], "--seconds=", 10) == 0) {
      seconds = std::atof(argv[i] + 10);
    } else {
      std::fprintf(stderr, "usage: plenum-room-cost [--sizes=8,16,32] [--seconds=10]\n");
      return 2;
    }
  }
  EnsureGstReady();
  std::printf("| N | worker CPU, %% of a core | per participant | slowest client's audio, samples/s | "
              "decodes per tick | late ticks | join to all connected, s |\n|---|---|---|---|---|---|---|\n");
  for (const int n : sizes) {
    RoomMediaConference conference(RoomMediaConference::LoopbackOptions(640, 360));
    std::vector<MediaClient*> clients;
    const auto joinStart = Clock::now();
    for (int i = 0; i < n; ++i) {
      MediaClientOptions options;
      options.toneHz = 300.0 + 37.0 * i;
      options.toneVolume = 0.05 + 0.2 * double(i % 5) / 4.0;
      options.sendVideo = false;
      options.receiveVideo = false;
      options.sendAudioLevel = true;
      clients.push_back(&conference.JoinWith("p" + std::to_string(i), options));
    }
    for (MediaClient* client : clients) {
      if (!client->WaitConnected(Scaled(std::chrono::seconds(60)))) {
        std::fprintf(stderr, "N=%d: a client did not connect: %s\n%s", n, client->Describe().c_str(),
                     conference.Notes().c_str());
        return 1;
      }
    }
    const double joined = std::chrono::duration<double>(Clock::now() - joinStart).count();
    int withoutLevels = 0;
    for (MediaClient* client : clients)
      if (client->LocalSdp().find("ssrc-audio-level") == std::string::npos) ++withoutLevels;
    if (withoutLevels) std::fprintf(stderr, "N=%d: %d clients offered no audio level\n", n, withoutLevels);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // warm-up: jitter buffers fill, selection settles

    std::vector<uint64_t> samplesBefore;
    for (MediaClient* client : clients) samplesBefore.push_back(client->Received().Snapshot().audioSamples);
    const auto countersBefore = conference.AudioCounters();
    const auto tickBefore = conference.TickStats();
    const double cpuBefore = conference.WorkerCpuSeconds();
    const auto windowStart = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const double cpu = conference.WorkerCpuSeconds() - cpuBefore;
    const double wall = std::chrono::duration<double>(Clock::now() - windowStart).count();
    const auto counters = conference.AudioCounters();
    const auto tick = conference.TickStats();
    double slowest = 1e9;
    for (size_t i = 0; i < clients.size(); ++i)
      slowest = std::min(slowest, double(clients[i]->Received().Snapshot().audioSamples - samplesBefore[i]) / wall);

    const double core = cpu / wall * 100.0;
    std::printf("| %d | %.2f | %.3f | %.0f | %.2f | %llu | %.1f |\n", n, core, core / n, slowest,
                double(counters.decodes - countersBefore.decodes) / double(counters.ticks - countersBefore.ticks),
                static_cast<unsigned long long>(tick.lateTicks - tickBefore.lateTicks), joined);
    std::fflush(stdout);
  }
  return 0;
}
