#include "sim/jira.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "core/base64.h"
#include "core/time.h"

namespace intake::sim::jira {

namespace {

constexpr int64_t kMaxLimit = 1000;
constexpr int64_t kMinuteMs = 60'000;
// Every 50th record sits on a whole minute (when its group spans one) so that consumers'
// whole-minute windows meet records exactly on their boundaries; the roundest instant of the
// group's slice is chosen, so hourly and daily windows get boundary records too.
constexpr int64_t kGroup = 50;
constexpr std::array<int64_t, 6> kRoundInstants{24 * 60 * kMinuteMs, 60 * kMinuteMs, 30 * kMinuteMs,
                                                15 * kMinuteMs,      5 * kMinuteMs,  kMinuteMs};

// ---------------------------------------------------------------------------------------------
// Record content

struct Item {
  std::string id, name, type_name, parent_id, parent_name;
};
struct Change {
  std::string field, from, to;
};
struct Record {
  int64_t id = 0;
  int64_t created_ms = 0;
  std::string summary, remote_address, author_key, author_account_id, category, event_source, description;
  Item object;
  std::vector<Change> changes;
  std::vector<Item> associated;
};

// Deterministic draws for one record.
class Dice {
 public:
  Dice(uint64_t seed, uint64_t key) : base_(hash2(seed, key)) {}
  uint64_t next() { return hash2(base_, n_++); }
  size_t pick(size_t count) { return static_cast<size_t>(next() % count); }
  template <class T, size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[pick(N)];
  }

 private:
  uint64_t base_;
  uint64_t n_ = 0;
};

struct Person {
  const char* first;
  const char* last;
};
constexpr std::array<Person, 16> kPeople{{{"Alana", "Grant"},   {"Mia", "Krystof"},  {"Emma", "Richards"},
                                          {"Jie Yan", "Song"},  {"Fran", "Perez"},   {"Omar", "Darboe"},
                                          {"Ryan", "Lee"},      {"Grace", "Chen"},   {"Lucas", "Silva"},
                                          {"Priya", "Nair"},    {"Tomasz", "Kowalski"}, {"Sofia", "Rossi"},
                                          {"Kenji", "Watanabe"}, {"Amara", "Okafor"}, {"Noah", "Fischer"},
                                          {"Chloe", "Martin"}}};
constexpr std::array<const char*, 9> kGroups{"jira-administrators", "jira-software-users", "site-admins",
                                             "jira-servicemanagement-users", "confluence-users", "developers",
                                             "qa-team", "security-analysts", "trusted-contractors"};
struct Project {
  const char* key;
  const char* name;
  int id;
};
constexpr std::array<Project, 7> kProjects{{{"SEC", "Security Operations", 10000},
                                            {"OPS", "IT Operations", 10001},
                                            {"WEB", "Web Platform", 10002},
                                            {"MOB", "Mobile Apps", 10003},
                                            {"HR", "People Team", 10004},
                                            {"FIN", "Finance Systems", 10005},
                                            {"DATA", "Data Platform", 10006}}};
constexpr std::array<const char*, 5> kPermissionSchemes{
    "Default Permission Scheme", "Security Operations Permission Scheme", "Restricted Finance Scheme",
    "Contractor Access Scheme", "Service Desk Permission Scheme"};
constexpr std::array<const char*, 8> kPermissions{"BROWSE_PROJECTS", "ADMINISTER_PROJECTS", "CREATE_ISSUES",
                                                  "DELETE_ISSUES",   "TRANSITION_ISSUES",   "MANAGE_WATCHERS",
                                                  "EDIT_ALL_WORKLOGS", "SET_ISSUE_SECURITY"};
constexpr std::array<const char*, 4> kGlobalPermissions{"Administer Jira", "Browse users and groups",
                                                        "Create shared objects", "Bulk change"};
constexpr std::array<const char*, 4> kWorkflows{"Software Simplified Workflow for Project SEC",
                                                "Incident Management Workflow", "Change Approval Workflow", "jira"};
constexpr std::array<const char*, 6> kStatuses{"To Do", "In Progress", "In Review", "Awaiting Approval", "Done",
                                               "Closed"};
constexpr std::array<const char*, 5> kCustomFields{"Severity", "Affected Service", "Root Cause", "Customer Impact",
                                                   "Change Risk"};
constexpr std::array<const char*, 4> kFieldTypes{"Select List (single choice)", "Text Field (single line)",
                                                 "Paragraph (supports rich text)", "Labels"};
constexpr std::array<const char*, 5> kEventSources{"", "Jira", "Admin Hub", "REST API", "Jira Service Management"};
constexpr std::array<const char*, 3> kSecurityLevels{"Internal only", "Security team", "Restricted - Legal"};

constexpr const char* kDirectoryId = "10000";
constexpr const char* kDirectoryName = "com.atlassian.crowd.directory.IdentityPlatformRemoteDirectory";

std::string hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf + 16 - digits, static_cast<size_t>(digits));
}

