#include "json/value_json.h"
#include "poll/formats.h"

namespace intake::poll {

Result<std::string> csv_to_json(std::string_view body, const CsvOptions& options) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  int line = 1, quote_line = 0;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    if (!(record.size() == 1 && record[0].empty())) records.push_back(std::move(record));
    record.clear();
  };
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (quoted) {
      if (c == options.quote) {
        if (i + 1 < body.size() && body[i + 1] == options.quote) {
          field += c;
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == options.quote && !field_started) {
      quoted = true;
      field_started = true;
      quote_line = line;
    } else if (c == options.delimiter) {
      end_field();
    } else if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      ++line;
      end_record();
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) return fail("csv line " + std::to_string(quote_line), "a quoted field is never closed");
  if (field_started || !record.empty()) end_record();

  std::vector<std::string> names;
  size_t first = 0;
  if (options.header && !records.empty()) {
    names = records[0];
    first = 1;
  }
  std::string out = "[";
  for (size_t r = first; r < records.size(); ++r) {
    if (r > first) out += ',';
    out += '{';
    for (size_t c = 0; c < records[r].size(); ++c) {
      if (c) out += ',';
      json::append_json_string(out, c < names.size() && !names[c].empty() ? names[c] : "Column" + std::to_string(c + 1));
      out += ':';
      json::append_json_string(out, records[r][c]);
    }
    out += '}';
  }
  out += ']';
  return out;
}

Result<std::string> ndjson_to_json(std::string_view body) {
  std::string out = "[";
  bool first = true;
  int line = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    std::string_view l = body.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? body.size() : eol + 1;
    ++line;
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    if (l.empty()) continue;
    if (auto v = json::parse(l); !v) return fail("ndjson line " + std::to_string(line), v.error().message);
    if (!first) out += ',';
    first = false;
    out.append(l);
  }
  out += ']';
  return out;
}

}  // namespace intake::poll
