#include "auth/common.h"

#include <charconv>

#include "core/base64.h"
#include "core/time.h"
#include "json/value_json.h"

namespace intake::auth {

std::string encode_fields(const http::QueryParams& fields, bool json) {
  if (!json) return http::build_query(fields);
  std::string out = "{";
  for (const auto& [k, v] : fields) {
    if (out.size() > 1) out += ',';
    json::append_json_string(out, k);
    out += ':';
    json::append_json_string(out, v);
  }
  return out + "}";
}

Result<http::Response> send_credential_request(http::Client& client, const http::Request& request, int timeout_seconds,
                                               std::string_view what) {
  auto timeout = std::chrono::seconds(timeout_seconds > 0 ? timeout_seconds : 100);
  auto resp = client.send(request, timeout);
  // One immediate second attempt for a dropped connection or a gateway hiccup: the poller does not
  // retry a failed apply(), so a transient token-endpoint failure would otherwise cost the window.
  if (!resp || resp->status == 502 || resp->status == 503 || resp->status == 504) resp = client.send(request, timeout);
  if (!resp) {
    return fail(http::redact_url(request.url), request.method + " to the " + std::string(what) +
                                                   " failed: " + resp.error().message);
  }
  return resp;
}

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 4) continue;
    for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 3)) text.replace(pos, s.size(), "***");
  }
  return text;
}

namespace {

std::string first_line(std::string_view s) {
  size_t end = s.find_first_of("\r\n");
  if (end != std::string_view::npos) s = s.substr(0, end);
  return std::string(s);
}

const Value* member(const Value& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const Value* v = obj.get_ci(key);
  return v && v->is_string() && !v->as_string().empty() ? v : nullptr;
}

// "invalid_client: AADSTS7000215: ..." from an OAuth2 error body, or a vendor's message field.
std::string describe_body(std::string_view body) {
  auto parsed = json::parse(body);
  if (parsed && parsed->is_object()) {
    std::string out;
    if (const Value* e = member(*parsed, "error")) out = e->as_string();
    else if (const Value* eo = parsed->get_ci("error"); eo && eo->is_object()) {
      if (const Value* m = member(*eo, "message")) out = m->as_string();
    }
    const Value* d = member(*parsed, "error_description");
    if (!d) d = member(*parsed, "message");
    if (d) out += (out.empty() ? "" : ": ") + first_line(d->as_string());
    if (!out.empty()) return out;
  }
  std::string text = first_line(body);
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text.empty() ? "(empty body)" : text;
}

// A successful body may hold credentials under names we do not know: show only its field names.
std::string describe_success(std::string_view body) {
  auto parsed = json::parse(body);
  if (!parsed || !parsed->is_object()) return "the body is not a JSON object";
  std::string names;
  for (const auto& [k, v] : parsed->as_object()) names += (names.empty() ? "" : ", ") + k;
  return "the response has the fields: " + (names.empty() ? std::string("(none)") : names);
}

}  // namespace

Error credential_error(const http::Request& request, const http::Response& response, std::string_view what,
                       std::string_view hint, const std::vector<std::string>& secrets) {
  if (response.status >= 200 && response.status < 300) {
    return Error(http::redact_url(request.url), std::string(what) + " returned HTTP " + std::to_string(response.status) +
                                                    " but " + std::string(hint) + "; " + describe_success(response.body));
  }
  std::string msg = std::string(what) + " returned HTTP " + std::to_string(response.status) + ": " +
                    mask_secrets(describe_body(response.body), secrets);
  if (!hint.empty()) msg += " (" + std::string(hint) + ")";
  return Error(http::redact_url(request.url), msg);
}

std::optional<int64_t> integer_of(const Value* v) {
  if (!v) return std::nullopt;
  int64_t out = 0;
  if (v->is_string()) {
    const auto& s = v->as_string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return out;
  }
  if (v->is_number() && v->to_int64(out)) return out;
  double d = 0;
  if (v->is_number() && v->to_double(d)) return static_cast<int64_t>(d);
  return std::nullopt;
}

std::optional<DateTime> jwt_expiry(std::string_view token) {
  size_t a = token.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  std::string payload(token.substr(a + 1, b - a - 1));
  for (auto& c : payload) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  while (payload.size() % 4 != 0) payload += '=';
  auto decoded = base64_decode(payload);
  if (!decoded) return std::nullopt;
  auto claims = json::parse(*decoded);
  if (!claims || !claims->is_object()) return std::nullopt;
  auto exp = integer_of(claims->get("exp"));
  if (!exp) return std::nullopt;
  return add_seconds(DateTime{0}, *exp);
}

std::string http_date(DateTime t, std::string_view zone) {
  static const TimeFormat format = TimeFormat::compile("ddd, dd MMM yyyy HH:mm:ss").value();
  return format.format(t) + " " + std::string(zone);
}

DateTime add_seconds(DateTime t, int64_t seconds) { return DateTime{t.ticks + seconds * kTicksPerSecond}; }

Status check_endpoint_url(std::string_view where, const std::string& url) {
  auto parts = http::split_url(url);
  if (parts) return {};
  std::string message = "'";
  message += http::redact_url(url);
  message += "' is not a valid URL: ";
  message += parts.error().message;
  return fail(std::string(where), message);
}

}  // namespace intake::auth
