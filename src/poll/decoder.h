// Turns a response body into events: JSON parsing (simdjson, in place), the success-status rule,
// and extraction with every eventsJsonPaths expression. Events stay valid until the next decode.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <vector>

#include "ccp/definition.h"
#include "core/error.h"
#include "http/message.h"
#include "json/jsonpath.h"

namespace intake::poll {

class Decoder {
 public:
  static Result<Decoder> create(const ccp::ResponseSpec& spec);

  // Decodes one response. An empty body, 204, `null`, `[]`, `{}` or a missing path are zero events.
  // Errors name the JSON path or the parser's reason.
  Status decode(const http::Response& response);

  const std::vector<simdjson::dom::element>& events() const { return events_; }
  std::optional<simdjson::dom::element> body() const { return body_; }

 private:
  explicit Decoder(const ccp::ResponseSpec& spec) : spec_(spec) {}
  ccp::ResponseSpec spec_;
  std::vector<json::JsonPath> paths_;
  std::optional<json::JsonPath> success_path_;
  std::unique_ptr<simdjson::dom::parser> parser_ = std::make_unique<simdjson::dom::parser>();
  std::vector<simdjson::dom::element> events_;
  std::optional<simdjson::dom::element> body_;
  std::string converted_;  // JSON text made from CSV, XML, NDJSON or a compressed body
};

}  // namespace intake::poll
