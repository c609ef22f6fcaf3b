#include "engine/log.h"

#include <vector>

#include "core/time.h"
#include "json/value_json.h"

namespace intake::engine {

namespace {

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

void append_text_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

void Logger::set_level(LogLevel level) {
  std::lock_guard lock(mutex_);
  level_ = level;
}

void Logger::set_redactor(Redactor r) {
  std::lock_guard lock(mutex_);
  redact_ = std::move(r);
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  log_fields(level, message, std::vector<LogField>(fields));
}

void Logger::log_fields(LogLevel level, std::string_view message, const std::vector<LogField>& fields,
                        std::optional<LogLevel> threshold) {
  if (threshold ? level < *threshold : !enabled(level)) return;
  std::string line;
  std::string ts = format_iso8601(system_now());
  if (format_ == LogFormat::Json) {
    line += "{\"ts\":";
    json::append_json_string(line, ts);
    line += ",\"level\":";
    json::append_json_string(line, log_level_name(level));
    line += ",\"msg\":";
    json::append_json_string(line, message);
    for (const auto& [k, v] : fields) {
      line += ',';
      json::append_json_string(line, k);
      line += ':';
      json::append_json_string(line, v);
    }
    line += "}\n";
  } else {
    line += ts;
    line += ' ';
    line += log_level_name(level);
    line += ' ';
    line += message;
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      append_text_value(line, v);
    }
    line += '\n';
  }
  std::lock_guard lock(mutex_);
  line = redact_(std::move(line));
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace intake::engine
