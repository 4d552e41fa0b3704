#include "common/PrometheusText.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace plenum::common {

namespace {

const char* TypeName(PrometheusType type) {
  switch (type) {
    case PrometheusType::kCounter: return "counter";
    case PrometheusType::kGauge: return "gauge";
    case PrometheusType::kHistogram: return "histogram";
  }
  return "untyped";
}

// HELP text escapes only backslash and newline (the format's rule).
std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string PrometheusText::EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PrometheusText::FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest text that reads back as the same double: integers stay
  // integers ("3", not "3.000000").
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void PrometheusText::Family(std::string_view name, PrometheusType type, std::string_view help) {
  family_ = std::string(name);
  type_ = type;
  text_ += "# HELP ";
  text_ += family_;
  text_ += ' ';
  text_ += EscapeHelp(help);
  text_ += "\n# TYPE ";
  text_ += family_;
  text_ += ' ';
  text_ += TypeName(type);
  text_ += '\n';
}

void PrometheusText::WriteSample(std::string_view suffix, const PrometheusLabels& labels,
                                 const std::pair<std::string, std::string>* extra, double value) {
  text_ += family_;
  text_ += suffix;
  if (!labels.empty() || extra != nullptr) {
    text_ += '{';
    bool first = true;
    auto append = [&](const std::pair<std::string, std::string>& label) {
      if (!first) text_ += ',';
      first = false;
      text_ += label.first;
      text_ += "=\"";
      text_ += EscapeLabelValue(label.second);
      text_ += '"';
    };
    for (const auto& label : labels) append(label);
    if (extra != nullptr) append(*extra);
    text_ += '}';
  }
  text_ += ' ';
  text_ += FormatValue(value);
  text_ += '\n';
}

void PrometheusText::Sample(const PrometheusLabels& labels, double value) {
  if (family_.empty() || type_ == PrometheusType::kHistogram) {
    throw std::logic_error("PrometheusText::Sample outside a counter or gauge family");
  }
  WriteSample("", labels, nullptr, value);
}

void PrometheusText::Histogram(const PrometheusLabels& labels, const HistogramSnapshot& histogram) {
  if (family_.empty() || type_ != PrometheusType::kHistogram) {
    throw std::logic_error("PrometheusText::Histogram outside a histogram family");
  }
  if (histogram.bucket_counts.size() != histogram.upper_bounds.size() + 1) {
    throw std::invalid_argument("HistogramSnapshot needs one count per bound plus +Inf");
  }
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < histogram.upper_bounds.size(); ++i) {
    cumulative += histogram.bucket_counts[i];
    std::pair<std::string, std::string> le{"le", FormatValue(histogram.upper_bounds[i])};
    WriteSample("_bucket", labels, &le, static_cast<double>(cumulative));
  }
  cumulative += histogram.bucket_counts.back();
  std::pair<std::string, std::string> inf{"le", "+Inf"};
  WriteSample("_bucket", labels, &inf, static_cast<double>(cumulative));
  WriteSample("_sum", labels, nullptr, histogram.sum);
  WriteSample("_count", labels, nullptr, static_cast<double>(cumulative));
}

}  // namespace plenum::common
