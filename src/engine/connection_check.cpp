#include "engine/connection_check.h"

#include "auth/authenticator.h"
#include "engine/connector_runtime.h"
#include "engine/package.h"
#include "engine/redact.h"
#include "http/client.h"
#include "http/retry.h"
#include "http/url.h"
#include "poll/decoder.h"
#include "poll/paginator.h"
#include "poll/request_builder.h"

namespace intake::engine {

namespace {

std::string excerpt(std::string_view body) {
  std::string out(body.substr(0, 300));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

}  // namespace

std::expected<CheckResult, std::vector<Error>> check_connection(const CheckOptions& opt) {
  Package pkg = load_package(opt.package_path, opt.params);
  std::vector<Error> problems;
  for (const auto& d : pkg.all_diagnostics()) {
    if (d.severity == ccp::Diagnostic::Severity::Error) problems.push_back(d.error);
  }
  if (!problems.empty()) return std::unexpected(std::move(problems));
  const ccp::Definition* chosen = nullptr;
  for (const auto& d : pkg.definitions.definitions) {
    if (d.active && (opt.connection.empty() || d.name == opt.connection)) {
      chosen = &d;
      break;
    }
  }
  if (!chosen) return std::unexpected(std::vector<Error>{Error(opt.package_path, "no active connection to test")});
  auto def = ccp::instantiate(*chosen, opt.params);
  if (!def) return std::unexpected(std::vector<Error>{def.error()});
  Redactor redact;
  for (const auto& s : auth::secrets_of(def->auth)) redact.add(s);
  for (const auto& p : chosen->parameters) {
    for (const auto& [k, v] : opt.params) {
      if (p.secret && iequals(p.name, k)) redact.add(v);
    }
  }

  CheckResult r;
  r.connection = def->name;
  auto started = std::chrono::steady_clock::now();
  auto done = [&](std::string stage, std::string message) {
    r.stage = std::move(stage);
    r.message = redact(std::move(message));
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return r;
  };
  http::ClientOptions copts;
  copts.ca_file = opt.ca_file;
  auto client = http::Client::create(copts);
  if (!client) return std::unexpected(std::vector<Error>{client.error()});
  auto authenticator = auth::make_authenticator(def->auth, **client);
  if (!authenticator) return std::unexpected(std::vector<Error>{Error(redact(authenticator.error().str()))});
  auto builder = poll::RequestBuilder::create(*def);
  if (!builder) return std::unexpected(std::vector<Error>{builder.error()});
  auto decoder = poll::Decoder::create(def->response);
  if (!decoder) return std::unexpected(std::vector<Error>{decoder.error()});
  auto paginator = poll::make_paginator(def->paging);
  if (!paginator) return std::unexpected(std::vector<Error>{paginator.error()});
  if (auto ok = (*paginator)->begin("", ""); !ok) return std::unexpected(std::vector<Error>{ok.error()});

  int64_t width = int64_t(def->request.window_minutes) * kTicksPerMinute;
  DateTime end{opt.clock().ticks - int64_t(def->request.window_delay_minutes) * kTicksPerMinute};
  poll::Window window{DateTime{end.ticks - width}, end};
  poll::PageRequest paging;
  (*paginator)->apply(paging);
  auto req = builder->build(window, paging, **authenticator);
  if (!req) return done("config", req.error().str());
  r.request = req->method + " " + http::redact_url(req->url);
  // Credentials are added here: a token grant happens now, and fails with its own message.
  if (auto ok = (*authenticator)->apply(*req); !ok) return done("auth", ok.error().str());
  auto resp = (*client)->send(*req, std::chrono::seconds(def->request.timeout_seconds));
  if (!resp) return done("transport", resp.error().str());
  r.status = resp->status;
  if (http::classify_status(resp->status) != http::Disposition::Ok) {
    std::string hint = resp->status == 401 ? " (the credentials were refused)"
                       : resp->status == 403 ? " (the account lacks a permission the API needs)"
                       : resp->status == 404 ? " (check the host and the endpoint path)"
                                             : "";
    return done("http", "HTTP " + std::to_string(resp->status) + hint + ": " + excerpt(resp->body));
  }
  if (auto ok = decoder->decode(*resp); !ok) return done("response", ok.error().str());
  r.events = static_cast<int64_t>(decoder->events().size());
  r.ok = true;
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return r;
}

}  // namespace intake::engine
