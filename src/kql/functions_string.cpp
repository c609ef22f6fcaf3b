// String functions. Kusto strings are never null: a null argument reads as "" and string results
// are "" rather than null. Lengths and indexes count UTF-8 code points (Kusto counts characters).
// Regex functions use RE2, which is Kusto's regex dialect.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

#include "core/base64.h"
#include "core/time.h"
#include "kql/functions_internal.h"

namespace intake::kql::detail {
namespace {

using Args = std::span<const Value>;
using Bound = std::span<const BoundArg>;
constexpr ColumnType S = ColumnType::String;
constexpr ColumnType L = ColumnType::Long;

Value str(std::string s) { return Value(std::move(s)); }

// ---- length, case, concatenation ----

Value eval_strlen(Args a, const EvalContext&) {
  return Value(static_cast<int64_t>(utf8_length(StringArg(a[0]).get())));
}

template <bool Upper>
Value eval_case(Args a, const EvalContext&) {
  std::string s(StringArg(a[0]).get());
  for (char& c : s) {
    if (Upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!Upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return str(std::move(s));
}

Value eval_strcat(Args a, const EvalContext&) {
  std::string out;
  for (const Value& v : a) out += StringArg(v).get();
  return str(std::move(out));
}

Value eval_strcat_delim(Args a, const EvalContext&) {
  const StringArg delim(a[0]);
  std::string out;
  for (size_t i = 1; i < a.size(); ++i) {
    if (i > 1) out += delim.get();
    out += StringArg(a[i]).get();
  }
  return str(std::move(out));
}

// substring(source, start[, length]) by code points; a negative start clips the window.
Value eval_substring(Args a, const EvalContext&) {
  const StringArg s(a[0]);
  auto start = long_arg(a[1]);
  if (!start) return str("");
  const int64_t total = static_cast<int64_t>(utf8_length(s));
  int64_t end = total;
  if (a.size() > 2) {
    auto len = long_arg(a[2]);
    if (!len || *len < 0) return str("");
    end = *len > total - *start ? total : *start + *len;
  }
  const int64_t from = std::clamp<int64_t>(*start, 0, total);
  end = std::clamp<int64_t>(end, from, total);
  const size_t b = utf8_offset(s, static_cast<size_t>(from));
  const size_t e = utf8_offset(s, static_cast<size_t>(end));
  return str(std::string(s.get().substr(b, e - b)));
}

Value eval_reverse(Args a, const EvalContext&) {
  const StringArg s_arg(a[0]);
  const std::string_view s = s_arg.get();
  std::string out;
  out.reserve(s.size());
  size_t end = s.size();
  while (end > 0) {
    size_t begin = end - 1;
    while (begin > 0 && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80) --begin;
    out.append(s.substr(begin, end - begin));
    end = begin;
  }
  return str(std::move(out));
}

// strrep(value, multiplier[, delimiter]); Kusto caps the multiplier at 1024.
Value eval_strrep(Args a, const EvalContext&) {
  const StringArg s(a[0]);
  auto n = long_arg(a[1]);
  if (!n) return str("");
  const int64_t count = std::min<int64_t>(*n, 1024);
  const std::string delim = a.size() > 2 ? std::string(StringArg(a[2]).get()) : std::string();
  std::string out;
  for (int64_t i = 0; i < count; ++i) {
    if (i) out += delim;
    out += s.get();
  }
  return str(std::move(out));
}

// ---- split, replace, search ----

Value eval_split(Args a, const EvalContext&) {
  const StringArg s(a[0]), delim(a[1]);
  Array parts;
  const std::string_view text = s, d = delim;
  if (d.empty()) {
    parts.emplace_back(text);
  } else {
    size_t pos = 0;
    while (true) {
      const size_t hit = text.find(d, pos);
      parts.emplace_back(text.substr(pos, hit == std::string_view::npos ? std::string_view::npos : hit - pos));
      if (hit == std::string_view::npos) break;
      pos = hit + d.size();
    }
  }
  if (a.size() > 2) {
    auto index = long_arg(a[2]);
    if (!index || *index < 0 || *index >= static_cast<int64_t>(parts.size())) return Value(Array{});
    return Value(Array{parts[static_cast<size_t>(*index)]});
  }
  return Value(std::move(parts));
}

Value eval_replace_string(Args a, const EvalContext&) {
  const StringArg s(a[0]), lookup(a[1]), rewrite(a[2]);
  const std::string_view text = s, from = lookup, to = rewrite;
  if (from.empty()) return str(std::string(text));
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = text.find(from, pos)) != std::string_view::npos; pos = hit + from.size()) {
    out.append(text.substr(pos, hit - pos));
    out.append(to);
  }
  out.append(text.substr(pos));
  return str(std::move(out));
}

re2::StringPiece piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

// replace_regex(source, regex, rewrite): \0..\9 in the rewrite are the captures.
Value eval_replace_regex(Args a, const EvalContext&) {
  const StringArg s(a[0]), pattern(a[1]), rewrite(a[2]);
  auto re = cached_regex(pattern);
  if (!re) return str(std::string(s.get()));
  std::string out(s.get());
  RE2::GlobalReplace(&out, *re, piece(rewrite));
  return str(std::move(out));
}

// trim(regex, source), trim_start, trim_end: removes repeated matches at either end.
template <bool Start, bool End>
Value eval_trim(Args a, const EvalContext&) {
  const StringArg pattern(a[0]), s(a[1]);
  std::string_view text = s;
  const std::string_view p = pattern;
  // The wrapped pattern is built in a reused buffer: no allocation per row once warm.
  thread_local std::string wrapped;
  if (Start) {
    wrapped.assign("^(?:").append(p).append(")+");
    auto re = cached_regex(wrapped);
    re2::StringPiece m;
    if (!re) return str(std::string(text));
    if (re->Match(piece(text), 0, text.size(), RE2::ANCHOR_START, &m, 1)) text.remove_prefix(m.size());
  }
  if (End) {
    wrapped.assign("(?:").append(p).append(")+$");
    auto re = cached_regex(wrapped);
    re2::StringPiece m;
    if (!re) return str(std::string(text));
    if (re->Match(piece(text), 0, text.size(), RE2::UNANCHORED, &m, 1)) text.remove_suffix(m.size());
  }
  return str(std::string(text));
}

// Code-point index of a byte offset.
int64_t char_index(std::string_view s, size_t byte) { return static_cast<int64_t>(utf8_length(s.substr(0, byte))); }

// indexof(source, lookup[, start[, length[, occurrence]]]) → code-point index or -1.
Value eval_indexof(Args a, const EvalContext&) {
  const StringArg s(a[0]), lookup(a[1]);
  const std::string_view text = s, needle = lookup;
  int64_t start = 0, length = -1, occurrence = 1;
  if (a.size() > 2 && !(a[2].is_null())) {
    auto v = long_arg(a[2]);
    if (!v) return Value();
    start = *v;
  }
  if (a.size() > 3 && !a[3].is_null()) {
    auto v = long_arg(a[3]);
    if (!v || *v < -1) return Value();
    length = *v;
  }
  if (a.size() > 4 && !a[4].is_null()) {
    auto v = long_arg(a[4]);
    if (!v || *v <= 0) return Value();
    occurrence = *v;
  }
  const int64_t total = static_cast<int64_t>(utf8_length(text));
  if (start < 0) start = std::max<int64_t>(0, total + start);
  if (start > total) return Value();
  const size_t from = utf8_offset(text, static_cast<size_t>(start));
  size_t limit = text.size();
  if (length >= 0) limit = utf8_offset(text, static_cast<size_t>(std::min(total, start + length)));
  size_t pos = from;
  for (int64_t n = 0;; ++n) {
    const size_t hit = text.find(needle, pos);
    if (hit == std::string_view::npos || hit + needle.size() > limit) return Value(int64_t{-1});
    if (n + 1 == occurrence) return Value(char_index(text, hit));
    pos = hit + std::max<size_t>(needle.size(), 1);
  }
}

// countof(text, search[, kind]): "normal" counts overlapping matches, "regex" non-overlapping.
Value eval_countof(Args a, const EvalContext&) {
  const StringArg s(a[0]), search(a[1]);
  const std::string_view text = s, needle = search;
  const bool regex = a.size() > 2 && StringArg(a[2]).get() == "regex";
  int64_t count = 0;
  if (regex) {
    auto re = cached_regex(needle);
    if (!re) return Value();
    re2::StringPiece input = piece(text), m;
    size_t pos = 0;
    while (pos <= text.size() && re->Match(input, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
      ++count;
      const size_t end = static_cast<size_t>(m.data() - text.data()) + m.size();
      pos = m.empty() ? end + 1 : end;
    }
    return Value(count);
  }
  if (needle.empty()) return Value(int64_t{0});
  for (size_t pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + 1)) ++count;
  return Value(count);
}

// ---- regex extraction ----

// extract(regex, group, source[, typeName]): the group of the first match, converted when a
// type is given ("long", "datetime", ...: the parser passes typeof(T) as its name).
Value eval_extract(Args a, const EvalContext&) {
  const StringArg pattern(a[0]), s(a[2]);
  auto group = long_arg(a[1]);
  auto re = cached_regex(pattern);
  std::optional<ColumnType> type;
  if (a.size() > 3) type = parse_column_type(StringArg(a[3]).get());
  auto none = [&] { return type && *type != ColumnType::String ? Value() : str(""); };
  if (!re || !group || *group < 0 || *group > re->NumberOfCapturingGroups()) return none();
  const int n = static_cast<int>(*group) + 1;
  // Most patterns have few groups: no allocation for the submatches then.
  std::array<re2::StringPiece, 10> small;
  std::vector<re2::StringPiece> large(n > 10 ? static_cast<size_t>(n) : 0);
  re2::StringPiece* m = n > 10 ? large.data() : small.data();
  const std::string_view text = s;
  if (!re->Match(piece(text), 0, text.size(), RE2::UNANCHORED, m, n)) return none();
  const re2::StringPiece& g = m[n - 1];
  Value out(std::string_view(g.data() ? g.data() : "", g.size()));
  return type ? convert_to(out, *type) : out;
}

// extract_all(regex[, groups], source): an array of matches; one group → strings, several
// groups → arrays; a regex without groups yields whole matches.
Value eval_extract_all(Args a, const EvalContext&) {
  const StringArg pattern(a[0]);
  const Value& source = a[a.size() - 1];
  auto re = cached_regex(pattern);
  if (!re) return Value();
  const int groups = re->NumberOfCapturingGroups();
  std::vector<int> wanted;
  if (a.size() == 3) {
    if (!a[1].is_array()) return Value();
    for (const Value& g : a[1].as_array()) {
      auto i = long_arg(g);
      if (!i || *i < 0 || *i > groups) return Value();
      wanted.push_back(static_cast<int>(*i));
    }
  } else if (groups == 0) {
    wanted.push_back(0);
  } else {
    for (int i = 1; i <= groups; ++i) wanted.push_back(i);
  }
  const StringArg s(source);
  const std::string_view text = s;
  std::vector<re2::StringPiece> m(static_cast<size_t>(groups) + 1);
  Array out;
  size_t pos = 0;
  while (pos <= text.size() && re->Match(piece(text), pos, text.size(), RE2::UNANCHORED, m.data(), groups + 1)) {
    auto group_value = [&](int g) {
      const auto& p = m[static_cast<size_t>(g)];
      return p.data() ? Value(std::string_view(p.data(), p.size())) : Value("");
    };
    if (wanted.size() == 1) {
      out.push_back(group_value(wanted[0]));
    } else {
      Array row;
      for (int g : wanted) row.push_back(group_value(g));
      out.emplace_back(std::move(row));
    }
    const size_t end = static_cast<size_t>(m[0].data() - text.data()) + m[0].size();
    pos = m[0].empty() ? end + 1 : end;
  }
  if (out.empty()) return Value();
  return Value(std::move(out));
}

// ---- emptiness and nulls ----

bool is_empty_value(const Value& v) { return v.is_null() || (v.is_string() && v.as_string().empty()); }

Value eval_isempty(Args a, const EvalContext&) { return Value(is_empty_value(a[0])); }
Value eval_isnotempty(Args a, const EvalContext&) { return Value(!is_empty_value(a[0])); }
Value eval_isnull(Args a, const EvalContext&) { return Value(a[0].is_null()); }
Value eval_isnotnull(Args a, const EvalContext&) { return Value(!a[0].is_null()); }

// ---- encodings and hashes ----

Value eval_base64_encode(Args a, const EvalContext&) { return str(base64_encode(StringArg(a[0]).get())); }

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Kusto accepts base64 without padding; bytes that are not UTF-8 give "".
Value eval_base64_decode(Args a, const EvalContext&) {
  std::string text(StringArg(a[0]).get());
  if (text.size() % 4 != 0) text.append(4 - text.size() % 4, '=');
  auto decoded = base64_decode(text);
  if (!decoded || !valid_utf8(*decoded)) return str("");
  return str(std::move(*decoded));
}

// url_encode as .NET HttpUtility.UrlEncode: space → '+', lower-case %xx, "-_.!*()" kept.
Value eval_url_encode(Args a, const EvalContext&) {
  const StringArg s_arg(a[0]);
  const std::string_view s = s_arg.get();
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        (c != 0 && std::strchr("-_.!*()", c) != nullptr)) {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 15];
    }
  }
  return str(std::move(out));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Value eval_url_decode(Args a, const EvalContext&) {
  const StringArg s_arg(a[0]);
  const std::string_view s = s_arg.get();
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return str(std::move(out));
}