std::string account_id(uint64_t seed, size_t person) {
  std::string id = "5" + hex(hash2(seed, 7000 + person), 15) + hex(hash2(seed, 8000 + person), 8);
  return id;
}

std::string full_name(size_t person) { return std::string(kPeople[person].first) + " " + kPeople[person].last; }

std::string email(size_t person) {
  std::string e = std::string(kPeople[person].first) + "." + kPeople[person].last + "@example.com";
  std::transform(e.begin(), e.end(), e.begin(), [](char c) { return c == ' ' ? '-' : static_cast<char>(std::tolower(c)); });
  return e;
}

std::string remote_address(Dice& d) {
  uint64_t h = d.next();
  switch (h % 5) {
    case 0: return "203.0.113." + std::to_string(1 + (h >> 8) % 254);
    case 1: return "198.51.100." + std::to_string(1 + (h >> 8) % 254);
    case 2: return "192.0.2." + std::to_string(1 + (h >> 8) % 254);
    case 3: return "10.20." + std::to_string((h >> 8) % 256) + "." + std::to_string(1 + (h >> 16) % 254);
    default: return "2001:db8:" + hex(h >> 8, 4) + "::" + hex(h >> 24, 4);
  }
}

Item user_item(uint64_t seed, size_t person) {
  return {account_id(seed, person), full_name(person), "USER", kDirectoryId, kDirectoryName};
}
Item group_item(const char* group) { return {"", group, "GROUP", kDirectoryId, kDirectoryName}; }
Item project_item(const Project& p) {
  return {std::to_string(p.id), p.name, "PROJECT", "", ""};
}

struct Context {
  uint64_t seed;
  Dice& dice;
  Record& r;
  std::string author;  // display name of the author
};

void user_added_to_group(Context& c, bool added) {
  size_t person = c.dice.pick(kPeople.size());
  const char* group = c.dice.pick(kGroups);
  c.r.category = "group management";
  c.r.summary = added ? "User added to group" : "User removed from group";
  c.r.object = group_item(group);
  c.r.associated.push_back(user_item(c.seed, person));
  c.r.description = full_name(person) + " (" + email(person) + ") was " + (added ? "added to" : "removed from") +
                    " the group '" + group + "' in the Atlassian directory by " + c.author +
                    ". Product access and project roles granted through this group apply at the next login; "
                    "the change was also written to the organization audit log.";
}

void group_created(Context& c) {
  const char* group = c.dice.pick(kGroups);
  c.r.category = "group management";
  c.r.summary = "Group created";
  c.r.object = group_item(group);
  c.r.changes.push_back({"Name", "", group});
  c.r.description = std::string("The group '") + group + "' was created in the Atlassian directory by " + c.author +
                    ". New groups have no members and no product access until an administrator grants them; "
                    "site administrators were notified by email.";
}

void user_created(Context& c) {
  size_t person = c.dice.pick(kPeople.size());
  c.r.category = "user management";
  c.r.summary = "User created";
  c.r.object = user_item(c.seed, person);
  c.r.changes.push_back({"Username", "", email(person)});
  c.r.changes.push_back({"Full name", "", full_name(person)});
  c.r.changes.push_back({"Email", "", email(person)});
  c.r.description = "A new account for " + full_name(person) + " was created by " + c.author +
                    " and invited to the site; default product access was granted through the "
                    "jira-software-users group.";
}

