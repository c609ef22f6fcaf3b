// The daemon's log: one line per event on stderr, as "key=value" text (STYLE.md: a short sentence,
// then fields, the error always as error=...) or as JSON lines. Every line passes through the
// redactor of all configured secrets. Thread-safe.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <vector>
#include <string>
#include <string_view>
#include <utility>

#include "engine/daemon_config.h"
#include "engine/redact.h"

namespace intake::engine {

enum class LogFormat { Text, Json };

using LogField = std::pair<std::string_view, std::string>;

class Logger {
 public:
  Logger(std::FILE* out, LogFormat format, LogLevel level) : out_(out), format_(format), level_(level) {}

  void set_level(LogLevel level);
  void set_redactor(Redactor r);
  bool enabled(LogLevel level) const { return level >= level_; }
  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  // `threshold` replaces the logger's level for this line (an instance's own logLevel).
  void log_fields(LogLevel level, std::string_view message, const std::vector<LogField>& fields,
                  std::optional<LogLevel> threshold = std::nullopt);

 private:
  std::FILE* out_;
  LogFormat format_;
  LogLevel level_;
  std::mutex mutex_;
  Redactor redact_;
};

}  // namespace intake::engine
