#include "poll/decoder.h"

#include "http/client.h"
#include "json/value_json.h"
#include "poll/formats.h"

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
// Compressed bodies may not inflate beyond this (decompression bombs).
constexpr size_t kMaxInflatedBytes = size_t{1} << 30;
static_assert(http::kInflateSpareBytes >= simdjson::SIMDJSON_PADDING, "inflated bodies are parsed in place");

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
  const std::string* text = &response.body;
  // isGzipCompressed names the payload, but a server that also sends Content-Encoding: gzip has
  // it inflated by the HTTP client already: only a body that still is gzip (or zlib) is inflated.
  if (is_gzip(response.body) || (spec_.gzip && http::is_zlib(response.body))) {
    auto inflated = inflate(response.body, kMaxInflatedBytes);
    if (!inflated) return std::unexpected(inflated.error());
    converted_ = std::move(*inflated);
    text = &converted_;
  }
  if (spec_.format != "json") {
    Result<std::string> json_text = spec_.format == "csv"         ? csv_to_json(*text, {spec_.csv_delimiter, spec_.csv_quote, spec_.csv_header})
                                    : spec_.format == "jsonlines" ? ndjson_to_json(*text)
                                                                  : xml_to_json(*text);
    if (!json_text) return std::unexpected(json_text.error().within("response body (" + spec_.format + ")"));
    converted_ = std::move(*json_text);
    text = &converted_;
  }
  // The client leaves kBodyPadding spare bytes, so simdjson parses the body without copying it.
  simdjson::dom::element root;
  auto err = text->capacity() - text->size() >= simdjson::SIMDJSON_PADDING
                 ? parser_->parse(text->data(), text->size(), false).get(root)
                 : parser_->parse(*text).get(root);
  if (err) {
    std::string excerpt = text->substr(0, 80);
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
    if (spec_.convert_child_properties_to_array) {
      // The selected object's member values are the events (Anvilogic).
      path.select(root, [this](simdjson::dom::element e) {
        simdjson::dom::object obj;
        if (e.get(obj) != simdjson::SUCCESS) return;
        for (auto field : obj) events_.push_back(field.value);
      });
      continue;
    }
    json::extract_events(path, root, [this](simdjson::dom::element e) { events_.push_back(e); });
  }
  return {};
}

}  // namespace intake::poll