void user_updated(Context& c) {
  size_t person = c.dice.pick(kPeople.size());
  c.r.category = "user management";
  c.r.summary = "User updated";
  c.r.object = user_item(c.seed, person);
  std::string old_email = email(person);
  std::string new_email = old_email.substr(0, old_email.find('@')) + "@corp.example.com";
  c.r.changes.push_back({"Email", old_email, new_email});
  if (c.dice.pick(2) == 0) c.r.changes.push_back({"Full name", kPeople[person].first, full_name(person)});
  c.r.description = "The profile of " + full_name(person) + " was updated by " + c.author +
                    ". Changes to the email address take effect after the user confirms the new address; "
                    "existing sessions stay valid until they expire.";
}

void user_deactivated(Context& c) {
  size_t person = c.dice.pick(kPeople.size());
  c.r.category = "user management";
  c.r.summary = "User deactivated";
  c.r.object = user_item(c.seed, person);
  c.r.changes.push_back({"Active / Inactive", "Active", "Inactive"});
  c.r.associated.push_back(group_item("jira-software-users"));
  c.r.description = full_name(person) + " (" + email(person) + ") was deactivated by " + c.author +
                    ". The account keeps its history but can no longer log in, and it no longer counts "
                    "towards the licence; issues assigned to it keep their assignee.";
}

void permission_scheme_updated(Context& c) {
  const char* scheme = c.dice.pick(kPermissionSchemes);
  const char* permission = c.dice.pick(kPermissions);
  const char* group = c.dice.pick(kGroups);
  const Project& project = c.dice.pick(kProjects);
  c.r.category = "permissions";
  c.r.summary = "Permission scheme updated";
  c.r.object = {std::to_string(10100 + c.dice.pick(20)), scheme, "PERMISSION_SCHEME", "", ""};
  c.r.changes.push_back({"Permission", "", permission});
  c.r.changes.push_back({"Type", "", "Group"});
  c.r.changes.push_back({"Value", "", group});
  c.r.associated.push_back(project_item(project));
  c.r.description = std::string("Permission ") + permission + " was granted to group " + group + " in '" + scheme +
                    "' by " + c.author + "; the scheme is used by project " + project.key + ".";
}

void global_permission_added(Context& c) {
  const char* permission = c.dice.pick(kGlobalPermissions);
  const char* group = c.dice.pick(kGroups);
  c.r.category = "permissions";
  c.r.summary = "Global permission added";
  c.r.object = {"", permission, "PERMISSIONS", "", ""};
  c.r.changes.push_back({"Group", "", group});
  c.r.associated.push_back(group_item(group));
  c.r.description = std::string("The global permission '") + permission + "' was added to the group '" + group +
                    "' by " + c.author + ". Global permissions apply to every project on the site and "
                    "should be reviewed during the quarterly access recertification.";
}

void workflow_updated(Context& c) {
  const char* workflow = c.dice.pick(kWorkflows);
  size_t s = c.dice.pick(kStatuses.size() - 1);
  const Project& project = c.dice.pick(kProjects);
  c.r.category = "workflows";
  c.r.summary = "Workflow updated";
  c.r.object = {"", workflow, "WORKFLOW", "", ""};
  c.r.changes.push_back({"Transition", kStatuses[s], kStatuses[s + 1]});
  if (c.dice.pick(2) == 0) c.r.changes.push_back({"Validator", "", "Field Required Validator (Resolution)"});
  c.r.associated.push_back(project_item(project));
  c.r.description = std::string("The workflow '") + workflow + "' was published by " + c.author +
                    " after editing its draft. Issues in project " + project.key +
                    " were migrated to the new statuses without errors.";
}

void project_created(Context& c) {
  const Project& project = c.dice.pick(kProjects);
  size_t lead = c.dice.pick(kPeople.size());
  c.r.category = "projects";
  c.r.summary = "Project created";
  c.r.object = project_item(project);
  c.r.changes.push_back({"Name", "", project.name});
  c.r.changes.push_back({"Key", "", project.key});
  c.r.changes.push_back({"Project lead", "", full_name(lead)});
  c.r.associated.push_back(user_item(c.seed, lead));
  c.r.description = std::string("Project ") + project.key + " was created from the Scrum template by " + c.author +
                    ".";
}

