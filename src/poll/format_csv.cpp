#include <string>
#include <vector>

#include "json/value_json.h"
#include "poll/formats.h"

namespace intake::poll {

namespace {

// One CSV record at a time: fields are copied a run of bytes at a time into strings whose
// capacity is kept from record to record, and each record is written out as JSON at once, so a
// page costs no allocation per field.
class CsvReader {
 public:
  CsvReader(std::string_view body, const CsvOptions& o) : body_(body), o_(o) {}

  bool done() const { return i_ >= body_.size(); }

  // Reads the next record into fields(); fails on a quoted field that is never closed.
  Status next() {
    count_ = 0;
    while (true) {
      std::string& f = next_field();
      if (i_ < body_.size() && body_[i_] == o_.quote) {
        if (auto ok = quoted(f); !ok) return ok;
      }
      // Unquoted text (or text after a closing quote) runs to the delimiter or the line's end;
      // quotes inside it are literal. A \r before the \n is part of the line break.
      size_t j = i_;
      while (j < body_.size() && body_[j] != o_.delimiter && body_[j] != '\n') ++j;
      size_t e = j;
      if (j < body_.size() && body_[j] == '\n' && e > i_ && body_[e - 1] == '\r') --e;
      f.append(body_.data() + i_, e - i_);
      i_ = j;
      if (i_ < body_.size() && body_[i_] == o_.delimiter) {
        ++i_;
        continue;
      }
      if (i_ < body_.size()) {
        ++i_;  // the newline
        ++line_;
      }
      return {};
    }
  }

  size_t size() const { return count_; }
  const std::string& field(size_t c) const { return fields_[c]; }
  // A line with nothing on it (one empty field) is no record.
  bool blank() const { return count_ == 1 && fields_[0].empty(); }

 private:
  std::string& next_field() {
    if (count_ == fields_.size()) fields_.emplace_back();
    std::string& f = fields_[count_++];
    f.clear();
    return f;
  }

  Status quoted(std::string& f) {
    const int opened = line_;
    ++i_;
    while (true) {
      size_t j = i_;
      while (j < body_.size() && body_[j] != o_.quote) {
        if (body_[j] == '\n') ++line_;
        ++j;
      }
      f.append(body_.data() + i_, j - i_);
      if (j >= body_.size()) return fail("csv line " + std::to_string(opened), "a quoted field is never closed");
      if (j + 1 < body_.size() && body_[j + 1] == o_.quote) {
        f += o_.quote;  // a doubled quote stands for one
        i_ = j + 2;
        continue;
      }
      i_ = j + 1;
      return {};
    }
  }

  std::string_view body_;
  const CsvOptions& o_;
  size_t i_ = 0;
  int line_ = 1;
  std::vector<std::string> fields_;
  size_t count_ = 0;
};

}  // namespace

Result<std::string> csv_to_json(std::string_view body, const CsvOptions& options) {
  CsvReader reader(body, options);
  // `"name":` of each column, encoded once; columns without a header name are Column1, Column2, ...
  std::vector<std::string> keys;
  auto key = [&](size_t c) -> const std::string& {
    while (keys.size() <= c) {
      std::string k;
      json::append_json_string(k, "Column" + std::to_string(keys.size() + 1));
      keys.push_back(std::move(k) + ':');
    }
    return keys[c];
  };
  bool header = options.header;
  std::string out;
  out.reserve(body.size() + body.size() / 2 + 2);
  out += '[';
  bool first = true;
  while (!reader.done()) {
    if (auto ok = reader.next(); !ok) return std::unexpected(ok.error());
    if (reader.blank()) continue;
    if (header) {
      header = false;
      for (size_t c = 0; c < reader.size(); ++c) {
        if (reader.field(c).empty()) {
          key(c);
          continue;
        }
        std::string k;
        json::append_json_string(k, reader.field(c));
        k += ':';
        if (c < keys.size()) keys[c] = std::move(k);
        else keys.push_back(std::move(k));
      }
      continue;
    }
    if (!first) out += ',';
    first = false;
    out += '{';
    for (size_t c = 0; c < reader.size(); ++c) {
      if (c) out += ',';
      out += key(c);
      json::append_json_string(out, reader.field(c));
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