std::string hex_lower(const unsigned char* bytes, size_t n) {
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
    out[2 * i + 1] = "0123456789abcdef"[bytes[i] & 15];
  }
  return out;
}

template <const EVP_MD* (*Md)()>
Value eval_digest(Args a, const EvalContext&) {
  const StringArg s(a[0]);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(s.get().data(), s.get().size(), digest, &len, Md(), nullptr) != 1) return str("");
  return str(hex_lower(digest, len));
}

// xxHash64 (seed 0), the algorithm Kusto's hash() uses, over the value's UTF-8 text.
uint64_t xxh64(std::string_view data) {
  constexpr uint64_t P1 = 11400714785074694791ULL, P2 = 14029467366897019727ULL, P3 = 1609587929392839161ULL,
                     P4 = 9650029242287828579ULL, P5 = 2870177450012600261ULL;
  auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  auto read64 = [](const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; };
  auto read32 = [](const char* p) { uint32_t v; std::memcpy(&v, p, 4); return static_cast<uint64_t>(v); };
  auto round = [&](uint64_t acc, uint64_t input) { return rotl(acc + input * P2, 31) * P1; };
  auto merge = [&](uint64_t acc, uint64_t val) { return (acc ^ round(0, val)) * P1 + P4; };
  const char* p = data.data();
  const char* end = p + data.size();
  uint64_t h;
  if (data.size() >= 32) {
    uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1;
    for (; p + 32 <= end; p += 32) {
      v1 = round(v1, read64(p));
      v2 = round(v2, read64(p + 8));
      v3 = round(v3, read64(p + 16));
      v4 = round(v4, read64(p + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h += data.size();
  for (; p + 8 <= end; p += 8) h = rotl(h ^ round(0, read64(p)), 27) * P1 + P4;
  if (p + 4 <= end) {
    h = rotl(h ^ (read32(p) * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; ++p) h = rotl(h ^ (static_cast<uint64_t>(static_cast<unsigned char>(*p)) * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

// hash(source[, mod]): a non-negative long when mod is given.
Value eval_hash(Args a, const EvalContext&) {
  if (a[0].is_null()) return Value();
  const int64_t h = static_cast<int64_t>(xxh64(StringArg(a[0]).get()));
  if (a.size() > 1) {
    auto mod = long_arg(a[1]);
    if (!mod || *mod <= 0) return Value();
    return Value(static_cast<int64_t>(static_cast<uint64_t>(h) % static_cast<uint64_t>(*mod)));
  }
  return Value(h);
}

// ---- structured text ----

// parse_url(url) → {"Scheme","Host","Port","Path","Username","Password","Query Parameters","Fragment"};
// an unparsable URL gives an empty bag.
Value eval_parse_url(Args a, const EvalContext&) {
  const StringArg s_arg(a[0]);
  std::string_view s = s_arg.get();
  const size_t scheme_end = s.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return Value(Object{});
  const std::string_view scheme = s.substr(0, scheme_end);
  s.remove_prefix(scheme_end + 3);
  std::string_view fragment, query;
  if (size_t h = s.find('#'); h != std::string_view::npos) {
    fragment = s.substr(h + 1);
    s = s.substr(0, h);
  }
  if (size_t q = s.find('?'); q != std::string_view::npos) {
    query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  const size_t slash = s.find('/');
  std::string_view authority = s.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  std::string_view user, password;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view info = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const size_t colon = info.find(':');
    user = info.substr(0, colon);
    if (colon != std::string_view::npos) password = info.substr(colon + 1);
  }
  std::string_view host = authority, port;
  const size_t bracket = authority.rfind(']');
  if (size_t colon = authority.rfind(':');
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  Object params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      params.emplace_back(std::string(pair.substr(0, eq)),
                          Value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1)));
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return Value(Object{{"Scheme", Value(scheme)},
                      {"Host", Value(host)},
                      {"Port", Value(port)},
                      {"Path", Value(path)},
                      {"Username", Value(user)},
                      {"Password", Value(password)},
                      {"Query Parameters", Value(std::move(params))},
                      {"Fragment", Value(fragment)}});
}

bool is_cef_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

std::string cef_unescape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      const char n = v[++i];
      out += n == 'n' ? '\n' : n == 'r' ? '\r' : n;
    } else {
      out += v[i];
    }
  }
  return out;
}

// parse_cef_dictionary("k1=v1 k2=some value k3=a\=b"): values run until the next " key=";
// \= \\ \n \r are escapes. A later duplicate key replaces the earlier value.
Value eval_parse_cef_dictionary(Args a, const EvalContext&) {
  const StringArg s_arg(a[0]);
  const std::string_view s = s_arg.get();
  struct Key {
    size_t begin, eq;
  };
  std::vector<Key> keys;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] != '=') continue;
    size_t b = i;
    while (b > 0 && is_cef_key_char(s[b - 1])) --b;
    // A key starts the text or follows a space; an '=' inside a value (unescaped) stays in it.
    if (b == i || (b > 0 && s[b - 1] != ' ')) continue;
    keys.push_back({b, i});
  }
  Object out;
  for (size_t k = 0; k < keys.size(); ++k) {
    const size_t vbegin = keys[k].eq + 1;
    size_t vend = k + 1 < keys.size() ? keys[k + 1].begin : s.size();
    while (vend > vbegin && s[vend - 1] == ' ') --vend;
    std::string key(s.substr(keys[k].begin, keys[k].eq - keys[k].begin));
    Value value(cef_unescape(s.substr(vbegin, vend - vbegin)));
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& m) { return m.first == key; });
    if (it != out.end()) {
      it->second = std::move(value);
    } else {
      out.emplace_back(std::move(key), std::move(value));
    }
  }
  return Value(std::move(out));
}