void custom_field_created(Context& c) {
  const char* field = c.dice.pick(kCustomFields);
  const char* type = c.dice.pick(kFieldTypes);
  c.r.category = "fields";
  c.r.summary = "Custom field created";
  c.r.object = {"customfield_" + std::to_string(10020 + c.dice.pick(80)), field, "CUSTOM_FIELD", "", ""};
  c.r.changes.push_back({"Name", "", field});
  c.r.changes.push_back({"Type", "", type});
  c.r.description = std::string("The custom field '") + field + "' (" + type + ") was created by " + c.author +
                    " and added to the default screen. Fields that are not on a screen are not "
                    "visible to users, so the screen configuration was updated as well.";
}

void notification_scheme_updated(Context& c) {
  const Project& project = c.dice.pick(kProjects);
  c.r.category = "notifications";
  c.r.summary = "Notification scheme updated";
  c.r.object = {std::to_string(10200 + c.dice.pick(10)), std::string(project.name) + " Notification Scheme",
                "NOTIFICATION_SCHEME", "", ""};
  c.r.changes.push_back({"Issue Resolved", "Current Assignee", "Current Assignee, Reporter, All Watchers"});
  c.r.associated.push_back(project_item(project));
  c.r.description = "Notification recipients for the Issue Resolved event were changed by " + c.author +
                    ". Users receive at most one email per event even when several rules match.";
}

void security_level_added(Context& c) {
  const char* level = c.dice.pick(kSecurityLevels);
  const char* group = c.dice.pick(kGroups);
  c.r.category = "issue security";
  c.r.summary = "Issue security level added";
  c.r.object = {std::to_string(10300 + c.dice.pick(10)), level, "SECURITY_LEVEL", "10400", "Default Issue Security Scheme"};
  c.r.changes.push_back({"Name", "", level});
  c.r.associated.push_back(group_item(group));
  c.r.description = std::string("The issue security level '") + level + "' was added by " + c.author +
                    " and restricted to members of " + group +
                    ". Issues set to this level are hidden from everyone else, including in search results, "
                    "filters, dashboards and email notifications.";
}

void settings_updated(Context& c) {
  c.r.category = "system";
  c.r.summary = "Global settings updated";
  c.r.object = {"", "General configuration", "SYSTEM", "", ""};
  bool on = c.dice.pick(2) == 0;
  c.r.changes.push_back({"Allow unassigned issues", on ? "OFF" : "ON", on ? "ON" : "OFF"});
  c.r.description = "The general configuration of the site was changed by " + c.author +
                    ". The setting applies to all projects immediately; issues created while it was "
                    "disabled keep their assignee. Reindexing is not required for this change.";
}

// Weighted catalogue: membership and user changes dominate real audit logs.
using Fill = void (*)(Context&);
constexpr std::array<Fill, 16> kTemplates{
    [](Context& c) { user_added_to_group(c, true); },  [](Context& c) { user_added_to_group(c, true); },
    [](Context& c) { user_added_to_group(c, true); },  [](Context& c) { user_added_to_group(c, false); },
    [](Context& c) { user_added_to_group(c, false); }, group_created,
    user_created,                                      user_updated,
    user_deactivated,                                  permission_scheme_updated,
    global_permission_added,                           workflow_updated,
    project_created,                                   custom_field_created,
    notification_scheme_updated,                       security_level_added};

Record make_record(uint64_t seed, int64_t key, int64_t id, int64_t created_ms) {
  Dice dice(seed, static_cast<uint64_t>(key));
  Record r;
  r.id = id;
  r.created_ms = created_ms;
  size_t author = dice.pick(kPeople.size());
  r.author_account_id = account_id(seed, author);
  uint64_t k = hash2(seed, 9000 + author);
  r.author_key = "ug:" + hex(k, 8) + "-" + hex(k >> 32, 4) + "-4" + hex(k >> 16, 3) + "-a" + hex(k >> 40, 3) + "-" +
                 hex(hash2(k, 1), 12);
  r.remote_address = remote_address(dice);
  r.event_source = dice.pick(kEventSources);
  Context c{seed, dice, r, full_name(author)};
  // One record in 16 is a settings change; the rest come from the weighted catalogue.
  if (dice.pick(16) == 0) {
    settings_updated(c);
  } else {
    kTemplates[dice.pick(kTemplates.size())](c);
  }
  return r;
}

