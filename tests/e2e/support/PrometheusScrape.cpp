#include "support/PrometheusScrape.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace plenum::test {

namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Reads a metric or label name at `pos`; empty when there is none.
std::string ReadName(const std::string& line, std::size_t& pos, bool metric) {
  const std::size_t start = pos;
  if (pos >= line.size() || !IsNameStart(line[pos]) || (!metric && line[pos] == ':')) return {};
  ++pos;
  while (pos < line.size() && IsNameChar(line[pos]) && (metric || line[pos] != ':')) ++pos;
  return line.substr(start, pos - start);
}

std::optional<double> ParseValue(const std::string& text) {
  if (text == "+Inf" || text == "Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
  // strtod takes "inf", "nan" and hex; the format does not.
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return std::nullopt;
  }
  return value;
}

// The family a sample belongs to: itself, or for histograms and summaries
// its name without _bucket/_sum/_count.
std::string FamilyOf(const std::string& sample, const std::map<std::string, std::string>& types) {
  if (types.count(sample)) return sample;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (sample.size() > s.size() && sample.compare(sample.size() - s.size(), s.size(), s) == 0) {
      const std::string base = sample.substr(0, sample.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary") &&
          (s != "_bucket" || it->second == "histogram")) {
        return base;
      }
    }
  }
  return {};
}

[[noreturn]] void Fail(std::size_t lineNumber, const std::string& line, const std::string& why) {
  throw std::invalid_argument("metrics line " + std::to_string(lineNumber) + ": " + why + ": " + line);
}

}  // namespace

PrometheusScrape PrometheusScrape::Parse(const std::string& text) {
  PrometheusScrape scrape;
  scrape.text_ = text;
  std::set<std::string> helped;
  std::set<std::string> seen;  // name{labels} already read
  std::istringstream in(text);
  std::string line;
  std::size_t number = 0;
  if (!text.empty() && text.back() != '\n') throw std::invalid_argument("metrics text does not end with a newline");
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream comment(line);
      std::string hash, keyword, name;
      comment >> hash >> keyword >> name;
      if (hash != "#" || (keyword != "HELP" && keyword != "TYPE")) continue;  // a plain comment
      std::size_t pos = 0;
      if (ReadName(name, pos, true) != name) Fail(number, line, "bad family name");
      if (keyword == "HELP") {
        if (!helped.insert(name).second) Fail(number, line, "second HELP");
        continue;
      }
      std::string type, extra;
      comment >> type;
      if (comment >> extra) Fail(number, line, "text after the type");
      if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped")
        Fail(number, line, "unknown type");
      if (!scrape.types_.emplace(name, type).second) Fail(number, line, "family declared twice");
      continue;
    }
    MetricSample sample;
    std::size_t pos = 0;
    sample.name = ReadName(line, pos, true);
    if (sample.name.empty()) Fail(number, line, "no metric name");
    if (pos < line.size() && line[pos] == '{') {
      ++pos;
      while (true) {
        if (pos < line.size() && line[pos] == '}') {
          ++pos;
          break;
        }
        const std::string label = ReadName(line, pos, false);
        if (label.empty()) Fail(number, line, "bad label name");
        if (pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"') Fail(number, line, "label without =\"");
        pos += 2;
        std::string value;
        while (true) {
          if (pos >= line.size()) Fail(number, line, "unterminated label value");
          const char c = line[pos++];
          if (c == '"') break;
          if (c != '\\') {
            value += c;
            continue;
          }
          if (pos >= line.size()) Fail(number, line, "unterminated escape");
          const char escaped = line[pos++];
          if (escaped == '\\') {
            value += '\\';
          } else if (escaped == '"') {
            value += '"';
          } else if (escaped == 'n') {
            value += '\n';
          } else {
            Fail(number, line, "unknown escape");
          }
        }
        if (!sample.labels.emplace(label, value).second) Fail(number, line, "label repeated");
        if (pos < line.size() && line[pos] == ',')
          ++pos;
        else if (pos >= line.size() || line[pos] != '}')
          Fail(number, line, "expected , or }");
      }
    }
    if (pos >= line.size() || line[pos] != ' ') Fail(number, line, "no space before the value");
    std::istringstream rest(line.substr(pos));
    std::string valueText, timestamp, extra;
    rest >> valueText >> timestamp;
    if (rest >> extra) Fail(number, line, "text after the value");
    const auto value = ParseValue(valueText);
    if (!value) Fail(number, line, "bad value");
    sample.value = *value;
    const std::string family = FamilyOf(sample.name, scrape.types_);
    if (family.empty()) Fail(number, line, "sample of no declared family");
    const std::string& type = scrape.types_.at(family);
    if (type == "histogram" && sample.name == family) Fail(number, line, "histogram sample without suffix");
    if (sample.name == family + "_bucket" && !sample.labels.count("le")) Fail(number, line, "bucket without le");
    if (type == "counter" && (std::isnan(sample.value) || sample.value < 0)) Fail(number, line, "negative counter");
    std::ostringstream key;
    key << sample.name;
    for (const auto& [k, v] : sample.labels) key << ',' << k << '=' << v;
    if (!seen.insert(key.str()).second) Fail(number, line, "sample repeated");
    scrape.samples_.push_back(std::move(sample));
  }
  return scrape;
}

std::optional<double> PrometheusScrape::Value(const std::string& name, const MetricLabels& labels) const {
  for (const MetricSample& sample : samples_) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return std::nullopt;
}

double PrometheusScrape::Sum(const std::string& name, const MetricLabels& labels) const {
  double sum = 0;
  for (const MetricSample& sample : samples_) {
    if (sample.name != name) continue;
    bool all = true;
    for (const auto& [key, value] : labels) {
      auto it = sample.labels.find(key);
      all = all && it != sample.labels.end() && it->second == value;
    }
    if (all) sum += sample.value;
  }
  return sum;
}

std::set<std::string> PrometheusScrape::SeriesNames() const {
  std::set<std::string> names;
  for (const auto& [family, type] : types_) {
    names.insert(family);
    if (type == "histogram") names.insert(family + "_bucket");
    if (type == "histogram" || type == "summary") {
      names.insert(family + "_sum");
      names.insert(family + "_count");
    }
  }
  return names;
}

PrometheusScrape ScrapeMetrics(const ServerProcess& server) {
  const HttpResult result = server.Get("/metrics");
  if (result.status != 200) throw std::runtime_error("GET /metrics: " + result.Describe());
  return PrometheusScrape::Parse(result.body);
}

}  // namespace plenum::test