// ---- formatting ----

// format_datetime(dt, format): Kusto's specifiers are .NET custom ones; a one-letter format is
// still custom (d = day), hence the '%' prefix for TimeFormat.
Value eval_format_datetime(Args a, const EvalContext&) {
  auto t = datetime_arg(a[0]);
  if (!t) return str("");
  std::string f(StringArg(a[1]).get());
  if (f.size() == 1) f.insert(f.begin(), '%');
  thread_local std::string last_source;
  thread_local std::optional<TimeFormat> last;
  if (!last || last_source != f) {
    auto compiled = TimeFormat::compile(f);
    if (!compiled) return str("");
    last = std::move(*compiled);
    last_source = f;
  }
  return str(last->format(*t));
}

Status check_time_format(Bound args, size_t index) {
  auto f = const_string(args, index);
  if (!f) return {};
  std::string text(*f);
  if (text.size() == 1) text.insert(text.begin(), '%');
  if (auto tf = TimeFormat::compile(text); !tf) return fail("invalid datetime format '" + std::string(*f) + "': " + tf.error().message);
  return {};
}

Result<ColumnType> bind_format_datetime(Bound args) {
  if (auto s = check_arg(args, 0, Want::DateTime); !s) return std::unexpected(s.error());
  if (auto s = check_time_format(args, 1); !s) return std::unexpected(s.error());
  return S;
}

