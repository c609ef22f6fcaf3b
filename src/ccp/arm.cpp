#include "ccp/arm.h"

#include <cctype>
#include <charconv>
#include <functional>

#include "core/base64.h"
#include "core/hash.h"
#include "json/value_json.h"

namespace intake::ccp {

bool is_arm_expression(std::string_view s) { return s.size() >= 2 && s.front() == '[' && s.back() == ']'; }

namespace {

std::string as_text(const Value& v) {
  switch (v.kind()) {
    case Kind::String: return v.as_string();
    case Kind::Null: return "";
    case Kind::Bool: return v.as_bool() ? "True" : "False";  // ARM's string() of a bool
    case Kind::Long: return std::to_string(v.as_long());
    default: return json::to_json(v);
  }
}

bool truthy(const Value& v) {
  if (v.kind() == Kind::Bool) return v.as_bool();
  if (v.is_string()) return iequals(v.as_string(), "true");
  int64_t n = 0;
  return v.to_int64(n) && n != 0;
}

bool arm_equals(const Value& a, const Value& b) {
  if (a.is_string() && b.is_string()) return iequals(a.as_string(), b.as_string());
  int64_t x = 0, y = 0;
  if (a.to_int64(x) && b.to_int64(y)) return x == y;
  return a == b;
}

class Evaluator {
 public:
  Evaluator(std::string_view text, const Params& params, std::set<std::string>* missing)
      : s_(text), params_(params), missing_(missing) {}

  Result<Value> run() {
    auto v = expr(0);
    if (!v) return v;
    skip();
    if (pos_ != s_.size()) return error("unexpected '" + std::string(s_.substr(pos_, 10)) + "'");
    return v;
  }

 private:
  std::unexpected<Error> error(const std::string& what) const {
    return fail("arm:" + std::to_string(pos_ + 1), what + " in expression '" + std::string(s_) + "'");
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<Value> expr(int depth) {
    if (depth > 64) return error("expression nested too deeply");
    auto v = primary(depth);
    if (!v) return v;
    while (true) {
      if (eat('.')) {
        size_t start = pos_;
        while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
        std::string name(s_.substr(start, pos_ - start));
        const Value* m = v->get_ci(name);
        v = m ? *m : Value();
      } else if (eat('[')) {
        auto index = expr(depth + 1);
        if (!index) return index;
        if (!eat(']')) return error("expected ']'");
        int64_t i = 0;
        if (index->is_string()) {
          const Value* m = v->get_ci(index->as_string());
          v = m ? *m : Value();
        } else if (index->to_int64(i) && v->is_array()) {
          const Value* e = v->at(static_cast<size_t>(i));
          v = e ? *e : Value();
        } else {
          v = Value();
        }
      } else {
        return v;
      }
    }
  }

  Result<Value> primary(int depth) {
    skip();
    if (pos_ >= s_.size()) return error("unexpected end");
    char c = s_[pos_];
    if (c == '\'') {
      std::string out;
      ++pos_;
      while (pos_ < s_.size()) {
        if (s_[pos_] == '\'') {
          if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '\'') {  // '' is a quote inside a string
            out += '\'';
            pos_ += 2;
            continue;
          }
          ++pos_;
          return Value(std::move(out));
        }
        out += s_[pos_++];
      }
      return error("unterminated string");
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      int64_t n = 0;
      auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), n);
      if (ec != std::errc()) return error("bad number");
      pos_ = static_cast<size_t>(p - s_.data());
      return Value(n);
    }
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    std::string name(s_.substr(start, pos_ - start));
    if (name.empty()) return error("expected a function, a string or a number");
    if (!eat('(')) return error("expected '(' after " + name);
    std::vector<Value> args;
    if (!eat(')')) {
      while (true) {
        auto a = expr(depth + 1);
        if (!a) return a;
        args.push_back(std::move(*a));
        if (eat(')')) break;
        if (!eat(',')) return error("expected ',' or ')' in " + name + "()");
      }
    }
    return call(name, args);
  }