void append_item(std::string& out, const Item& item) {
  out += "{\"id\":";
  append_json_string(out, item.id);
  out += ",\"name\":";
  append_json_string(out, item.name);
  out += ",\"typeName\":";
  append_json_string(out, item.type_name);
  out += ",\"parentId\":";
  append_json_string(out, item.parent_id);
  out += ",\"parentName\":";
  append_json_string(out, item.parent_name);
  out += '}';
}

void append_record(std::string& out, const Record& r) {
  out += "{\"id\":" + std::to_string(r.id) + ",\"summary\":";
  append_json_string(out, r.summary);
  out += ",\"remoteAddress\":";
  append_json_string(out, r.remote_address);
  out += ",\"authorKey\":";
  append_json_string(out, r.author_key);
  out += ",\"authorAccountId\":";
  append_json_string(out, r.author_account_id);
  out += ",\"created\":\"" + format_jira_time(r.created_ms) + "\",\"category\":";
  append_json_string(out, r.category);
  out += ",\"eventSource\":";
  append_json_string(out, r.event_source);
  out += ",\"description\":";
  append_json_string(out, r.description);
  out += ",\"objectItem\":";
  append_item(out, r.object);
  out += ",\"changedValues\":[";
  for (size_t i = 0; i < r.changes.size(); ++i) {
    if (i) out += ',';
    out += "{\"fieldName\":";
    append_json_string(out, r.changes[i].field);
    out += ",\"changedFrom\":";
    append_json_string(out, r.changes[i].from);
    out += ",\"changedTo\":";
    append_json_string(out, r.changes[i].to);
    out += '}';
  }
  out += "],\"associatedItems\":[";
  for (size_t i = 0; i < r.associated.size(); ++i) {
    if (i) out += ',';
    append_item(out, r.associated[i]);
  }
  out += "]}";
}

