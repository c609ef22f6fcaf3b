#include "sim/darktrace.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "auth/common.h"
#include "auth/shared_key.h"
#include "core/base64.h"
#include "http/client.h"
#include "http/retry.h"
#include "http/url.h"
#include "sim/gen.h"

namespace intake::sim::darktrace {

namespace {

constexpr std::string_view kAppliance = "dt-master-01.corp.example";
constexpr std::string_view kCustomLabel = "intake-sim";

struct Model {
  const char* name;
  int64_t pid;
  const char* category;  // Category (legacy) / category: Critical, Suspicious, Compliance, Informational
  const char* description;
  const char* technique;
  const char* technique_id;
  const char* metric;
  const char* metric_label;
  std::array<const char*, 2> tags;
  const char* port;
  bool compliance;
};
constexpr std::array<Model, 6> kModels{{
    {"Anomalous Connection::Data Sent to Rare Domain", 242, "Suspicious",
     "A device sent an unusually large volume of data to a domain that is rare for the network.",
     "Exfiltration Over Alternative Protocol", "T1048", "externalclientdatatransfervolume", "External Data Transfer",
     {"AP: Exfiltration", "Data Loss"}, "443", false},
    {"Compromise::Beaconing Activity To External Rare", 321, "Critical",
     "A device is making regular, periodic connections to a rare external endpoint, a sign of command and control.",
     "Application Layer Protocol", "T1071", "connections", "Connections", {"AP: C2 Comms", "Beaconing"}, "443", false},
    {"Device::Attack and Recon Tools", 187, "Critical",
     "A device used a user agent or connection pattern associated with attack and reconnaissance tools.",
     "Active Scanning", "T1595", "httprequests", "HTTP Requests", {"AP: Recon", "Tooling"}, "80", false},
    {"Compliance::Remote Desktop Protocol to External", 510, "Compliance",
     "A device opened a remote desktop session to a host outside the network.", "Remote Desktop Protocol",
     "T1021.001", "externalconnections", "External Connections", {"Compliance", "RDP"}, "3389", true},
    {"Unusual Activity::Unusual Admin SMB Session", 403, "Suspicious",
     "A device made an administrative SMB session to a device it does not usually administer.",
     "SMB/Windows Admin Shares", "T1021.002", "smbsessions", "SMB Sessions", {"AP: Lateral Movement", "Admin"},
     "445", false},
    {"Anomalous File::Script from Rare External Location", 288, "Informational",
     "A device downloaded a script file from a location that is rare for the network.", "Ingress Tool Transfer",
     "T1105", "downloads", "Downloads", {"AP: Tooling", "File"}, "443", false},
}};

struct Destination {
  const char* host;
  const char* ip_prefix;
};
constexpr std::array<Destination, 4> kDestinations{{{"cdn-telemetry-sync.net", "185.220.101."},
                                                    {"files.share-drop.io", "104.21.48."},
                                                    {"update-check.example.org", "203.0.113."},
                                                    {"paste.rare-host.net", "198.51.100."}}};

struct DeviceType {
  const char* label;
  const char* prefix;
};
constexpr std::array<DeviceType, 4> kDeviceTypes{{{"Desktop", "ws"}, {"Laptop", "lt"}, {"Server", "srv"}, {"Mobile", "mob"}}};
constexpr std::array<const char*, 5> kDepartments{"fin", "hr", "eng", "ops", "sales"};
constexpr std::array<const char*, 5> kDepartmentLabels{"Finance", "Human Resources", "Engineering", "Operations", "Sales"};
constexpr std::array<const char*, 6> kUsers{"alex.morgan", "sam.patel", "jordan.lee", "chris.novak", "taylor.reyes",
                                            "maria.garcia"};

struct Place {
  double latitude;
  double longitude;
};
constexpr std::array<Place, 5> kPlaces{{{51.51, -0.13}, {40.71, -74.01}, {52.37, 4.9}, {1.35, 103.82}, {-33.87, 151.21}}};

struct Incident {
  const char* title;
  const char* first_sentence;
  const char* rest;
};
constexpr std::array<Incident, 5> kIncidents{{
    {"Possible SSL Command and Control",
     "The device made repeated TLS connections to a rare external endpoint at regular intervals.",
     " The pattern and the endpoint's rarity are consistent with command-and-control traffic."},
    {"Extensive Suspicious Remote Desktop Activity",
     "The device opened remote desktop sessions to many internal devices in a short period.",
     " Several of the targets are not usually reached over RDP from this device."},
    {"Unusual Repeated Connections to Multiple Endpoints",
     "The device repeatedly connected to several endpoints that are new to the network.",
     " The connections followed a regular schedule."},
    {"Suspicious Chain of Administrative Connections",
     "The device made administrative connections to a server, which then made similar connections onward.",
     " Such chains are typical of lateral movement."},
    {"Large Volume of Data Uploaded to a Rare Endpoint",
     "The device uploaded an unusually large amount of data to an external endpoint rarely seen on the network.",
     " The transfer happened outside the device's normal working hours."},
}};

struct SystemModel {
  const char* name;
  const char* friendly;
  const char* message;  // followed by the probe's hostname
};
constexpr std::array<SystemModel, 5> kSystemModels{{
    {"System::Probe Connectivity", "Probe Connectivity Lost", "No data has been received for 15 minutes from probe "},
    {"System::Bandwidth", "Bandwidth Drop", "Processed traffic fell by more than half of its usual level on probe "},
    {"System::Disk Usage", "High Disk Usage", "Disk usage is above 90% on "},
    {"System::Subnet Processing", "Subnet Not Processed", "Traffic from a monitored subnet is not being processed on "},
    {"System::Software Update", "Software Update Available", "A new software version can be installed on "},
}};
constexpr std::array<const char*, 4> kPriorities{"low", "medium", "high", "critical"};

struct Email {
  const char* from;
  const char* subject;  // several are not ASCII: bodies are signed by their UTF-8 byte length
  const char* link_host;
  const char* attachment;
};
constexpr std::array<Email, 6> kEmails{{
    {"billing@invoices-portal.example", "Überweisung bestätigen – Rechnung 4471", "invoices-portal.example",
     "Rechnung_4471.pdf"},
    {"comptabilite@fournisseur.example", "Facture impayée n° 2024-118", "docs-share.example", "facture_2024-118.html"},
    {"it-support@corp-helpdesk.example", "Action required: your password expires today", "login-corp.example", ""},
    {"payroll@corp.example", "Q3 payroll adjustments", "", "payroll_q3.xlsm"},
    {"office@partner-firm.example", "Документы на подпись", "sign-docs.example", "dogovor.docx"},
    {"sales@supplier-cn.example", "请查收附件：合同", "", "contract.zip"},
}};
// Besides "Hold Message", which every email scoring 70 or more gets.
constexpr std::array<const char*, 4> kEmailActions{"Convert Attachment", "Lock Link", "Move to Junk", "Double Lock Link"};
constexpr std::array<const char*, 4> kEmailTags{"Phishing", "Spoofing", "Credential Harvesting", "Low Mass Mail"};

// Kind weights when every kind is on.
constexpr std::array<int, 4> kWeights{60, 15, 10, 15};

constexpr size_t kDataCollectorMaxBody = 30 * 1024 * 1024;
// The Logs Ingestion limit is 1,048,576 bytes; stay below it as the JS SDK does.
constexpr size_t kLogsIngestionMaxBody = 1'000'000;

struct Device {
  int64_t did = 0;
  int64_t sid = 0;
  std::string ip, hostname, mac, type_label, label, subnet, user;
};

// Every drawn value of one alert; the legacy and stream renderings read the same values.
struct Alert {
  Kind kind = Kind::ModelBreach;
  std::string uuid;
  int64_t ticks = 0;
  Device device;
  // Model breach
  const Model* model = nullptr;
  int64_t threat_id = 0;
  int64_t score = 0;
  const Destination* dest = nullptr;
  std::string dest_ip, dest_mac, source_port, c_sensor_id, triggered, details;
  bool antigena = false;
  Place place{};
  // AI Analyst
  const Incident* incident = nullptr;
  std::string group_id, current_group, activity_id, grouping_id, previous_group;
  int64_t group_score = 0;
  int64_t start_ticks = 0;
  bool new_event = false, group_by_activity = false;
  // System alert
  const SystemModel* system = nullptr;
  std::string probe, probe_ip;
  int64_t priority = 0;  // 1..4
  bool resolved = false;
  // Email
  const Email* email = nullptr;
  std::vector<std::string> recipients, actions, tags;
  std::string direction, message_id, sha1, sha256;
  int64_t anomaly_score = 0;
};

// A GUID-shaped id holding all 64 bits of `a` (hash2 is injective in the index, so ids are unique).
std::string unique_guid(uint64_t a, uint64_t b) {
  std::string h = hex(a, 16) + hex(b, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(12, 3) + "-" + "89ab"[b >> 62] + h.substr(15, 3) +
         "-" + h.substr(18, 12);
}

std::string mac_of(Dice& d) {
  std::string m = "00:1a:2b";
  for (int i = 0; i < 3; ++i) m += ":" + hex(d.next(), 2);
  return m;
}

// Darktrace's display form, "2024-05-01 10:00:00" (the legacy *_s time fields).
std::string display_time(int64_t ticks) {
  std::string iso = iso_time(ticks, 0);
  iso[10] = ' ';
  iso.pop_back();
  return iso;
}

Device device_of(Dice& d) {
  Device dev;
  size_t dept = d.pick(kDepartments.size());
  const DeviceType& type = d.pick(kDeviceTypes);
  int64_t n = 1 + static_cast<int64_t>(d.pick(40));
  dev.sid = 10 + static_cast<int64_t>(dept);
  dev.did = 1000 + static_cast<int64_t>(dept) * 200 + static_cast<int64_t>(&type - kDeviceTypes.data()) * 50 + n;
  char num[8];
  std::snprintf(num, sizeof num, "%02lld", static_cast<long long>(n));
  dev.hostname = std::string(type.prefix) + "-" + kDepartments[dept] + "-" + num;
  dev.ip = "10.20." + std::to_string(dev.sid) + "." + std::to_string(n + 10 + 50 * (&type - kDeviceTypes.data()));
  dev.subnet = "10.20." + std::to_string(dev.sid) + ".0/24";
  dev.mac = mac_of(d);
  dev.type_label = type.label;
  dev.label = std::string(kDepartmentLabels[dept]) + " " + type.label + "s";
  dev.user = std::string(d.pick(kUsers)) + "@corp.example";
  return dev;
}

std::string triggered_components(Dice& d, const Model& m, int64_t ms) {
  std::string out;
  JsonOut j(out);
  j.begin_array()
      .begin_object()
      .num("time", ms)
      .num("cbid", 50'000 + static_cast<int64_t>(d.pick(9'000)))
      .num("cid", 10'000 + static_cast<int64_t>(d.pick(9'000)))
      .num("size", 1 + static_cast<int64_t>(d.pick(500)))
      .num("threshold", 1 + static_cast<int64_t>(d.pick(50)))
      .num("interval", 3600)
      .begin_object("metric").str("name", m.metric).str("label", m.metric_label).end_object()
      .begin_array("triggeredFilters")
      .begin_object().str("id", "A").str("filterType", "Direction").str("comparatorType", "is")
      .begin_object("trigger").str("value", "out").end_object().end_object()
      .end_array()
      .end_object()
      .end_array();
  return out;
}

}  // namespace