void put_number(std::string& out, int64_t v, size_t width) {
  std::string digits = std::to_string(v);
  if (digits.size() < width) out.append(width - digits.size(), '0');
  out += digits;
}

// format_timespan(ts, format): d+ days, h/hh hours of the day, H/HH too, m/mm, s/ss, f.. (fixed
// fraction digits), F.. (trailing zeros trimmed), quoted literals and separators.
Value eval_format_timespan(Args a, const EvalContext&) {
  auto t = timespan_arg(a[0]);
  if (!t) return str("");
  const StringArg f_arg(a[1]);
  const std::string_view f = f_arg.get();
  const bool negative = t->ticks < 0;
  const uint64_t ticks = negative ? 0 - static_cast<uint64_t>(t->ticks) : static_cast<uint64_t>(t->ticks);
  const auto days = static_cast<int64_t>(ticks / kTicksPerDay);
  const auto hours = static_cast<int64_t>(ticks / kTicksPerHour % 24);
  const auto minutes = static_cast<int64_t>(ticks / kTicksPerMinute % 60);
  const auto seconds = static_cast<int64_t>(ticks / kTicksPerSecond % 60);
  const auto fraction = static_cast<int64_t>(ticks % kTicksPerSecond);
  std::string out;
  if (negative) out += '-';
  for (size_t i = 0; i < f.size();) {
    const char c = f[i];
    size_t run = 1;
    while (i + run < f.size() && f[i + run] == c) ++run;
    switch (c) {
      case 'd': put_number(out, days, run); break;
      case 'h':
      case 'H': put_number(out, hours, std::min<size_t>(run, 2)); break;
      case 'm': put_number(out, minutes, std::min<size_t>(run, 2)); break;
      case 's': put_number(out, seconds, std::min<size_t>(run, 2)); break;
      case 'f':
      case 'F': {
        const size_t n = std::min<size_t>(run, 7);
        std::string digits;
        put_number(digits, fraction, 7);
        digits.resize(n);
        if (c == 'F') {
          while (!digits.empty() && digits.back() == '0') digits.pop_back();
        }
        out += digits;
        break;
      }
      case '\'':
      case '"': {
        const size_t close = f.find(c, i + 1);
        const size_t end = close == std::string_view::npos ? f.size() : close;
        out.append(f.substr(i + 1, end - i - 1));
        i = end == f.size() ? end : end + 1;
        continue;
      }
      case '\\':
        if (i + 1 < f.size()) out += f[i + 1];
        i += 2;
        continue;
      default: out.append(run, c); break;
    }
    i += run;
  }
  return str(std::move(out));
}

