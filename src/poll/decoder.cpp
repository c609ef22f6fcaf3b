#include "poll/decoder.h"

#include "http/client.h"
#include "json/value_json.h"

namespace intake::poll {

Result<Decoder> Decoder::create(const ccp::ResponseSpec& spec) {
  Decoder d(spec);
  for (const auto& p : spec.events_json_paths) {
    auto compiled = json::JsonPath::compile(p);
    if (!compiled) return std::unexpected(compiled.error().within("eventsJsonPaths"));
    d.paths_.push_back(std::move(*compiled));
  }
  if (!spec.success_status_json_path.empty()) {
    auto compiled = json::JsonPath::compile(spec.success_status_json_path);
    if (!compiled) return std::unexpected(compiled.error().within("successStatusJsonPath"));
    d.success_path_ = std::move(*compiled);
  }
  return d;
}

namespace {
bool blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

std::string scalar_text(simdjson::dom::element e) {
  std::string_view sv;
  if (e.get(sv) == simdjson::SUCCESS) return std::string(sv);
  return simdjson::minify(e);
}
}  // namespace

Status Decoder::decode(const http::Response& response) {
  events_.clear();
  body_.reset();
  if (response.status == 204 || blank(response.body)) return {};
  if (spec_.gzip) return fail("response", "isGzipCompressed bodies are not supported yet");
  // The client leaves kBodyPadding spare bytes, so simdjson parses the body without copying it.
  simdjson::dom::element root;
  auto err = response.body.capacity() - response.body.size() >= simdjson::SIMDJSON_PADDING
                 ? parser_->parse(response.body.data(), response.body.size(), false).get(root)
                 : parser_->parse(response.body).get(root);
  if (err) {
    std::string excerpt = response.body.substr(0, 80);
    for (char& c : excerpt) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return fail("response body", std::string("not valid JSON (") + simdjson::error_message(err) + "); it begins with '" +
                                     excerpt + "'");
  }
  body_ = root;
  if (success_path_) {
    auto found = success_path_->first(root);
    std::string got = found ? scalar_text(*found) : "<missing>";
    if (!found || (!spec_.success_status_value.empty() && got != spec_.success_status_value)) {
      return fail("response " + success_path_->source(),
                  "success status is '" + got + "', expected '" + spec_.success_status_value + "'");
    }
  }
  for (const auto& path : paths_) {
    json::extract_events(path, root, [this](simdjson::dom::element e) { events_.push_back(e); });
  }
  return {};
}

}  // namespace intake::poll