std::string_view product_of(Kind kind) {
  switch (kind) {
    case Kind::ModelBreach: return "Policy Breach";
    case Kind::AiAnalyst: return "AI Analyst";
    case Kind::SystemStatus: return "System Alert";
    case Kind::Email: return "Antigena Email";
  }
  return "";
}

std::string_view stream_of(Kind kind) {
  switch (kind) {
    case Kind::ModelBreach: return "Custom-DarktraceModelAlerts";
    case Kind::AiAnalyst: return "Custom-DarktraceIncidents";
    case Kind::SystemStatus: return "Custom-DarktraceSystemStatusAlerts";
    case Kind::Email: return "Custom-DarktraceEMAIL";
  }
  return "";
}

std::string_view flag_name_of(Kind kind) {
  switch (kind) {
    case Kind::ModelBreach: return "model";
    case Kind::AiAnalyst: return "incident";
    case Kind::SystemStatus: return "system";
    case Kind::Email: return "email";
  }
  return "";
}

Alerts::Alerts(uint64_t seed, int64_t count, int64_t start_ms, int64_t end_ms, std::vector<Kind> kinds)
    : seed_(seed), count_(std::max<int64_t>(count, 0)), start_ms_(start_ms), end_ms_(end_ms), kinds_(std::move(kinds)) {
  if (kinds_.empty()) kinds_.assign(std::begin(kAllKinds), std::end(kAllKinds));
}

