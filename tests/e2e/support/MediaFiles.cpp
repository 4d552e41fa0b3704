#include "support/MediaFiles.hpp"

#include "support/CommandRun.hpp"
#include "testclient/Analysis.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

}  // namespace

std::vector<std::string> Streams(const std::string& file, bool sizes) {
  const CommandRun run = RunCommand(
      kFfprobe, {"-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height", "-of", "csv=p=0", file},
      30s);
  std::vector<std::string> streams;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    // csv prints codec_name first: "h264,video,640,360", "opus,audio".
    std::vector<std::string> fields;
    std::istringstream parts(line);
    for (std::string field; std::getline(parts, field, ',');) fields.push_back(field);
    if (fields.size() < 2) continue;
    std::string stream = fields[1] + ":" + fields[0];
    if (sizes && fields[1] == "video" && fields.size() >= 4) stream += ":" + fields[2] + "x" + fields[3];
    streams.push_back(stream);
  }
  std::sort(streams.begin(), streams.end());
  streams.erase(std::unique(streams.begin(), streams.end()), streams.end());
  return streams;
}

std::vector<float> DecodeAudio(const std::string& file, const std::string& scratch) {
  const std::string raw = scratch + "/audio.s16";
  fs::remove(raw);
  RunCommand(kFfmpeg,
             {"-v", "error", "-i", file, "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-ar",
              std::to_string(kDecodedSampleRate), raw},
             120s);
  std::ifstream in(raw, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> samples(bytes.size() / 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    std::int16_t s;
    std::memcpy(&s, bytes.data() + 2 * i, 2);
    samples[i] = static_cast<float>(s) / 32768.0f;
  }
  return samples;
}

std::vector<float> DecodedAudio(const std::string& file, const std::string& scratch, double seconds) {
  std::vector<float> samples = DecodeAudio(file, scratch);
  const std::size_t keep = static_cast<std::size_t>(seconds * kDecodedSampleRate);
  if (samples.size() > keep) samples.erase(samples.begin(), samples.end() - static_cast<std::ptrdiff_t>(keep));
  return samples;
}

RgbFrame LastFrame(const std::string& file, const std::string& scratch, int width, int height) {
  const std::string raw = scratch + "/frame.rgb";
  fs::remove(raw);
  RunCommand(kFfmpeg,
             {"-v", "error", "-sseof", "-1", "-i", file, "-map", "0:v:0", "-update", "1", "-s",
              std::to_string(width) + "x" + std::to_string(height), "-f", "rawvideo", "-pix_fmt", "rgb24", raw},
             30s);
  std::ifstream in(raw, std::ios::binary);
  RgbFrame frame;
  frame.rgb.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  const std::size_t size = static_cast<std::size_t>(width) * height * 3;
  if (frame.rgb.size() < size) return {};
  frame.rgb.erase(frame.rgb.begin(), frame.rgb.end() - static_cast<std::ptrdiff_t>(size));  // the last one
  frame.width = width;
  frame.height = height;
  return frame;
}

double ToneOverNoiseDb(const std::vector<float>& audio, double hz) {
  return PowerRatioDb(GoertzelPower(audio, hz, kDecodedSampleRate),
                      GoertzelPower(audio, kNoiseProbeHz, kDecodedSampleRate));
}

}  // namespace plenum::test