// ---- network and identifiers ----

std::optional<uint32_t> parse_ipv4(std::string_view s) {
  if (size_t slash = s.find('/'); slash != std::string_view::npos) s = s.substr(0, slash);
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    size_t digits = 0;
    uint32_t v = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 3; ++i, ++digits) {
      v = v * 10 + static_cast<uint32_t>(s[i] - '0');
    }
    if (digits == 0 || v > 255) return std::nullopt;
    out = (out << 8) | v;
    if (++parts < 4 && (i >= s.size() || s[i++] != '.')) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

Value eval_ipv4_is_private(Args a, const EvalContext&) {
  auto ip = parse_ipv4(StringArg(a[0]).get());
  if (!ip) return Value();
  const uint32_t v = *ip;
  return Value((v >> 24) == 10 || (v >> 20) == ((172u << 4) | 1) || (v >> 16) == ((192u << 8) | 168));
}

// new_guid(): a random version 4 GUID.
Value eval_new_guid(Args, const EvalContext&) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  Guid g;
  for (size_t i = 0; i < 16; i += 8) {
    const uint64_t r = rng();
    std::memcpy(g.bytes.data() + i, &r, 8);
  }
  g.bytes[6] = static_cast<uint8_t>((g.bytes[6] & 0x0F) | 0x40);
  g.bytes[8] = static_cast<uint8_t>((g.bytes[8] & 0x3F) | 0x80);
  return Value(g);
}