Kind Alerts::kind(int64_t index) const {
  int total = 0;
  for (Kind k : kinds_) total += kWeights[static_cast<size_t>(k)];
  int r = static_cast<int>(hash2(seed_ ^ 0xD7C1ULL, static_cast<uint64_t>(index)) % static_cast<uint64_t>(total));
  for (Kind k : kinds_) {
    r -= kWeights[static_cast<size_t>(k)];
    if (r < 0) return k;
  }
  return kinds_.back();
}

std::string Alerts::uuid(int64_t index) const {
  return unique_guid(hash2(seed_, static_cast<uint64_t>(index)), hash2(seed_ ^ 0x0D7ULL, static_cast<uint64_t>(index)));
}

int64_t Alerts::time_ms(int64_t index) const {
  Timeline t(count_, ticks_from_ms(start_ms_), ticks_from_ms(end_ms_), hash2(seed_, 0xD7), kTicksPerSecond, 0);
  return t.at(index) / kTicksPerMillisecond;
}

namespace {

Alert make_alert(const Alerts& alerts, uint64_t seed, int64_t index) {
  Alert a;
  a.kind = alerts.kind(index);
  a.uuid = alerts.uuid(index);
  int64_t ms = alerts.time_ms(index);
  a.ticks = ticks_from_ms(ms);
  Dice d(seed ^ (0xDA7AULL + static_cast<uint64_t>(a.kind)), static_cast<uint64_t>(index));
  a.device = device_of(d);
  switch (a.kind) {
    case Kind::ModelBreach: {
      a.model = &d.pick(kModels);
      // The breach id (pbid): unique, increasing with the index.
      a.threat_id = 100'000 + index;
      a.score = 30 + static_cast<int64_t>(d.pick(71));
      a.dest = &d.pick(kDestinations);
      a.dest_ip = std::string(a.dest->ip_prefix) + std::to_string(1 + d.pick(250));
      a.dest_mac = mac_of(d);
      a.source_port = std::to_string(49152 + d.pick(16000));
      a.antigena = d.chance(0.3);
      if (d.chance(0.2)) a.c_sensor_id = uuid(d.next(), d.next());
      a.place = d.pick(kPlaces);
      a.triggered = triggered_components(d, *a.model, ms);
      a.details = std::string("Connection to ") + a.dest->host + " [" + a.dest_ip + "] on port " + a.model->port +
                  ": " + std::to_string(1 + d.pick(900)) + " MB sent";
      break;
    }
    case Kind::AiAnalyst: {
      a.incident = &d.pick(kIncidents);
      a.score = 20 + static_cast<int64_t>(d.pick(81));
      a.group_score = std::max<int64_t>(a.score, 40 + static_cast<int64_t>(d.pick(61)));
      a.group_id = uuid(d.next(), d.next());
      a.current_group = "g" + a.group_id;
      a.previous_group = "g" + uuid(d.next(), d.next());
      a.activity_id = hex(d.next(), 8);
      std::transform(a.activity_id.begin(), a.activity_id.end(), a.activity_id.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      a.grouping_id = hex(d.next(), 16);
      a.start_ticks = a.ticks - static_cast<int64_t>(5 + d.pick(115)) * kTicksPerMinute;
      a.new_event = d.chance(0.7);
      a.group_by_activity = d.chance(0.4);
      a.place = d.pick(kPlaces);
      break;
    }
    case Kind::SystemStatus: {
      a.system = &d.pick(kSystemModels);
      int64_t probe = 1 + static_cast<int64_t>(d.pick(4));
      a.probe = "dt-probe-0" + std::to_string(probe);
      a.probe_ip = "10.0.0." + std::to_string(20 + probe);
      a.priority = 1 + static_cast<int64_t>(d.pick(4));
      a.resolved = d.chance(0.3);
      break;
    }
    case Kind::Email: {
      a.email = &d.pick(kEmails);
      a.recipients.push_back(a.device.user);
      if (d.chance(0.3)) a.recipients.push_back(std::string(d.pick(kUsers)) + "@corp.example");
      a.direction = d.chance(0.85) ? "inbound" : "outbound";
      a.anomaly_score = 20 + static_cast<int64_t>(d.pick(81));
      a.actions.push_back(d.pick(kEmailActions));
      if (a.anomaly_score >= 70) a.actions.push_back("Hold Message");
      a.tags.push_back(d.pick(kEmailTags));
      a.message_id = "<" + hex(d.next(), 16) + "@mail.example>";
      a.sha1 = hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 8);
      a.sha256 = hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 16);
      break;
    }
  }
  return a;
}