bool icontains(std::string_view haystack, std::string_view lower_needle) {
  if (lower_needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), lower_needle.begin(), lower_needle.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

// Jira's filter: every word must occur in one of the searchable fields.
bool matches(const Record& r, const std::vector<std::string>& words) {
  for (const auto& w : words) {
    bool found = icontains(r.summary, w) || icontains(r.category, w) || icontains(r.event_source, w) ||
                 icontains(r.object.name, w) || icontains(r.object.parent_name, w) ||
                 icontains(r.object.type_name, w) || icontains(r.remote_address, w);
    for (const auto& ch : r.changes) found = found || icontains(ch.from, w) || icontains(ch.to, w);
    if (!found) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Responses

http::ServerResponse jira_error(int status, std::string_view message) {
  std::string body = "{\"errorMessages\":[";
  append_json_string(body, message);
  body += "],\"errors\":{}}";
  return http::ServerResponse::json(status, std::move(body));
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string format_minute_utc(int64_t unix_ms) {
  CivilTime c = to_civil(DateTime{unix_ms * kTicksPerMillisecond});
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02dZ", c.year, c.month, c.day, c.hour, c.minute);
  return buf;
}

http::ServerResponse rate_limited(double limit, int64_t now_ms) {
  http::ServerResponse r = http::ServerResponse::json(429, R"({"errorMessages":["Rate limit exceeded."]})");
  int64_t reset = (floor_div(now_ms + 1000, kMinuteMs) + 1) * kMinuteMs;
  r.headers.emplace_back("Retry-After", "1");
  r.headers.emplace_back("X-RateLimit-Reset", format_minute_utc(reset));
  r.headers.emplace_back("X-RateLimit-Limit", std::to_string(static_cast<int64_t>(limit)));
  r.headers.emplace_back("X-RateLimit-Remaining", "0");
  r.headers.emplace_back("RateLimit-Reason", "jira-quota-based");
  return r;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

int64_t scale(int64_t a, int64_t b, int64_t c) {
  return static_cast<int64_t>(static_cast<__int128>(a) * b / c);
}

}  // namespace

std::string format_jira_time(int64_t unix_ms) {
  CivilTime c = to_civil(DateTime{unix_ms * kTicksPerMillisecond});
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", c.year, c.month, c.day, c.hour, c.minute,
                c.second, static_cast<int>(c.fraction_ticks / kTicksPerMillisecond));
  return buf;
}

struct Simulator::Query {
  int64_t offset = 0;
  int64_t limit = kMaxLimit;
  std::optional<int64_t> from_ms;  // inclusive
  std::optional<int64_t> to_ms;    // inclusive
  bool empty = false;              // from is not before to
  std::vector<std::string> words;  // lower-case filter words
};

// A record in a query's window: generated (index) or inserted during paging (id, created).
struct Simulator::Ref {
  bool inserted = false;
  int64_t index = 0;
  int64_t id = 0;
  int64_t created_ms = 0;
};

Result<std::unique_ptr<Simulator>> Simulator::create(Options options, std::shared_ptr<Recorder> recorder) {
  if (options.records < 0) return fail("--records", "must not be negative");
  if (options.end_ms <= options.start_ms) return fail("--end", "must be after --start");
  if (options.fail_rate < 0 || options.fail_rate > 1) return fail("--fail-rate", "must be within 0..1");
  if (options.slow_ms < 0) return fail("--slow-ms", "must not be negative");
  if (options.rate_limit < 0) return fail("--rate-limit", "must not be negative");
  if (options.insert_during_paging < 0) return fail("--insert-during-paging", "must not be negative");
  if (!recorder) recorder = std::make_shared<Recorder>(options.now);
  return std::unique_ptr<Simulator>(new Simulator(std::move(options), std::move(recorder)));
}

Simulator::Simulator(Options options, std::shared_ptr<Recorder> recorder)
    : options_(std::move(options)),
      recorder_(std::move(recorder)),
      limiter_(options_.rate_limit, options_.now),
      expected_credentials_(options_.user + ":" + options_.password) {}

int64_t Simulator::boundary_ms(int64_t position) const {
  return options_.start_ms + scale(position, options_.end_ms - options_.start_ms, std::max<int64_t>(options_.records, 1));
}

// Records are laid out in groups of kGroup over equal slices of [start, end): the group's first
// record goes on the roundest whole minute of its slice (if any), the others spread over the
// rest. The layout is monotonic in the index, so windows are found by binary search.
int64_t Simulator::created_ms(int64_t index) const {
  int64_t first = index - index % kGroup;
  int64_t last = std::min(first + kGroup, options_.records);
  int64_t lo = boundary_ms(first);
  int64_t hi = boundary_ms(last);
  int64_t count = last - first;
  int64_t pos = index - first;
  for (int64_t unit : kRoundInstants) {
    int64_t round = (floor_div(lo - 1, unit) + 1) * unit;
    if (round >= hi) continue;
    if (pos == 0) return round;
    lo = round;
    --pos;
    --count;
    break;
  }
  int64_t a = lo + scale(pos, hi - lo, count);
  int64_t b = lo + scale(pos + 1, hi - lo, count);
  if (b <= a) return a;
  return a + static_cast<int64_t>(hash2(options_.seed ^ 0x7153ULL, static_cast<uint64_t>(index)) %
                                  static_cast<uint64_t>(b - a));
}

std::string Simulator::record_json(int64_t index) const {
  std::string out;
  append_record(out, make_record(options_.seed, index, index + 1, created_ms(index)));
  return out;
}

// First index whose time is >= ms (inclusive) or > ms (exclusive).
int64_t Simulator::lower_index(int64_t ms, bool inclusive) const {
  int64_t lo = 0, hi = options_.records;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int64_t t = created_ms(mid);
    if (inclusive ? t < ms : t <= ms) lo = mid + 1; else hi = mid;
  }
  return lo;
}

http::ServerResponse Simulator::handle(const http::ServerRequest& request) {
  http::ServerResponse response = serve_records(request);
  response.delay_ms = options_.slow_ms;
  return response;
}

http::ServerResponse Simulator::serve_records(const http::ServerRequest& request) {
  if (request.path != "/rest/api/3/auditing/record" && request.path != "/rest/api/2/auditing/record") {
    return jira_error(404, "No resource found at " + request.path);
  }
  if (request.method != "GET") {
    http::ServerResponse r = jira_error(405, "Method " + request.method + " is not allowed");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (!limiter_.admit()) return rate_limited(options_.rate_limit, options_.now());

  uint64_t n = request_counter_.fetch_add(1);
  uint64_t roll = hash2(options_.seed ^ 0xFA11ULL, n);
  if (unit_interval(roll) < options_.fail_rate) {
    if ((roll & 1) == 0) return jira_error(500, "Internal server error");
    http::ServerResponse r = jira_error(503, "Service temporarily unavailable. Please try again later.");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }

  auto auth = request.header("Authorization");
  bool authorized = false;
  if (auth && auth->size() > 6 && iequals(auth->substr(0, 6), "Basic ")) {
    auto decoded = base64_decode(auth->substr(6));
    authorized = decoded && *decoded == expected_credentials_;
  }
  if (!authorized) {
    http::ServerResponse r = jira_error(401, "Client must be authenticated to access this resource.");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"protected-area\"");
    return r;
  }

  auto query = parse_query(request);
  if (!query) return jira_error(400, query.error().message);
  int64_t served = 0;
  std::string body = page_json(*query, served);
  recorder_->add_records_served(served);
  if (query->offset == 0 && options_.insert_during_paging > 0) insert_records_now();
  return http::ServerResponse::json(200, std::move(body));
}

Result<Simulator::Query> Simulator::parse_query(const http::ServerRequest& request) const {
  Query q;
  if (auto v = request.param("offset")) {
    auto n = parse_int(*v);
    if (!n || *n < 0) return fail("The offset parameter must be a non-negative integer.");
    q.offset = *n;
  }
  if (auto v = request.param("limit")) {
    auto n = parse_int(*v);
    if (!n || *n < 1) return fail("The limit parameter must be a positive integer.");
    q.limit = std::min(*n, kMaxLimit);
  }
  // Record times are whole milliseconds: round `from` up and `to` down to keep both inclusive.
  std::optional<int64_t> from_ticks, to_ticks;
  if (auto v = request.param("from")) {
    auto t = parse_datetime(*v);
    if (!t) return fail("The from parameter is not a valid date-time: " + *v);
    from_ticks = t->ticks;
    q.from_ms = floor_div(t->ticks + kTicksPerMillisecond - 1, kTicksPerMillisecond);
  }
  if (auto v = request.param("to")) {
    auto t = parse_datetime(*v);
    if (!t) return fail("The to parameter is not a valid date-time: " + *v);
    to_ticks = t->ticks;
    q.to_ms = floor_div(t->ticks, kTicksPerMillisecond);
  }
  q.empty = from_ticks && to_ticks && *from_ticks >= *to_ticks;
  if (auto v = request.param("filter")) {
    std::string word;
    for (char c : *v + " ") {
      if (c == ' ') {
        if (!word.empty()) q.words.push_back(std::move(word));
        word.clear();
      } else {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
  }
  return q;
}

void Simulator::insert_records_now() {
  int64_t now = options_.now();
  std::lock_guard lock(extras_mutex_);
  for (int64_t i = 0; i < options_.insert_during_paging; ++i) {
    int64_t id = options_.records + static_cast<int64_t>(extras_.size()) + 1;
    extras_.emplace_back(now, id);
  }
  std::sort(extras_.begin(), extras_.end());
}

std::string Simulator::page_json(const Query& q, int64_t& served) {
  int64_t blo = 0, bhi = 0;
  std::vector<std::pair<int64_t, int64_t>> extras;  // inserted records inside the window
  if (!q.empty) {
    blo = q.from_ms ? lower_index(*q.from_ms, true) : 0;
    bhi = q.to_ms ? lower_index(*q.to_ms, false) : options_.records;
    bhi = std::max(bhi, blo);
    std::lock_guard lock(extras_mutex_);
    for (const auto& e : extras_) {
      if ((!q.from_ms || e.first >= *q.from_ms) && (!q.to_ms || e.first <= *q.to_ms)) extras.push_back(e);
    }
  }
  // Ascending merge of generated and inserted records; a generated record goes first on a tie.
  std::vector<int64_t> extra_pos;
  for (size_t j = 0; j < extras.size(); ++j) {
    int64_t before = std::clamp(lower_index(extras[j].first, false) - blo, int64_t{0}, bhi - blo);
    extra_pos.push_back(before + static_cast<int64_t>(j));
  }
  int64_t window = (bhi - blo) + static_cast<int64_t>(extras.size());
  auto ref_at = [&](int64_t k) {
    int64_t asc = options_.order == Order::NewestFirst ? window - 1 - k : k;
    auto it = std::lower_bound(extra_pos.begin(), extra_pos.end(), asc);
    size_t j = static_cast<size_t>(it - extra_pos.begin());
    if (it != extra_pos.end() && *it == asc) return Ref{true, 0, extras[j].second, extras[j].first};
    int64_t index = blo + asc - static_cast<int64_t>(j);
    return Ref{false, index, index + 1, created_ms(index)};
  };
  auto record_of = [&](const Ref& ref) {
    int64_t key = ref.inserted ? ref.id - 1 : ref.index;
    return make_record(options_.seed, key, ref.id, ref.created_ms);
  };

  std::string records;
  records.reserve(static_cast<size_t>(std::min(q.limit, window)) * 1100);
  int64_t total = 0;
  served = 0;
  if (q.words.empty()) {
    total = window;
    for (int64_t k = q.offset; k < total && served < q.limit; ++k, ++served) {
      if (served) records += ',';
      append_record(records, record_of(ref_at(k)));
    }
  } else {
    for (int64_t k = 0; k < window; ++k) {
      Record r = record_of(ref_at(k));
      if (!matches(r, q.words)) continue;
      if (total >= q.offset && served < q.limit) {
        if (served++) records += ',';
        append_record(records, r);
      }
      ++total;
    }
  }
  std::string out = "{\"offset\":" + std::to_string(q.offset) + ",\"limit\":" + std::to_string(q.limit) +
                    ",\"total\":" + std::to_string(total) + ",\"records\":[";
  out += records;
  out += "]}";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

class JiraCommand final : public Command {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--records", records_, "Number of audit records to generate (ids 1..N, oldest first)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--start", start_, "Earliest record time, ISO 8601 (default: --end minus 24 hours)");
    app.add_option("--end", end_, "Records are created before this time, ISO 8601 (default: now, whole minute)");
    app.add_option("--user", user_, "Account email accepted by HTTP Basic auth")->capture_default_str();
    app.add_option("--password", password_, "API token accepted by HTTP Basic auth")->capture_default_str();
    app.add_option("--order", order_, "Record order in responses: newest (as Jira) or oldest")
        ->check(CLI::IsMember({"newest", "oldest"}))
        ->capture_default_str();
    app.add_option("--fail-rate", fail_rate_, "Fraction of requests answered 500/503 (deterministic by seed)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--slow-ms", slow_ms_, "Delay every API response by this many milliseconds")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--rate-limit", rate_limit_,
                   "Requests per second (sliding window) before answering 429 with Retry-After: 1; 0 = off")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--insert-during-paging", insert_,
                   "After each first page (offset 0), K new records appear, created now")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.footer(
        "Endpoints: GET /rest/api/3/auditing/record and /rest/api/2/auditing/record (offset, limit, from, to,\n"
        "filter); GET /_sim/stats (request counts) and GET /_sim/requests (request log, JSON lines).");
  }

  Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder> recorder) override {
    Options o;
    o.records = records_;
    o.user = user_;
    o.password = password_;
    o.seed = common.seed;
    o.order = order_ == "oldest" ? Order::OldestFirst : Order::NewestFirst;
    o.fail_rate = fail_rate_;
    o.slow_ms = slow_ms_;
    o.rate_limit = rate_limit_;
    o.insert_during_paging = insert_;
    auto range = parse_time_range(start_, end_);
    if (!range) return std::unexpected(range.error());
    o.start_ms = range->start_ms;
    o.end_ms = range->end_ms;
    auto sim = Simulator::create(std::move(o), std::move(recorder));
    if (!sim) return std::unexpected(sim.error());
    return share_handler(std::move(*sim));
  }

 private:
  int64_t records_ = 1000;
  std::string start_, end_;
  std::string user_ = "admin@example.com";
  std::string password_ = "sim-token";
  std::string order_ = "newest";
  double fail_rate_ = 0;
  int slow_ms_ = 0;
  double rate_limit_ = 0;
  int64_t insert_ = 0;
};

}  // namespace

std::unique_ptr<Command> make_command() { return std::make_unique<JiraCommand>(); }

}  // namespace intake::sim::jira