// ---- bind ----

template <size_t Index>
Result<ColumnType> bind_regex_string(Bound args) {
  if (auto s = check_regex(args, Index); !s) return std::unexpected(s.error());
  return S;
}

Result<ColumnType> bind_substring(Bound args) { return bind_sig<S, Want::String, Want::Integer, Want::Integer>(args); }

Result<ColumnType> bind_countof(Bound args) {
  if (auto kind = const_string(args, 2)) {
    if (*kind != "normal" && *kind != "regex") return fail("expects \"normal\" or \"regex\" as its third argument");
    if (*kind == "regex") {
      if (auto s = check_regex(args, 1); !s) return std::unexpected(s.error());
    }
  }
  return L;
}

Result<ColumnType> bind_extract(Bound args) {
  if (auto s = check_regex(args, 0); !s) return std::unexpected(s.error());
  if (auto s = check_arg(args, 1, Want::Integer); !s) return std::unexpected(s.error());
  if (args.size() > 3) {
    auto name = const_string(args, 3);
    if (!name) return fail("expects a type (typeof(T)) as its fourth argument");
    auto type = parse_column_type(*name);
    if (!type) return fail("expects a type (typeof(T)) as its fourth argument, not '" + std::string(*name) + "'");
    return *type;
  }
  return S;
}