std::string url_base() { return "https://" + std::string(kAppliance); }

std::string mitre_json(const Model& m) {
  std::string out;
  JsonOut(out).begin_array().begin_object().str("technique", m.technique).str("techniqueID", m.technique_id).end_object().end_array();
  return out;
}

std::vector<std::string> attachments(const Email& e) {
  if (*e.attachment == '\0') return {};
  return {e.attachment};
}

std::vector<std::string> link_hosts(const Email& e) {
  if (*e.link_host == '\0') return {};
  return {e.link_host};
}

std::string model_message(const Alert& a) {
  return a.model->name + std::string(" breached on ") + a.device.hostname + " (" + a.device.ip + "), score " +
         std::to_string(a.score);
}

std::string system_message(const Alert& a) { return a.system->message + a.probe + " (" + a.probe_ip + ")."; }

std::string_view group_category(int64_t group_score) {
  return group_score >= 80 ? "critical" : group_score >= 50 ? "suspicious" : "compliance";
}

}  // namespace

std::string Alerts::legacy_json(int64_t index) const {
  Alert a = make_alert(*this, seed_, index);
  std::string out;
  JsonOut j(out);
  j.begin_object().str("dtProduct", product_of(a.kind)).str("uuid", a.uuid).str(kTimeField, iso_time(a.ticks, 0));
  switch (a.kind) {
    case Kind::ModelBreach: {
      const Model& m = *a.model;
      j.str("breachTime", display_time(a.ticks))
          .str("breachUrl", url_base() + "/#modelbreach/" + std::to_string(a.threat_id))
          .num("threatID", a.threat_id)
          .str("modelName", m.name)
          .num("pid", m.pid)
          .num("score", a.score)
          .str("Category", m.category)
          .str("description", m.description)
          .boolean("compliance", m.compliance)
          .boolean("cSensor", !a.c_sensor_id.empty());
      if (!a.c_sensor_id.empty()) j.str("cSensorID", a.c_sensor_id);
      j.boolean("antigena", a.antigena)
          .num("deviceId", a.device.did)
          .num("sid", a.device.sid)
          .str("SourceIP", a.device.ip)
          .str("hostname", a.device.hostname)
          .str("sourceHost", a.device.hostname)
          .str("sourceMac", a.device.mac)
          .str("sourcePort", a.source_port)
          .str("destIP", a.dest_ip)
          .str("destHost", a.dest->host)
          .str("destPort", m.port)
          .str("destMac", a.dest_mac)
          .str("typeLabel", a.device.type_label)
          .strings("tags", {m.tags[0], m.tags[1]})
          .raw("mitreTechniques", mitre_json(m))
          .raw("triggeredComponents", a.triggered)
          .str("details", a.details)
          .str("Message", model_message(a))
          .real("latitude", a.place.latitude)
          .real("longitude", a.place.longitude);
      break;
    }
    case Kind::AiAnalyst: {
      const Incident& inc = *a.incident;
      j.str("startTime", display_time(a.start_ticks))
          .str("endTime", display_time(a.ticks))
          .str("title", inc.title)
          .str("summary", std::string(inc.first_sentence) + inc.rest)
          .str("summaryFirstSentence", inc.first_sentence)
          .num("score", a.score)
          .num("groupScore", a.group_score)
          .str("groupCategory", group_category(a.group_score))
          .str("externalId", a.group_id)
          .str("currentGroup", a.current_group)
          .str("activityId", a.activity_id)
          .str("groupingId", a.grouping_id)
          .boolean("groupByActivity", a.group_by_activity)
          .strings("groupPreviousGroups", {a.previous_group})
          .boolean("newEvent", a.new_event)
          .str("hostname", a.device.hostname)
          .str("bestDeviceName", a.device.hostname)
          .str("url", url_base() + "/#aiaincidentevent/" + a.uuid);
      break;
    }
    case Kind::SystemStatus: {
      const SystemModel& s = *a.system;
      j.str("time", display_time(a.ticks))
          .str("name", s.name)
          .str("friendlyName", s.friendly)
          .str("hostname", a.probe)
          .str("deviceIP", a.probe_ip)
          .str("priority", kPriorities[static_cast<size_t>(a.priority - 1)])
          .num("priority_code", a.priority)
          .num("Severity", a.priority)
          .str("status", a.resolved ? "resolved" : "active")
          .str("Message", system_message(a))
          .str("url", url_base() + "/#systemstatus/" + a.uuid);
      break;
    }
    case Kind::Email: {
      const Email& e = *a.email;
      j.str("from", e.from)
          .strings("recipients", a.recipients)
          .str("subject", e.subject)
          .str("direction", a.direction)
          .num("anomaly_score", a.anomaly_score)
          .strings("actions", a.actions)
          .strings("tags", a.tags)
          .strings("link_hosts", link_hosts(e))
          .strings("attachment_sha1s", attachments(e).empty() ? std::vector<std::string>{} : std::vector<std::string>{a.sha1})
          .boolean("blocked", a.anomaly_score >= 70)
          .str("url", url_base() + "/#email/" + a.uuid);
      break;
    }
  }
  j.end_object();
  return out;
}

