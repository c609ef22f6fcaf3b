// XML -> JSON with Newtonsoft's mapping (what CCP's XML responses are matched against): a small,
// bounded, non-validating reader; no DTDs or external entities are ever resolved.
#include <cstdlib>
#include <cstring>

#include "core/value.h"
#include "json/value_json.h"
#include "poll/formats.h"

namespace intake::poll {

namespace {

constexpr int kMaxDepth = 256;

class XmlReader {
 public:
  explicit XmlReader(std::string_view s) : s_(s) {}

  Result<Value> document() {
    skip_misc();
    if (!at('<')) return error("expected the root element");
    std::string name;
    auto root = element(name, 0);
    if (!root) return root;
    skip_misc();
    if (pos_ < s_.size()) return error("text after the root element");
    return Value(Object{{name, std::move(*root)}});
  }

 private:
  std::unexpected<Error> error(const std::string& what) const {
    int line = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) line += s_[i] == '\n';
    return fail("xml line " + std::to_string(line), what);
  }
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool starts(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  // Declarations, processing instructions, comments and DOCTYPE carry no data.
  void skip_misc() {
    while (true) {
      skip_ws();
      size_t end = std::string_view::npos;
      if (starts("<?")) end = s_.find("?>", pos_);
      else if (starts("<!--")) end = s_.find("-->", pos_);
      else if (starts("<!DOCTYPE")) end = s_.find('>', pos_);
      else return;
      pos_ = end == std::string_view::npos ? s_.size() : end + (s_[end] == '>' ? 1 : (s_[end] == '?' ? 2 : 3));
    }
  }
  std::string name() {
    size_t start = pos_;
    while (pos_ < s_.size() && !std::strchr(" \t\r\n/>=", s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  Result<std::string> decode(std::string_view raw) const {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      size_t semi = raw.find(';', i);
      if (semi == std::string_view::npos) return error("an entity without ';'");
      std::string_view ent = raw.substr(i + 1, semi - i - 1);
      if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "amp") out += '&';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else if (ent.starts_with("#")) {
        unsigned long cp = std::strtoul(std::string(ent.substr(ent.starts_with("#x") ? 2 : 1)).c_str(), nullptr,
                                        ent.starts_with("#x") ? 16 : 10);
        if (cp < 0x80) out += static_cast<char>(cp);
        else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
          out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F));
        }
      } else {
        return error("unknown entity '&" + std::string(ent) + ";' (external entities are not resolved)");
      }
      i = semi;
    }
    return out;
  }

  // Adds a child to an object, turning repeated names into arrays (Newtonsoft's grouping).
  static void add(Object& obj, const std::string& key, Value v) {
    for (auto& [k, existing] : obj) {
      if (k != key) continue;
      Array a = existing.is_array() ? existing.as_array() : Array{existing};
      a.push_back(std::move(v));
      existing = Value(std::move(a));
      return;
    }
    obj.emplace_back(key, std::move(v));
  }

  Result<Value> element(std::string& tag, int depth) {
    if (depth > kMaxDepth) return error("elements nested deeper than " + std::to_string(kMaxDepth));
    ++pos_;  // '<'
    tag = name();
    if (tag.empty()) return error("an element without a name");
    Object obj;
    while (true) {
      skip_ws();
      if (starts("/>")) {
        pos_ += 2;
        return obj.empty() ? Value() : Value(std::move(obj));
      }
      if (at('>')) {
        ++pos_;
        break;
      }
      std::string attr = name();
      skip_ws();
      if (attr.empty() || !at('=')) return error("a malformed attribute in <" + tag + ">");
      ++pos_;
      skip_ws();
      if (!at('"') && !at('\'')) return error("an attribute value without quotes in <" + tag + ">");
      char q = s_[pos_++];
      size_t end = s_.find(q, pos_);
      if (end == std::string_view::npos) return error("an unterminated attribute value");
      auto value = decode(s_.substr(pos_, end - pos_));
      if (!value) return std::unexpected(value.error());
      obj.emplace_back("@" + attr, Value(std::move(*value)));
      pos_ = end + 1;
    }
    std::string text;
    bool has_children = false;
    while (true) {
      if (pos_ >= s_.size()) return error("<" + tag + "> is never closed");
      if (starts("</")) {
        pos_ += 2;
        std::string closing = name();
        skip_ws();
        if (closing != tag || !at('>')) return error("</" + closing + "> does not close <" + tag + ">");
        ++pos_;
        break;
      }
      if (starts("<![CDATA[")) {
        size_t end = s_.find("]]>", pos_);
        if (end == std::string_view::npos) return error("an unterminated CDATA section");
        add(obj, "#cdata-section", Value(std::string(s_.substr(pos_ + 9, end - pos_ - 9))));
        has_children = true;
        pos_ = end + 3;
      } else if (starts("<!--")) {
        size_t end = s_.find("-->", pos_);
        pos_ = end == std::string_view::npos ? s_.size() : end + 3;
      } else if (starts("<?")) {
        size_t end = s_.find("?>", pos_);
        pos_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else if (at('<')) {
        std::string child_tag;
        auto child = element(child_tag, depth + 1);
        if (!child) return child;
        add(obj, child_tag, std::move(*child));
        has_children = true;
      } else {
        size_t end = s_.find('<', pos_);
        if (end == std::string_view::npos) end = s_.size();
        auto t = decode(s_.substr(pos_, end - pos_));
        if (!t) return std::unexpected(t.error());
        text += *t;
        pos_ = end;
      }
    }
    bool blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
    if (obj.empty() && !has_children) return blank && text.empty() ? Value() : Value(std::move(text));
    if (!blank) add(obj, "#text", Value(std::move(text)));
    return Value(std::move(obj));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::string> xml_to_json(std::string_view body) {
  auto v = XmlReader(body).document();
  if (!v) return std::unexpected(v.error());
  return json::to_json(*v);
}

}  // namespace intake::poll
