// Instance parameters and the deploy-time placeholders of CCP files: "{{name}}" tokens and ARM
// expressions "[[parameters('name')]" / "[parameters('name')]" are replaced by parameter values.
// The runtime built-ins ({_QueryWindowStartTime} ...) are left for the request builder.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/value.h"

namespace intake::ccp {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

// Parameter values by name; names match case-insensitively, as UI field names do.
using Params = std::map<std::string, std::string, CaseInsensitiveLess>;

// Placeholders that Sentinel itself fills at deploy time (never asked of the user).
bool is_system_placeholder(std::string_view name);

// Replaces placeholders in one string. Names without a value are left in place and added to
// `missing` (when given).
std::string substitute(std::string_view text, const Params& params, std::set<std::string>* missing = nullptr);

// The same over every string of a tree (keys are left alone).
Value substitute_tree(const Value& tree, const Params& params, std::set<std::string>* missing = nullptr);

// Names of the placeholders a string still holds ("{{domain}}" -> "domain").
std::set<std::string> placeholders_in(std::string_view text);

}  // namespace intake::ccp