std::string Alerts::stream_json(int64_t index) const {
  Alert a = make_alert(*this, seed_, index);
  std::string out;
  JsonOut j(out);
  j.begin_object().str("darktraceProduct", product_of(a.kind)).str("customLabel", kCustomLabel).str("uuid", a.uuid);
  switch (a.kind) {
    case Kind::ModelBreach: {
      const Model& m = *a.model;
      j.str("alertTime", iso_time(a.ticks, 0))
          .str("alertUrl", url_base() + "/#modelbreach/" + std::to_string(a.threat_id))
          .num("threatId", a.threat_id)
          .str("modelName", m.name)
          .num("pid", m.pid)
          .num("score", a.score)
          .str("category", m.category)
          .str("description", m.description)
          .boolean("compliance", m.compliance)
          .boolean("cSensor", !a.c_sensor_id.empty());
      if (!a.c_sensor_id.empty()) j.str("cSensorId", a.c_sensor_id);
      j.boolean("antigena", a.antigena)
          .num("deviceId", a.device.did)
          .num("sid", a.device.sid)
          .str("deviceHostname", a.device.hostname)
          .str("deviceLabel", a.device.label)
          .str("deviceSubnet", a.device.subnet)
          .str("deviceType", a.device.type_label)
          .strings("deviceCredentials", {a.device.user})
          .str("sourceIp", a.device.ip)
          .str("sourceHost", a.device.hostname)
          .str("sourceMac", a.device.mac)
          .str("sourcePort", a.source_port)
          .str("destIp", a.dest_ip)
          .str("destHost", a.dest->host)
          .str("destPort", m.port)
          .str("destMac", a.dest_mac)
          .str("typeLabel", a.device.type_label)
          .strings("modelTags", {m.tags[0], m.tags[1]})
          .raw("mitreTechniques", mitre_json(m))
          .str("triggeredComponents", a.triggered)
          .str("details", a.details)
          .str("message", model_message(a))
          .real("latitude", a.place.latitude)
          .real("longitude", a.place.longitude);
      break;
    }
    case Kind::AiAnalyst: {
      const Incident& inc = *a.incident;
      j.str("incidentEventTime", iso_time(a.ticks, 0))
          .str("incidentEventTitle", inc.title)
          .str("startTime", iso_time(a.start_ticks, 0))
          .str("endTime", iso_time(a.ticks, 0))
          .str("summary", std::string(inc.first_sentence) + inc.rest)
          .str("summaryFirstSentence", inc.first_sentence)
          .num("aiaScore", a.score)
          .num("groupScore", a.group_score)
          .str("groupCategory", group_category(a.group_score))
          .num("severity", 1 + a.group_score / 25)
          .str("externalId", a.group_id)
          .str("currentGroup", a.current_group)
          .str("activityId", a.activity_id)
          .str("groupingId", a.grouping_id)
          .boolean("groupByActivity", a.group_by_activity)
          .strings("groupPreviousGroups", {a.previous_group})
          .boolean("newEvent", a.new_event)
          .str("bestAssetName", a.device.hostname)
          .str("deviceHostname", a.device.hostname)
          .str("deviceIp", a.device.ip)
          .str("deviceIdentifier", std::to_string(a.device.did))
          .str("deviceMac", a.device.mac)
          .str("deviceSubnet", a.device.subnet)
          .begin_array("devices")
          .begin_object().num("did", a.device.did).str("ip", a.device.ip).str("hostname", a.device.hostname)
          .str("macaddress", a.device.mac).end_object()
          .end_array()
          .real("latitude", a.place.latitude)
          .real("longitude", a.place.longitude)
          .str("url", url_base() + "/#aiaincidentevent/" + a.uuid);
      break;
    }
    case Kind::SystemStatus: {
      const SystemModel& s = *a.system;
      j.str("alertTime", iso_time(a.ticks, 0))
          .str("modelName", s.name)
          .str("friendlyModelName", s.friendly)
          .str("darktraceHostname", a.probe)
          .str("deviceIp", a.probe_ip)
          .str("priority", kPriorities[static_cast<size_t>(a.priority - 1)])
          .num("priorityCode", a.priority)
          .num("severity", a.priority)
          .str("status", a.resolved ? "resolved" : "active")
          .str("statusName", a.resolved ? "Resolved" : "Active")
          .str("message", system_message(a))
          .str("url", url_base() + "/#systemstatus/" + a.uuid);
      break;
    }
    case Kind::Email: {
      const Email& e = *a.email;
      std::vector<std::string> files = attachments(e);
      j.str("alertTime", iso_time(a.ticks, 0))
          .str("timestamp", iso_time(a.ticks, 0))
          .str("from", e.from)
          .strings("recipients", a.recipients)
          .str("subject", e.subject)
          .str("direction", a.direction)
          .str("messageId", a.message_id)
          .num("anomalyScore", a.anomaly_score)
          .strings("actions", a.actions)
          .begin_array("recipientActions");
      for (const auto& r : a.recipients) j.begin_object().str("recipient", r).strings("actions", a.actions).end_object();
      j.end_array()
          .strings("tags", a.tags)
          .strings("linkHosts", link_hosts(e))
          .strings("attachmentNames", files)
          .strings("attachmentSha1s", files.empty() ? std::vector<std::string>{} : std::vector<std::string>{a.sha1})
          .strings("attachmentSha256s", files.empty() ? std::vector<std::string>{} : std::vector<std::string>{a.sha256})
          .str("url", url_base() + "/#email/" + a.uuid);
      break;
    }
  }
  j.end_object();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pushing

namespace {

std::string base_of(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool is_log_type(std::string_view s) {
  if (s.empty() || s.size() > 100) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// The receiver and its credentials.
Status check_target(const PushOptions& o) {
  const char* url_flag = o.api == Api::DataCollector ? "--push-to" : "--ingestion-to";
  auto parts = http::split_url(o.url);
  if (!parts) return fail(url_flag, parts.error().message);
  if (o.api == Api::DataCollector) {
    if (o.workspace_id.empty() || o.workspace_id.find(':') != std::string::npos)
      return fail("--workspace-id", "expected the workspace id (a GUID)");
    auto key = base64_decode(o.key);
    if (!key || key->empty()) return fail("--key", "expected the workspace key in base64");
    if (!is_log_type(o.log_type)) return fail("--log-type", "expected letters, digits and '_' only, at most 100");
  } else {
    if (o.dcr.empty()) return fail("--dcr", "expected the DCR immutable id (dcr-...)");
    if (o.token.empty()) return fail("--token", "expected the bearer token");
  }
  return {};
}

Status check_options(const PushOptions& o) {
  if (auto ok = check_target(o); !ok) return ok;
  if (o.alerts < 0) return fail("--alerts", "must not be negative");
  if (o.batch < 1) return fail("--batch", "must be at least 1");
  if (o.concurrency < 1 || o.concurrency > 64) return fail("--concurrency", "must be within 1..64");
  if (o.max_retries < 0) return fail("--retries", "must not be negative");
  if (o.end_ms <= o.start_ms) return fail("--end", "must be after --start");
  return {};
}

}  // namespace

Result<http::Request> data_collector_request(const PushOptions& options, std::string body, DateTime now) {
  if (auto ok = check_target(options); !ok) return std::unexpected(ok.error());
  std::string date = auth::http_date(now, "GMT");
  auto authorization = auth::shared_key_authorization(options.workspace_id, options.key, body.size(), date);
  if (!authorization) return std::unexpected(authorization.error().within("--key"));
  http::Request r;
  r.method = "POST";
  r.url = base_of(options.url) + "/api/logs?api-version=2016-04-01";
  // Exactly the content type that is signed: a charset parameter would make the signature wrong.
  r.headers = {{"Content-Type", "application/json"},
               {"Log-Type", options.log_type},
               {"x-ms-date", date},
               {"time-generated-field", std::string(kTimeField)},
               {"Authorization", std::move(*authorization)}};
  r.body = std::move(body);
  return r;
}

Result<http::Request> logs_ingestion_request(const PushOptions& options, std::string_view stream, std::string body) {
  if (auto ok = check_target(options); !ok) return std::unexpected(ok.error());
  http::Request r;
  r.method = "POST";
  r.url = base_of(options.url) + "/dataCollectionRules/" + http::url_encode(options.dcr) + "/streams/" +
          http::url_encode(stream) + "?api-version=2023-01-01";
  r.headers = {{"Authorization", "Bearer " + options.token}, {"Content-Type", "application/json"}};
  if (options.gzip) {
    auto z = gzip(body);
    if (!z) return fail("--gzip", "could not compress the body");
    body = std::move(*z);
    r.headers.emplace_back("Content-Encoding", "gzip");
  }
  r.body = std::move(body);
  return r;
}

namespace {

// One request's worth of alerts, all for one stream (Logs Ingestion) or Log-Type (Data Collector).
struct Batch {
  std::string_view stream;
  std::vector<int64_t> indices;
};

std::vector<Batch> plan(const PushOptions& o, const Alerts& alerts) {
  std::vector<Batch> out;
  auto cut = [&](std::string_view stream, const std::vector<int64_t>& indices) {
    for (size_t i = 0; i < indices.size(); i += static_cast<size_t>(o.batch)) {
      size_t n = std::min(indices.size() - i, static_cast<size_t>(o.batch));
      out.push_back({stream, std::vector<int64_t>(indices.begin() + static_cast<std::ptrdiff_t>(i),
                                                  indices.begin() + static_cast<std::ptrdiff_t>(i + n))});
    }
  };
  if (o.api == Api::DataCollector) {
    std::vector<int64_t> all(static_cast<size_t>(alerts.count()));
    for (int64_t i = 0; i < alerts.count(); ++i) all[static_cast<size_t>(i)] = i;
    cut("", all);
  } else {
    for (Kind k : kAllKinds) {
      std::vector<int64_t> of_kind;
      for (int64_t i = 0; i < alerts.count(); ++i) {
        if (alerts.kind(i) == k) of_kind.push_back(i);
      }
      cut(stream_of(k), of_kind);
    }
  }
  return out;
}

class Pusher {
 public:
  explicit Pusher(const PushOptions& o) : o_(o), alerts_(o.seed, o.alerts, o.start_ms, o.end_ms, o.kinds) {}

  PushSummary run() {
    batches_ = plan(o_, alerts_);
    std::vector<std::thread> workers;
    int n = std::min<int>(o_.concurrency, static_cast<int>(std::max<size_t>(batches_.size(), 1)));
    for (int w = 0; w < n; ++w) workers.emplace_back([this, w] { work(w); });
    for (auto& t : workers) t.join();
    return {pushed_.load(), requests_.load(), retries_.load(), failed_.load()};
  }

 private:
  void log(const std::string& line) {
    std::lock_guard lock(log_mutex_);
    std::cerr << "intake-sim: " << auth::mask_secrets(line, {o_.key, o_.token}) << "\n";
  }

  void work(int worker) {
    http::ClientOptions co;
    co.ca_file = o_.ca_file;
    co.connect_timeout = std::min(co.connect_timeout, o_.timeout);
    auto client = http::Client::create(co);
    Dice jitter(o_.seed ^ 0x5EEDULL, static_cast<uint64_t>(worker));
    for (size_t b = next_.fetch_add(1); b < batches_.size(); b = next_.fetch_add(1)) {
      const Batch& batch = batches_[b];
      if (!client) {
        log("Push failed. error=" + client.error().str());
        failed_ += static_cast<int64_t>(batch.indices.size());
        continue;
      }
      // A batch whose body would pass the API's size limit goes as several requests.
      size_t limit = o_.api == Api::DataCollector ? kDataCollectorMaxBody : kLogsIngestionMaxBody;
      std::string body = "[";
      int64_t in_body = 0;
      for (int64_t i : batch.indices) {
        std::string record = o_.api == Api::DataCollector ? alerts_.legacy_json(i) : alerts_.stream_json(i);
        if (in_body > 0 && body.size() + record.size() + 2 > limit) {
          send(**client, jitter, batch.stream, body + "]", in_body);
          body = "[";
          in_body = 0;
        }
        if (in_body > 0) body += ',';
        body += record;
        ++in_body;
      }
      if (in_body > 0) send(**client, jitter, batch.stream, body + "]", in_body);
    }
  }

  // Sends one body until it is accepted, refused, or out of retries; the Data Collector request
  // is signed again on every attempt, as x-ms-date must be current.
  void send(http::Client& client, Dice& jitter, std::string_view stream, const std::string& body, int64_t alerts) {
    for (int attempt = 0;; ++attempt) {
      auto request = o_.api == Api::DataCollector ? data_collector_request(o_, body, o_.clock())
                                                  : logs_ingestion_request(o_, stream, body);
      if (!request) {
        log("Push failed. error=" + request.error().str());
        failed_ += alerts;
        return;
      }
      ++requests_;
      auto response = client.send(*request, o_.timeout);
      std::string failure;
      std::optional<std::chrono::milliseconds> retry_after;
      if (!response) {
        failure = "error=" + response.error().str();
      } else {
        switch (http::classify_status(response->status)) {
          case http::Disposition::Ok: pushed_ += alerts; return;
          case http::Disposition::Retry:
            retry_after = http::retry_after_of(*response, o_.clock());
            failure = "status=" + std::to_string(response->status) + " error=" + excerpt(response->body);
            break;
          case http::Disposition::Unauthorized:
          case http::Disposition::Fail:
            log("Push refused. url=" + http::redact_url(request->url) + " status=" + std::to_string(response->status) +
                " alerts=" + std::to_string(alerts) + " error=" + excerpt(response->body));
            failed_ += alerts;
            return;
        }
      }
      if (attempt >= o_.max_retries) {
        log("Push gave up. url=" + http::redact_url(request->url) + " attempts=" + std::to_string(attempt + 1) +
            " alerts=" + std::to_string(alerts) + " " + failure);
        failed_ += alerts;
        return;
      }
      ++retries_;
      http::BackoffPolicy policy;
      policy.base = o_.backoff;
      auto delay = http::backoff_delay(policy, attempt + 1, unit_interval(jitter.next()), retry_after);
      if (o_.sleep) o_.sleep(delay); else std::this_thread::sleep_for(delay);
    }
  }

  static std::string excerpt(std::string_view body) {
    std::string s(body.substr(0, 300));
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s.empty() ? "(empty body)" : s;
  }

  const PushOptions& o_;
  Alerts alerts_;
  std::vector<Batch> batches_;
  std::atomic<size_t> next_{0};
  std::atomic<int64_t> pushed_{0}, requests_{0}, retries_{0}, failed_{0};
  std::mutex log_mutex_;
};

}  // namespace

Result<PushSummary> push(const PushOptions& options) {
  if (auto ok = check_options(options); !ok) return std::unexpected(ok.error());
  return Pusher(options).run();
}

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

class DarktraceCommand final : public Command {
 public:
  void add_options(CLI::App& app) override {
    auto* dc = app.add_option("--push-to", push_to_,
                              "Data Collector mode: POST legacy alerts to URL/api/logs?api-version=2016-04-01, then exit");
    app.add_option("--workspace-id", options_.workspace_id, "Data Collector mode: workspace id (SharedKey <id>:...)");
    app.add_option("--key", options_.key, "Data Collector mode: workspace key, base64 (signs each request)");
    app.add_option("--log-type", options_.log_type, "Data Collector mode: Log-Type header (table <Log-Type>_CL)")
        ->capture_default_str();
    auto* li = app.add_option("--ingestion-to", ingestion_to_,
                              "Logs Ingestion mode: POST each kind to URL/dataCollectionRules/DCR/streams/Custom-Darktrace*, then exit");
    app.add_option("--dcr", options_.dcr, "Logs Ingestion mode: DCR immutable id");
    app.add_option("--token", options_.token, "Logs Ingestion mode: bearer token");
    app.add_flag("--gzip", options_.gzip, "Logs Ingestion mode: gzip the bodies (Content-Encoding: gzip)");
    dc->excludes(li);
    li->excludes(dc);
    app.add_option("--alerts", options_.alerts, "Number of alerts")->capture_default_str();
    app.add_option("--batch", options_.batch, "Alerts per request (at most; bodies stay below the API's size limit)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--concurrency", options_.concurrency, "Requests in flight at once")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    app.add_option("--retries", options_.max_retries, "Retries of a request answered 408/429/5xx or failing to connect")
        ->capture_default_str();
    app.add_option("--backoff-ms", backoff_ms_, "First retry delay without Retry-After (doubles, with jitter)")
        ->capture_default_str();
    app.add_option("--timeout", timeout_s_, "Seconds one request may take")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--kinds", kinds_, "Record kinds to generate: model, incident, system, email (default: all)")
        ->delimiter(',');
    app.add_option("--start", start_, "Earliest alert time, ISO 8601 (default: --end minus 24 hours)");
    app.add_option("--end", end_, "Alerts happen before this time, ISO 8601 (default: now, whole minute)");
    app.add_option("--ca-file", options_.ca_file, "Extra CA bundle to trust (HTTPS receivers)");
  }

  Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder>) override {
    if (push_to_.empty() && ingestion_to_.empty()) {
      return fail("darktrace", "give --push-to URL (Data Collector API) or --ingestion-to URL (Logs Ingestion API)");
    }
    PushOptions o = options_;
    o.api = push_to_.empty() ? Api::LogsIngestion : Api::DataCollector;
    o.url = push_to_.empty() ? ingestion_to_ : push_to_;
    o.seed = common.seed;
    o.backoff = std::chrono::milliseconds(backoff_ms_);
    o.timeout = std::chrono::milliseconds(timeout_s_ * 1000);
    if (!kinds_.empty()) {
      o.kinds.clear();
      for (const auto& name : kinds_) {
        auto it = std::find_if(std::begin(kAllKinds), std::end(kAllKinds), [&](Kind k) { return flag_name_of(k) == name; });
        if (it == std::end(kAllKinds)) return fail("--kinds", "unknown kind '" + name + "' (expected model, incident, system or email)");
        if (std::find(o.kinds.begin(), o.kinds.end(), *it) == o.kinds.end()) o.kinds.push_back(*it);
      }
    }
    auto range = parse_time_range(start_, end_);
    if (!range) return std::unexpected(range.error());
    o.start_ms = range->start_ms;
    o.end_ms = range->end_ms;
    auto summary = push(o);
    if (!summary) return std::unexpected(summary.error());
    std::printf("pushed alerts=%lld requests=%lld retries=%lld failed=%lld\n", static_cast<long long>(summary->pushed),
                static_cast<long long>(summary->requests), static_cast<long long>(summary->retries),
                static_cast<long long>(summary->failed));
    std::fflush(stdout);
    // Push mode has no server to run: the process ends here (the Command interface only builds servers).
    std::exit(summary->failed == 0 && summary->pushed == o.alerts ? 0 : 1);
  }

 private:
  PushOptions options_;
  std::string push_to_, ingestion_to_;
  std::vector<std::string> kinds_;
  std::string start_, end_;
  int64_t backoff_ms_ = 500;
  int64_t timeout_s_ = 30;
};

}  // namespace

std::unique_ptr<Command> make_command() { return std::make_unique<DarktraceCommand>(); }

}  // namespace intake::sim::darktrace