Result<ColumnType> bind_extract_all(Bound args) {
  if (auto s = check_regex(args, 0); !s) return std::unexpected(s.error());
  return ColumnType::Dynamic;
}

template <size_t Index>
Result<ColumnType> bind_trim(Bound args) {
  if (auto s = check_regex(args, Index); !s) return std::unexpected(s.error());
  return S;
}

Result<ColumnType> bind_format_timespan(Bound args) { return bind_sig<S, Want::TimeSpan, Want::String>(args); }

constexpr auto kStr = bind_sig<S, Want::String>;
constexpr auto kStrAll = bind_all<S, Want::String>;

constexpr ScalarFunction kFunctions[] = {
    {"base64_decode_tostring", 1, 1, kStr, eval_base64_decode},
    {"base64_decodestring", 1, 1, kStr, eval_base64_decode},
    {"base64_encode_tostring", 1, 1, kStr, eval_base64_encode},
    {"base64_encodestring", 1, 1, kStr, eval_base64_encode},
    {"countof", 2, 3, bind_countof, eval_countof},
    {"extract", 3, 4, bind_extract, eval_extract},
    {"extract_all", 2, 3, bind_extract_all, eval_extract_all},
    {"format_datetime", 2, 2, bind_format_datetime, eval_format_datetime},
    {"format_timespan", 2, 2, bind_format_timespan, eval_format_timespan},
    {"hash", 1, 2, bind_sig<L, Want::Any, Want::Integer>, eval_hash},
    {"hash_md5", 1, 1, kStr, eval_digest<EVP_md5>},
    {"hash_sha1", 1, 1, kStr, eval_digest<EVP_sha1>},
    {"hash_sha256", 1, 1, kStr, eval_digest<EVP_sha256>},
    {"indexof", 2, 5, bind_sig<L, Want::String, Want::String, Want::Integer, Want::Integer, Want::Integer>, eval_indexof},
    {"ipv4_is_private", 1, 1, bind_sig<ColumnType::Bool, Want::String>, eval_ipv4_is_private},
    {"isempty", 1, 1, bind_sig<ColumnType::Bool, Want::Any>, eval_isempty},
    {"isnotempty", 1, 1, bind_sig<ColumnType::Bool, Want::Any>, eval_isnotempty},
    {"isnotnull", 1, 1, bind_sig<ColumnType::Bool, Want::Any>, eval_isnotnull},
    {"isnull", 1, 1, bind_sig<ColumnType::Bool, Want::Any>, eval_isnull},
    {"new_guid", 0, 0, bind_sig<ColumnType::Guid>, eval_new_guid, false},
    {"parse_cef_dictionary", 1, 1, bind_sig<ColumnType::Dynamic, Want::String>, eval_parse_cef_dictionary},
    {"parse_url", 1, 1, bind_sig<ColumnType::Dynamic, Want::String>, eval_parse_url},
    {"replace_regex", 3, 3, bind_regex_string<1>, eval_replace_regex},
    {"replace_string", 3, 3, kStrAll, eval_replace_string},
    {"reverse", 1, 1, kStr, eval_reverse},
    {"split", 2, 3, bind_sig<ColumnType::Dynamic, Want::String, Want::String, Want::Integer>, eval_split},
    {"strcat", 1, 64, kStrAll, eval_strcat},
    {"strcat_delim", 3, 64, kStrAll, eval_strcat_delim},
    {"strlen", 1, 1, bind_sig<L, Want::String>, eval_strlen},
    {"strrep", 2, 3, bind_sig<S, Want::String, Want::Integer, Want::String>, eval_strrep},
    {"substring", 2, 3, bind_substring, eval_substring},
    {"tolower", 1, 1, kStr, eval_case<false>},
    {"toupper", 1, 1, kStr, eval_case<true>},
    {"trim", 2, 2, bind_trim<0>, eval_trim<true, true>},
    {"trim_end", 2, 2, bind_trim<0>, eval_trim<false, true>},
    {"trim_start", 2, 2, bind_trim<0>, eval_trim<true, false>},
    {"url_decode", 1, 1, kStr, eval_url_decode},
    {"url_encode", 1, 1, kStr, eval_url_encode},
};

}  // namespace

std::span<const ScalarFunction> string_functions() { return kFunctions; }

}  // namespace intake::kql::detail
