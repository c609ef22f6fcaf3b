#include "cli/result_format.h"

#include <algorithm>

#include "core/time.h"
#include "json/value_json.h"

namespace intake::cli {

std::string cell_text(const Value& v) {
  switch (v.kind()) {
    case Kind::Null: return "";
    case Kind::String: return v.as_string();
    case Kind::Bool: return v.as_bool() ? "true" : "false";
    case Kind::DateTime: return format_iso8601(v.as_datetime());
    case Kind::TimeSpan: return format_timespan(v.as_timespan());
    case Kind::Guid: return format_guid(v.as_guid());
    case Kind::Real: return format_real(v.as_real());
    default: return json::to_json(v);
  }
}

namespace {
// Display width in code points (UTF-8 continuation bytes do not count).
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
std::string clip(std::string s, size_t max) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (width(s) <= max) return s;
  std::string out;
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80 && ++n > max - 1) break;
    out += static_cast<char>(c);
  }
  return out + "…";
}
}  // namespace

void print_table(std::ostream& out, const kql::Table& t, size_t max_width) {
  size_t n = t.schema.columns.size();
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> w(n);
  for (size_t c = 0; c < n; ++c) w[c] = width(t.schema.columns[c].name);
  for (const auto& row : t.rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < n; ++c) {
      line.push_back(clip(c < row.size() ? cell_text(row[c]) : "", max_width));
      w[c] = std::max(w[c], width(line.back()));
    }
    cells.push_back(std::move(line));
  }
  auto emit = [&](const std::vector<std::string>& line) {
    for (size_t c = 0; c < n; ++c) {
      out << line[c];
      if (c + 1 < n) out << std::string(w[c] - width(line[c]) + 2, ' ');
    }
    out << '\n';
  };
  std::vector<std::string> header, rule;
  for (size_t c = 0; c < n; ++c) {
    header.push_back(t.schema.columns[c].name);
    rule.push_back(std::string(w[c], '-'));
  }
  emit(header);
  emit(rule);
  for (const auto& line : cells) emit(line);
  out << "(" << t.rows.size() << " row" << (t.rows.size() == 1 ? "" : "s") << ")\n";
}

void print_ndjson(std::ostream& out, const kql::Table& t) {
  std::string line;
  for (const auto& row : t.rows) {
    Object o;
    for (size_t c = 0; c < t.schema.columns.size() && c < row.size(); ++c) o.emplace_back(t.schema.columns[c].name, row[c]);
    line.clear();
    json::append_json(line, Value(std::move(o)));
    out << line << '\n';
  }
}

void print_csv(std::ostream& out, const kql::Table& t) {
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  };
  for (size_t c = 0; c < t.schema.columns.size(); ++c) out << (c ? "," : "") << field(t.schema.columns[c].name);
  out << "\r\n";
  for (const auto& row : t.rows) {
    for (size_t c = 0; c < t.schema.columns.size(); ++c) out << (c ? "," : "") << field(c < row.size() ? cell_text(row[c]) : "");
    out << "\r\n";
  }
}

}  // namespace intake::cli
