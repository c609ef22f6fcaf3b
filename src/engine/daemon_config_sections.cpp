// The receivers:, destinations: and per-source destinations: sections of intake.yaml.
#include <fstream>
#include <set>
#include <sstream>

#include "core/base64.h"
#include "core/schema.h"
#include "engine/config_reader.h"

namespace intake::engine::config {

namespace {

const KeySpec kReceiverKeys[] = {
    {"listen", "host:port of a listener for the receivers alone (default: the daemon's listen)"},
    {"maxConnections", "the most connections served at once (1 to 65536)"},
    {"threads", "the receivers' HTTP worker threads (1 to 64)"},
    {"readTimeout", "a duration within which a request's headers and body must arrive"},
    {"dataCollector", "a mapping with workspaceId, sharedKeys, maxClockSkew, logTypes, destinations"},
    {"logsIngestion", "a mapping with tokens, jwt, rules"},
    {"webhooks", "a list of webhooks (name, package, token, parameters, destinations)"},
};

const KeySpec kDataCollectorKeys[] = {
    {"workspaceId", "the workspace ID (a GUID) senders sign with"},
    {"sharedKeys", "the workspace's base64 keys (primary, secondary)"},
    {"maxClockSkew", "a duration: how far x-ms-date may be from the clock"},
    {"logTypes", "a mapping of Log-Type to {package, stream}: records go through the package's DCR"},
    {"destinations", "a list of destinations: workspace, or the name of one under destinations:"},
};

const KeySpec kLogTypeKeys[] = {
    {"package", "the package whose DCR takes these records"},
    {"stream", "the DCR stream they are records of"},
};

const KeySpec kIngestionKeys[] = {
    {"tokens", "a list of static bearer tokens (a string, or {token, rules})"},
    {"jwt", "a mapping with hs256Secret or rs256PublicKey, audience, issuer"},
    {"rules", "a list of {immutableId, package, destinations}: DCRs this receiver serves"},
};

const KeySpec kTokenKeys[] = {
    {"token", "the bearer token"},
    {"rules", "the DCR immutable ids the token may write (default: all)"},
};

const KeySpec kJwtKeys[] = {
    {"hs256Secret", "the shared secret of HS256 tokens"},
    {"rs256PublicKey", "a path to the PEM public key of RS256 tokens"},
    {"audience", "the audience tokens must carry (default https://monitor.azure.com)"},
    {"issuer", "the issuer tokens must carry (default: any)"},
};

const KeySpec kRuleKeys[] = {
    {"immutableId", "the DCR's immutable id, dcr- and 32 hex digits"},
    {"package", "the package whose DCR this is"},
    {"destinations", "a list of destinations: workspace, or the name of one under destinations:"},
};

const KeySpec kWebhookKeys[] = {
    {"name", "the webhook's name: it is served at /webhooks/<name>"},
    {"package", "the package whose webhook.json and DCR read the pushed events"},
    {"token", "a token senders must present (or a list of them)"},
    {"parameters", "the package's parameters for its actions (vendor credentials; ${ENV} allowed)"},
    {"destinations", "a list of destinations: workspace, or the name of one under destinations:"},
};

const KeySpec kDestinationKeys[] = {
    {"name", "a unique destination name (used in destinations: lists)"},
    {"type", "azure-monitor or postgres"},
    {"endpoint", "the Logs Ingestion endpoint (a DCE, or a DCR's logsIngestion endpoint)"},
    {"dcrImmutableId", "the DCR rows are sent to (dcr- and 32 hex digits)"},
    {"tenantId", "the Entra tenant of the app registration"},
    {"clientId", "the app registration's client id"},
    {"clientSecret", "the app registration's client secret"},
    {"authorityHost", "the Entra authority (default https://login.microsoftonline.com)"},
    {"scope", "the token scope (default https://monitor.azure.com//.default)"},
    {"token", "a static bearer token instead of client credentials"},
    {"concurrency", "requests in flight (1 to 64)"},
    {"maxRequestBytes", "uncompressed JSON per request (1024 to 1048576)"},
    {"connection", "a libpq connection string (postgres)"},
    {"schema", "the PostgreSQL schema the tables are created in (default public)"},
    {"spoolMaxBytes", "a size such as 512MB or 2GB: the spool's limit before sources are held back"},
    {"maxBackoff", "a duration: the longest wait between delivery retries"},
};

const KeySpec kRouteKeys[] = {
    {"name", "workspace, or the name of a destination"},
    {"dcrImmutableId", "the DCR this source's rows are sent to (azure-monitor)"},
};

std::optional<int64_t> size_bytes(Reader& r, const YAML::Node& v, const std::string& path, const KeySpec& spec) {
  auto s = r.string(v, path, spec);
  if (!s) return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
  std::string_view unit(p, static_cast<size_t>(s->data() + s->size() - p));
  int64_t mult = unit.empty() || unit == "B" ? 1 : unit == "KB" ? 1 << 10 : unit == "MB" ? 1 << 20 : unit == "GB" ? int64_t{1} << 30 : 0;
  if (ec != std::errc() || n <= 0 || mult == 0) {
    r.error(path, std::string("expected ") + spec.expects + ", got '" + *s + "'");
    return std::nullopt;
  }
  return n * mult;
}

bool dcr_id_ok(std::string_view id) {
  if (id.size() != 36 || !id.starts_with("dcr-")) return false;
  for (char c : id.substr(4)) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<Route> read_routes(Reader& r, const YAML::Node& node, const std::string& path) {
  std::vector<Route> out;
  static const KeySpec list{"destinations", "a list of destinations: workspace, or the name of one under destinations:"};
  if (!node.IsSequence()) {
    r.error(path, std::string("expected ") + list.expects);
    return out;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    std::string p = path + "/" + std::to_string(i);
    Route route;
    if (node[i].IsScalar()) {
      if (auto s = r.string(node[i], p, list)) route.destination = *s;
    } else {
      r.each_key(node[i], p, kRouteKeys, [&](const std::string& k, const std::string& kp, const YAML::Node& v, const KeySpec& spec) {
        auto s = r.string(v, kp, spec);
        if (!s) return;
        if (k == "name") route.destination = *s;
        else if (!dcr_id_ok(*s)) r.error(kp, "expected dcr- and 32 hex digits, got '" + *s + "'");
        else route.dcr_immutable_id = *s;
      });
      if (route.destination.empty()) r.error(p, "missing 'name'");
    }
    for (const auto& o : out) {
      if (o.destination == route.destination && !route.destination.empty()) r.error(p, "'" + route.destination + "' is listed twice");
    }
    out.push_back(std::move(route));
  }
  return out;
}

void read_receivers(Reader& r, const YAML::Node& node, const std::string& path, ReceiversConfig& out) {
  r.each_key(node, path, kReceiverKeys, [&](const std::string& key, const std::string& p, const YAML::Node& v, const KeySpec& spec) {
    if (key == "listen") {
      out.listen = r.address(v, p, spec);
    } else if (key == "maxConnections") {
      if (auto n = r.integer(v, p, spec, 1, 65536)) out.max_connections = static_cast<int>(*n);
    } else if (key == "threads") {
      if (auto n = r.integer(v, p, spec, 1, 64)) out.threads = static_cast<int>(*n);
    } else if (key == "readTimeout") {
      if (auto d = r.duration(v, p, spec)) out.read_timeout_ticks = *d;
    } else if (key == "dataCollector") {
      DataCollectorConfig dc;
      r.each_key(v, p, kDataCollectorKeys, [&](const std::string& k, const std::string& kp, const YAML::Node& dv, const KeySpec& ks) {
        if (k == "workspaceId") {
          if (auto s = r.string(dv, kp, ks)) {
            if (!parse_guid(*s)) r.error(kp, "expected a workspace ID (a GUID), got '" + *s + "'");
            dc.workspace_id = *s;
          }
        } else if (k == "sharedKeys") {
          dc.shared_keys = r.strings(dv, kp, ks);
          for (size_t i = 0; i < dc.shared_keys.size(); ++i) {
            auto raw = base64_decode(dc.shared_keys[i]);
            if (!raw || raw->empty()) r.error(kp + "/" + std::to_string(i), "expected a base64 key (the workspace's primary or secondary key)");
          }
        } else if (k == "maxClockSkew") {
          if (auto d = r.duration(dv, kp, ks)) dc.max_skew_ticks = *d;
        } else if (k == "logTypes") {
          if (!dv.IsMap()) {
            r.error(kp, std::string("expected ") + ks.expects);
            return;
          }
          for (const auto& lt : dv) {
            DataCollectorConfig::Mapping m;
            m.log_type = lt.first.as<std::string>();
            std::string lp = kp + "/" + m.log_type;
            r.each_key(lt.second, lp, kLogTypeKeys, [&](const std::string& mk, const std::string& mp, const YAML::Node& mv, const KeySpec& ms) {
              if (mk == "package") {
                if (auto pk = r.package(mv, mp, ms)) m.package = *pk;
              } else if (auto s = r.string(mv, mp, ms)) {
                m.stream = *s;
              }
            });
            if (m.package.empty() || m.stream.empty()) r.error(lp, "expected both package and stream");
            dc.log_types.push_back(std::move(m));
          }
        } else if (k == "destinations") {
          dc.destinations = read_routes(r, dv, kp);
        }
      });
      if (dc.workspace_id.empty()) r.error(p, "missing 'workspaceId'");
      if (dc.shared_keys.empty()) r.error(p, "missing 'sharedKeys' (the workspace's primary and/or secondary key)");
      out.data_collector = std::move(dc);
    } else if (key == "logsIngestion") {
      LogsIngestionConfig li;
      r.each_key(v, p, kIngestionKeys, [&](const std::string& k, const std::string& kp, const YAML::Node& lv, const KeySpec& ks) {
        if (k == "tokens") {
          if (!lv.IsSequence()) {
            r.error(kp, std::string("expected ") + ks.expects);
            return;
          }
          for (size_t i = 0; i < lv.size(); ++i) {
            std::string tp = kp + "/" + std::to_string(i);
            receive::StaticToken t;
            if (lv[i].IsScalar()) {
              if (auto s = r.string(lv[i], tp, ks)) t.token = *s;
            } else {
              r.each_key(lv[i], tp, kTokenKeys, [&](const std::string& tk, const std::string& tkp, const YAML::Node& tv, const KeySpec& ts) {
                if (tk == "token") {
                  if (auto s = r.string(tv, tkp, ts)) t.token = *s;
                } else {
                  for (auto& id : r.strings(tv, tkp, ts)) t.rules.insert(id);
                }
              });
            }
            if (t.token.size() < 8) r.error(tp, "expected a token of at least 8 characters");
            li.tokens.push_back(std::move(t));
          }
        } else if (k == "jwt") {
          receive::JwtOptions j;
          r.each_key(lv, kp, kJwtKeys, [&](const std::string& jk, const std::string& jp, const YAML::Node& jv, const KeySpec& js) {
            auto s = r.string(jv, jp, js);
            if (!s) return;
            if (jk == "hs256Secret") j.hs256_secret = *s;
            else if (jk == "rs256PublicKey") {
              std::string file = r.resolve(*s);
              if (!fs::exists(file)) r.error(jp, "no such file '" + *s + "'");
              else j.rs256_public_pem = read_file(file);
            } else if (jk == "audience") j.audience = *s;
            else j.issuer = *s;
          });
          if (j.hs256_secret.empty() == j.rs256_public_pem.empty()) r.error(kp, "expected exactly one of hs256Secret and rs256PublicKey");
          li.jwt = std::move(j);
        } else if (k == "rules") {
          if (!lv.IsSequence()) {
            r.error(kp, std::string("expected ") + ks.expects);
            return;
          }
          for (size_t i = 0; i < lv.size(); ++i) {
            std::string rp = kp + "/" + std::to_string(i);
            IngestionRuleConfig rule;
            r.each_key(lv[i], rp, kRuleKeys, [&](const std::string& rk, const std::string& rkp, const YAML::Node& rv, const KeySpec& rs) {
              if (rk == "immutableId") {
                if (auto s = r.string(rv, rkp, rs)) {
                  if (!dcr_id_ok(*s)) r.error(rkp, "expected dcr- and 32 hex digits, got '" + *s + "'");
                  rule.immutable_id = *s;
                }
              } else if (rk == "package") {
                if (auto pk = r.package(rv, rkp, rs)) rule.package = *pk;
              } else {
                rule.destinations = read_routes(r, rv, rkp);
              }
            });
            if (rule.immutable_id.empty() || rule.package.empty()) r.error(rp, "expected immutableId and package");
            for (const auto& o : li.rules) {
              if (iequals(o.immutable_id, rule.immutable_id)) r.error(rp + "/immutableId", "'" + rule.immutable_id + "' is listed twice");
            }
            li.rules.push_back(std::move(rule));
          }
        }
      });
      if (li.tokens.empty() && !li.jwt) r.error(p, "expected tokens or jwt: every request must be authenticated");
      out.logs_ingestion = std::move(li);
    } else if (key == "webhooks") {
      if (!v.IsSequence()) {
        r.error(p, std::string("expected ") + spec.expects);
        return;
      }
      std::set<std::string> names;
      for (size_t i = 0; i < v.size(); ++i) {
        std::string wp = p + "/" + std::to_string(i);
        WebhookConfig w;
        r.each_key(v[i], wp, kWebhookKeys, [&](const std::string& k, const std::string& kp, const YAML::Node& wv, const KeySpec& ks) {
          if (k == "name") {
            if (auto s = r.string(wv, kp, ks)) {
              bool ok = !s->empty();
              for (char ch : *s) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.');
              if (!ok) r.error(kp, "expected a name of letters, digits, '-', '_' and '.', got '" + *s + "'");
              w.name = *s;
            }
          } else if (k == "package") {
            if (auto pk = r.package(wv, kp, ks)) w.package = *pk;
          } else if (k == "token") {
            w.tokens = r.strings(wv, kp, ks);
            for (size_t t = 0; t < w.tokens.size(); ++t) {
              if (w.tokens[t].size() < 8) r.error(kp, "expected a token of at least 8 characters");
            }
          } else if (k == "parameters") {
            if (!wv.IsMap()) {
              r.error(kp, std::string("expected ") + ks.expects);
              return;
            }
            for (const auto& pv : wv) {
              std::string pname = pv.first.as<std::string>();
              static const KeySpec val{"value", "a string value"};
              if (auto s = r.string(pv.second, kp + "/" + pname, val)) w.parameters[pname] = *s;
            }
          } else {
            w.destinations = read_routes(r, wv, kp);
          }
        });
        if (w.name.empty() || w.package.empty()) r.error(wp, "expected name and package");
        if (!w.name.empty() && !names.insert(w.name).second) r.error(wp + "/name", "duplicate webhook name '" + w.name + "'");
        out.webhooks.push_back(std::move(w));
      }
    }
  });
}

void read_destinations(Reader& r, const YAML::Node& node, const std::string& path, std::vector<DestinationConfig>& out) {
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    r.error(path, "expected a list of destinations");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string dp = path + "/" + std::to_string(i);
    DestinationConfig d;
    r.each_key(node[i], dp, kDestinationKeys, [&](const std::string& k, const std::string& kp, const YAML::Node& v, const KeySpec& ks) {
      if (k == "concurrency") {
        if (auto n = r.integer(v, kp, ks, 1, 64)) d.concurrency = static_cast<int>(*n);
        return;
      }
      if (k == "maxRequestBytes") {
        if (auto n = r.integer(v, kp, ks, 1024, 1'048'576)) d.max_request_bytes = *n;
        return;
      }
      if (k == "spoolMaxBytes") {
        if (auto n = size_bytes(r, v, kp, ks)) d.spool_max_bytes = *n;
        return;
      }
      if (k == "maxBackoff") {
        if (auto t = r.duration(v, kp, ks)) d.max_backoff_ticks = *t;
        return;
      }
      auto s = r.string(v, kp, ks);
      if (!s) return;
      if (k == "name") {
        if (*s == "workspace") r.error(kp, "'workspace' is the embedded workspace's name; choose another");
        d.name = *s;
      } else if (k == "type") {
        if (*s != "azure-monitor" && *s != "postgres") r.error(kp, "expected azure-monitor or postgres, got '" + *s + "'");
        d.type = *s;
      } else if (k == "endpoint") d.endpoint = *s;
      else if (k == "dcrImmutableId") {
        if (!dcr_id_ok(*s)) r.error(kp, "expected dcr- and 32 hex digits, got '" + *s + "'");
        d.dcr_immutable_id = *s;
      } else if (k == "tenantId") d.tenant_id = *s;
      else if (k == "clientId") d.client_id = *s;
      else if (k == "clientSecret") d.client_secret = *s;
      else if (k == "authorityHost") d.authority_host = *s;
      else if (k == "scope") d.scope = *s;
      else if (k == "token") d.token = *s;
      else if (k == "connection") d.connection = *s;
      else if (k == "schema") d.schema = *s;
    });
    if (d.name.empty()) r.error(dp, "missing 'name'");
    else if (!names.insert(d.name).second) r.error(dp + "/name", "duplicate destination name '" + d.name + "'");
    if (d.type == "azure-monitor") {
      if (d.endpoint.empty()) r.error(dp, "azure-monitor needs 'endpoint'");
      bool credentials = !d.tenant_id.empty() && !d.client_id.empty() && !d.client_secret.empty();
      if (!credentials && d.token.empty()) r.error(dp, "azure-monitor needs tenantId, clientId and clientSecret (or a static token)");
    } else if (d.type == "postgres") {
      if (d.connection.empty()) r.error(dp, "postgres needs 'connection' (a libpq connection string)");
    } else if (d.type.empty()) {
      r.error(dp, "missing 'type' (azure-monitor or postgres)");
    }
    out.push_back(std::move(d));
  }
}

}  // namespace intake::engine::config