  Result<Value> call(const std::string& fn, std::vector<Value>& a) {
    auto need = [&](size_t n) -> Status {
      if (a.size() < n) return error(fn + "() expects " + std::to_string(n) + " argument" + (n == 1 ? "" : "s"));
      return {};
    };
    std::string f = fn;
    for (auto& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (f == "parameters" || f == "variables") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      std::string name = as_text(a[0]);
      auto it = params_.find(name);
      if (it == params_.end()) {
        if (missing_) missing_->insert(name);
        return error("parameter '" + name + "' not set");
      }
      // Dropdown values and objects arrive as JSON text.
      if (!it->second.empty() && (it->second.front() == '[' || it->second.front() == '{')) {
        if (auto parsed = json::parse(it->second)) return *parsed;
      }
      return Value(it->second);
    }
    if (f == "concat") {
      bool arrays = !a.empty() && a[0].is_array();
      if (arrays) {
        Array out;
        for (const auto& v : a) {
          if (v.is_array()) out.insert(out.end(), v.as_array().begin(), v.as_array().end());
        }
        return Value(std::move(out));
      }
      std::string out;
      for (const auto& v : a) out += as_text(v);
      return Value(std::move(out));
    }
    if (f == "if") {
      if (auto ok = need(3); !ok) return std::unexpected(ok.error());
      return truthy(a[0]) ? a[1] : a[2];
    }
    if (f == "equals") {
      if (auto ok = need(2); !ok) return std::unexpected(ok.error());
      return Value(arm_equals(a[0], a[1]));
    }
    if (f == "not") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      return Value(!truthy(a[0]));
    }
    if (f == "and" || f == "or") {
      bool r = f == "and";
      for (const auto& v : a) r = f == "and" ? (r && truthy(v)) : (r || truthy(v));
      return Value(r);
    }
    if (f == "true" || f == "false") return Value(f == "true");
    if (f == "empty") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      const Value& v = a[0];
      return Value(v.is_null() || (v.is_string() && v.as_string().empty()) || (v.is_array() && v.as_array().empty()) ||
                   (v.is_object() && v.as_object().empty()));
    }
    if (f == "contains") {
      if (auto ok = need(2); !ok) return std::unexpected(ok.error());
      if (a[0].is_array()) {
        for (const auto& e : a[0].as_array()) {
          if (arm_equals(e, a[1])) return Value(true);
        }
        return Value(false);
      }
      if (a[0].is_object()) return Value(a[0].get_ci(as_text(a[1])) != nullptr);
      std::string hay = as_text(a[0]), needle = as_text(a[1]);
      for (auto& ch : hay) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (auto& ch : needle) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return Value(hay.find(needle) != std::string::npos);
    }
    if (f == "first" || f == "last") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      if (a[0].is_array()) {
        const auto& arr = a[0].as_array();
        if (arr.empty()) return Value();
        return f == "first" ? arr.front() : arr.back();
      }
      std::string t = as_text(a[0]);
      if (t.empty()) return Value("");
      return Value(std::string(1, f == "first" ? t.front() : t.back()));
    }
    if (f == "length") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      if (a[0].is_array()) return Value(static_cast<int64_t>(a[0].as_array().size()));
      if (a[0].is_object()) return Value(static_cast<int64_t>(a[0].as_object().size()));
      return Value(static_cast<int64_t>(as_text(a[0]).size()));
    }
    if (f == "int") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      int64_t n = 0;
      if (a[0].to_int64(n)) return Value(n);
      std::string t = as_text(a[0]);
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (ec != std::errc() || p != t.data() + t.size()) return error("int() of '" + t + "' is not a number");
      return Value(n);
    }
    if (f == "string") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      return Value(as_text(a[0]));
    }
    if (f == "bool") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      return Value(truthy(a[0]));
    }
    if (f == "json") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      auto v = json::parse(as_text(a[0]));
      if (!v) return error("json() of invalid JSON");
      return *v;
    }
    if (f == "base64") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      return Value(base64_encode(as_text(a[0])));
    }
    if (f == "tolower" || f == "toupper" || f == "trim") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      std::string t = as_text(a[0]);
      if (f == "trim") {
        size_t b = t.find_first_not_of(" \t\r\n"), e = t.find_last_not_of(" \t\r\n");
        return Value(b == std::string::npos ? std::string() : t.substr(b, e - b + 1));
      }
      for (auto& ch : t) ch = static_cast<char>(f == "tolower" ? std::tolower(static_cast<unsigned char>(ch)) : std::toupper(static_cast<unsigned char>(ch)));
      return Value(std::move(t));
    }
    if (f == "replace") {
      if (auto ok = need(3); !ok) return std::unexpected(ok.error());
      std::string t = as_text(a[0]), from = as_text(a[1]), to = as_text(a[2]);
      if (from.empty()) return Value(t);
      for (size_t p = 0; (p = t.find(from, p)) != std::string::npos; p += to.size()) t.replace(p, from.size(), to);
      return Value(std::move(t));
    }
    if (f == "split") {
      if (auto ok = need(2); !ok) return std::unexpected(ok.error());
      std::string t = as_text(a[0]), d = as_text(a[1]);
      Array out;
      size_t p = 0;
      while (!d.empty()) {
        size_t q = t.find(d, p);
        out.push_back(Value(t.substr(p, q == std::string::npos ? std::string::npos : q - p)));
        if (q == std::string::npos) break;
        p = q + d.size();
      }
      if (d.empty()) out.push_back(Value(t));
      return Value(std::move(out));
    }
    if (f == "format") {
      if (auto ok = need(1); !ok) return std::unexpected(ok.error());
      std::string pattern = as_text(a[0]), out;
      for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{' && i + 2 < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[i + 1]))) {
          size_t close = pattern.find('}', i);
          size_t n = static_cast<size_t>(std::stoi(pattern.substr(i + 1, close - i - 1)));
          if (n + 1 < a.size()) out += as_text(a[n + 1]);
          i = close;
        } else {
          out += pattern[i];
        }
      }
      return Value(std::move(out));
    }
    if (f == "coalesce") {
      for (const auto& v : a) {
        if (!v.is_null()) return v;
      }
      return Value();
    }
    if (f == "uniquestring") {
      // Azure's is a 13-character base-32 hash of its arguments; deterministic is what matters.
      std::string joined;
      for (const auto& v : a) joined += as_text(v) + "|";
      uint64_t h = hash_bytes(joined);
      static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
      std::string out;
      for (int i = 0; i < 13; ++i, h >>= 5) out += kAlphabet[h & 31];
      return Value(std::move(out));
    }
    return error("unsupported ARM function " + fn + "()");
  }

  std::string_view s_;
  size_t pos_ = 0;
  const Params& params_;
  std::set<std::string>* missing_;
};

}  // namespace

Result<Value> eval_arm(std::string_view expression, const Params& params, std::set<std::string>* missing) {
  std::string_view body = expression;
  if (body.starts_with("[[")) body.remove_prefix(2);
  else if (body.starts_with("[")) body.remove_prefix(1);
  if (body.ends_with("]")) body.remove_suffix(1);
  return Evaluator(body, params, missing).run();
}

}  // namespace intake::ccp
