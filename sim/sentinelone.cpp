#include "sim/sentinelone.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "core/base64.h"
#include "core/time.h"

namespace intake::sim::sentinelone {

namespace {

constexpr int64_t kMaxLimit = 1000;
constexpr int64_t kDefaultLimit = 10;  // S1's default page size
constexpr int64_t kMaxSkip = 1000;
constexpr int64_t kIdBase = 1'700'000'000'000'000'000;
constexpr int64_t kIdStride = 7;  // ids grow with creation but are not consecutive
constexpr int64_t kMicro = kTicksPerMicrosecond;

constexpr std::array<std::string_view, kKinds> kPaths{"threats", "activities", "agents", "groups",
                                                      "cloud-detection/alerts"};
// Cursors are base64 of "<prefix>_id:<id>", like the console's.
constexpr std::array<std::string_view, kKinds> kCursorPrefix{"threat", "activity", "agent", "group", "alert"};

std::string ts(int64_t ticks) { return iso_time(ticks, 6); }

// ---------------------------------------------------------------------------------------------
// Reference data shared by the generated objects

struct Site {
  const char* name;
  int64_t id;
};
constexpr std::array<Site, 4> kSites{{{"Default site", 1'290'361'283'110'418'042},
                                      {"EMEA Workstations", 1'290'361'283'110'418'113},
                                      {"US Datacenter", 1'290'361'283'110'418'207},
                                      {"APAC Laptops", 1'290'361'283'110'418'356}}};
constexpr std::array<const char*, 5> kGroupNames{"Default Group", "Servers", "Finance Laptops", "Developers",
                                                 "Kiosks"};
constexpr std::array<const char*, 10> kUsers{"jdoe", "asmith", "mgarcia", "lchen", "okafor",
                                             "pnair", "tkowalski", "srossi", "kwatanabe", "svc_backup"};
struct Os {
  const char* name;
  const char* type;
  const char* revision;
  const char* family;
};
constexpr std::array<Os, 5> kOses{{{"Windows 10 Pro", "windows", "19045", "windows"},
                                   {"Windows 11 Enterprise", "windows", "22631", "windows"},
                                   {"Windows Server 2022 Datacenter", "windows", "20348", "windows"},
                                   {"macOS Sonoma", "macos", "14.4.1", "osx"},
                                   {"Ubuntu 22.04.4 LTS", "linux", "5.15.0-105-generic", "linux"}}};
constexpr std::array<const char*, 4> kAgentVersions{"23.4.2.14", "23.3.3.264", "24.1.4.257", "22.3.6.11"};
struct Malware {
  const char* name;
  const char* classification;
  const char* path;
  const char* origin;
};
constexpr std::array<Malware, 6> kMalware{
    {{"invoice_2024.pdf.exe", "Malware", "\\Device\\HarddiskVolume3\\Users\\%s\\Downloads\\invoice_2024.pdf.exe",
      "explorer.exe"},
     {"mimikatz.exe", "Hacktool", "\\Device\\HarddiskVolume3\\Users\\%s\\AppData\\Local\\Temp\\mimikatz.exe",
      "cmd.exe"},
     {"update.ps1", "Trojan", "\\Device\\HarddiskVolume3\\ProgramData\\Updater\\update.ps1", "powershell.exe"},
     {"cryptor.dll", "Ransomware", "\\Device\\HarddiskVolume3\\Windows\\Temp\\cryptor.dll", "rundll32.exe"},
     {"xmrig", "Miner", "/tmp/.cache/xmrig", "bash"},
     {"Setup_Free_VPN.exe", "PUA", "\\Device\\HarddiskVolume3\\Users\\%s\\Downloads\\Setup_Free_VPN.exe",
      "chrome.exe"}}};
struct Technique {
  const char* tactic;
  const char* id;
  const char* link;
  const char* description;
};
constexpr std::array<Technique, 6> kTechniques{
    {{"Persistence", "T1547.001", "https://attack.mitre.org/techniques/T1547/001/",
      "Registry run key created for persistence"},
     {"Defense Evasion", "T1562.001", "https://attack.mitre.org/techniques/T1562/001/",
      "Attempted to disable security tooling"},
     {"Credential Access", "T1003.001", "https://attack.mitre.org/techniques/T1003/001/", "LSASS memory was read"},
     {"Execution", "T1059.001", "https://attack.mitre.org/techniques/T1059/001/",
      "Suspicious PowerShell command line"},
     {"Impact", "T1486", "https://attack.mitre.org/techniques/T1486/", "Files were encrypted in bulk"},
     {"Discovery", "T1082", "https://attack.mitre.org/techniques/T1082/", "System information was enumerated"}}};
struct ActivityType {
  int code;
  const char* primary;
  const char* secondary;
};
constexpr std::array<ActivityType, 6> kActivityTypes{
    {{27, "The management user %s logged in to the management console.", "IP address: %s"},
     {19, "Threat with confidence level malicious detected: %s", "Policy: protect"},
     {2004, "The agent on %s was disconnected from the network.", "Network quarantine"},
     {3608, "New rule %s was created.", "Scope: site"},
     {5020, "The management user %s exported threats.", "Report: threats.csv"},
     {90, "Agent %s started full disk scan.", "Scan initiated by policy"}}};

struct Endpoint {
  std::string computer, agent_id, agent_uuid, ip, ip6, mac, user, version;
  const Os* os;
  const Site* site;
  const char* group;
  int64_t group_id;
};

int64_t account_id() { return 433'241'117'337'583'618; }

Endpoint endpoint(const Simulator& sim, uint64_t seed, uint64_t e) {
  Dice d(seed ^ 0xE9D0ULL, e);
  Endpoint ep;
  ep.os = &d.pick(kOses);
  ep.site = &d.pick(kSites);
  size_t g = d.pick(kGroupNames.size());
  ep.group = kGroupNames[g];
  ep.group_id = 1'290'361'283'119'000'000 + static_cast<int64_t>(g) * 1117;
  const char* prefix = ep.os->type[0] == 'w' ? (ep.os->name[8] == 'S' ? "SRV-" : "WS-") : "host-";
  ep.computer = prefix + std::to_string(1000 + e);
  int64_t agents = sim.options().records[static_cast<size_t>(Kind::Agents)];
  ep.agent_id = sim.id(Kind::Agents, agents > 0 ? static_cast<int64_t>(e) % agents : static_cast<int64_t>(e));
  ep.agent_uuid = hex(d.next(), 16) + hex(d.next(), 16);
  ep.ip = "10." + std::to_string(d.pick(4) + 10) + "." + std::to_string(d.pick(250)) + "." + std::to_string(d.pick(250) + 2);
  ep.ip6 = "fe80::" + hex(d.next(), 4) + ":" + hex(d.next(), 4) + ":" + hex(d.next(), 4);
  uint64_t m = d.next();
  ep.mac = "00:15:5d:" + hex(m, 2) + ":" + hex(m >> 8, 2) + ":" + hex(m >> 16, 2);
  ep.user = d.pick(kUsers);
  ep.version = d.pick(kAgentVersions);
  return ep;
}

void agent_detection_info(JsonOut& j, const Endpoint& ep, int64_t registered) {
  j.begin_object("agentDetectionInfo")
      .str("accountId", std::to_string(account_id()))
      .str("accountName", "Contoso")
      .null("agentDetectionState")
      .str("agentDomain", "CORP")
      .str("agentIpV4", ep.ip)
      .str("agentIpV6", ep.ip6)
      .null("agentLastLoggedInUpn")
      .null("agentLastLoggedInUserMail")
      .str("agentLastLoggedInUserName", ep.user)
      .str("agentMitigationMode", "protect")
      .str("agentOsName", ep.os->name)
      .str("agentOsRevision", ep.os->revision)
      .str("agentRegisteredAt", ts(registered))
      .str("agentUuid", ep.agent_uuid)
      .str("agentVersion", ep.version)
      .begin_object("cloudProviders").end_object()
      .str("externalIp", "203.0.113." + std::to_string(ep.computer.size() * 7 % 250 + 1))
      .str("groupId", std::to_string(ep.group_id))
      .str("groupName", ep.group)
      .str("siteId", std::to_string(ep.site->id))
      .str("siteName", ep.site->name)
      .end_object();
}

void network_interfaces(JsonOut& j, const Endpoint& ep) {
  j.begin_array("networkInterfaces")
      .begin_object()
      .str("id", hex(std::hash<std::string>{}(ep.mac), 16))
      .strings("inet", {ep.ip})
      .strings("inet6", {ep.ip6})
      .str("name", ep.os->type[0] == 'w' ? "Ethernet" : "eth0")
      .str("physical", ep.mac)
      .end_object()
      .end_array();
}

// The members every threat ends with, compact or not: the rest of threatInfo, and whiteningOptions.
void end_threat(JsonOut& j, const std::string& id, const Malware& m, int64_t updated) {
  j.str("threatId", id).str("threatName", m.name).str("updatedAt", ts(updated)).end_object();
  j.strings("whiteningOptions", {"hash", "path"});
  j.end_object();
}

// The main members only (see Options::compact_threats).
void compact_threat(JsonOut& j, const Endpoint& ep, const Malware& m, const std::string& id, const char* path,
                    const std::string& sha1, const char* verdict, bool mitigated, int64_t created, int64_t updated,
                    int64_t identified, Dice& d) {
  j.begin_object("agentDetectionInfo")
      .str("agentIpV4", ep.ip)
      .str("agentOsName", ep.os->name)
      .str("agentUuid", ep.agent_uuid)
      .str("agentVersion", ep.version)
      .str("siteName", ep.site->name)
      .end_object();
  j.begin_object("agentRealtimeInfo")
      .str("agentComputerName", ep.computer)
      .str("agentId", ep.agent_id)
      .boolean("agentInfected", !mitigated)
      .str("agentOsType", ep.os->type)
      .str("groupName", ep.group)
      .str("siteId", std::to_string(ep.site->id))
      .end_object();
  j.str("id", id);
  const Technique& t = d.pick(kTechniques);
  j.begin_array("indicators")
      .begin_object()
      .str("category", t.tactic)
      .str("description", t.description)
      .begin_array("tactics")
      .begin_object().str("name", t.tactic).str("source", "MITRE").end_object()
      .end_array()
      .end_object()
      .end_array();
  j.begin_array("mitigationStatus");
  if (mitigated) j.begin_object().str("action", "kill").str("mitigationEndedAt", ts(created)).str("status", "success").end_object();
  j.end_array();
  j.begin_object("threatInfo")
      .str("analystVerdict", verdict)
      .str("classification", m.classification)
      .str("confidenceLevel", d.chance(0.8) ? "malicious" : "suspicious")
      .str("createdAt", ts(created))
      .str("detectionType", "static")
      .str("filePath", path)
      .str("identifiedAt", ts(identified))
      .str("incidentStatus", mitigated ? "resolved" : "unresolved")
      .str("mitigationStatus", mitigated ? "mitigated" : "not_mitigated")
      .str("originatorProcess", m.origin)
      .str("processUser", "CORP\\" + ep.user)
      .str("sha1", sha1)
      .str("storyline", hex(d.next(), 16));
  end_threat(j, id, m, updated);
}

void threat(JsonOut& j, const Simulator& sim, uint64_t seed, int64_t index) {
  Dice d(seed ^ 0x7A2EULL, static_cast<uint64_t>(index));
  Endpoint ep = endpoint(sim, seed, d.pick(500));
  const Malware& m = d.pick(kMalware);
  int64_t created = sim.created_ticks(Kind::Threats, index);
  int64_t updated = sim.updated_ticks(Kind::Threats, index);
  int64_t identified = created - static_cast<int64_t>(d.pick(120'000)) * kTicksPerMillisecond;
  char path[256];
  std::snprintf(path, sizeof path, m.path, ep.user.c_str());
  std::string sha1 = hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 8);
  bool mitigated = d.chance(0.7);
  const char* verdicts[] = {"undefined", "true_positive", "false_positive", "suspicious"};
  const char* verdict = verdicts[d.pick(4)];
  std::string id = sim.id(Kind::Threats, index);

  j.begin_object();
  if (sim.options().compact_threats) {
    compact_threat(j, ep, m, id, path, sha1, verdict, mitigated, created, updated, identified, d);
    return;
  }
  agent_detection_info(j, ep, created - 90 * kTicksPerDay);
  j.begin_object("agentRealtimeInfo")
      .str("accountId", std::to_string(account_id()))
      .str("accountName", "Contoso")
      .num("activeThreats", mitigated ? 0 : 1)
      .str("agentComputerName", ep.computer)
      .null("agentDecommissionedAt")
      .str("agentDomain", "CORP")
      .str("agentId", ep.agent_id)
      .boolean("agentInfected", !mitigated)
      .boolean("agentIsActive", true)
      .boolean("agentIsDecommissioned", false)
      .str("agentMachineType", ep.computer.starts_with("SRV") ? "server" : "laptop")
      .str("agentMitigationMode", "protect")
      .str("agentNetworkStatus", "connected")
      .str("agentOsName", ep.os->name)
      .str("agentOsRevision", ep.os->revision)
      .str("agentOsType", ep.os->type)
      .str("agentUuid", ep.agent_uuid)
      .str("agentVersion", ep.version)
      .str("groupId", std::to_string(ep.group_id))
      .str("groupName", ep.group);
  network_interfaces(j, ep);
  j.str("operationalState", "na")
      .boolean("rebootRequired", false)
      .str("siteId", std::to_string(ep.site->id))
      .str("siteName", ep.site->name)
      .begin_array("userActionsNeeded").end_array()
      .end_object();
  j.begin_object("containerInfo").null("id").null("image").null("labels").null("name").end_object();
  j.str("id", id);
  j.begin_array("indicators");
  size_t n_ind = 1 + d.pick(2);
  for (size_t i = 0; i < n_ind; ++i) {
    const Technique& t = d.pick(kTechniques);
    j.begin_object()
        .str("category", t.tactic)
        .str("description", t.description)
        .begin_array("ids").num({}, static_cast<int64_t>(10 + d.pick(90))).end_array()
        .begin_array("tactics")
        .begin_object()
        .str("name", t.tactic)
        .str("source", "MITRE")
        .begin_array("techniques")
        .begin_object().str("link", t.link).str("name", t.id).end_object()
        .end_array()
        .end_object()
        .end_array()
        .end_object();
  }
  j.end_array();
  j.begin_array("mitigationStatus");
  if (mitigated) {
    j.begin_object()
        .str("action", "kill")
        .begin_object("actionsCounters")
        .num("failed", 0).num("notFound", 0).num("pendingReboot", 0).num("success", 1).num("total", 1)
        .end_object()
        .boolean("agentSupportsReport", true)
        .boolean("groupNotFound", false)
        .str("lastUpdate", ts(created))
        .str("latestReport", "/threats/mitigation-report/" + id)
        .str("mitigationEndedAt", ts(created))
        .str("mitigationStartedAt", ts(identified))
        .str("status", "success")
        .end_object();
  }
  j.end_array();
  j.begin_object("threatInfo")
      .str("analystVerdict", verdict)
      .str("analystVerdictDescription", verdict[0] == 'u' ? "Undefined" : verdict)
      .boolean("automaticallyResolved", false)
      .null("browserType")
      .str("certificateId", "")
      .str("classification", m.classification)
      .str("classificationSource", "Static")
      .str("cloudFilesHashVerdict", "black")
      .str("collectionId", std::to_string(kIdBase + 11 + index * 13))
      .str("confidenceLevel", d.chance(0.8) ? "malicious" : "suspicious")
      .str("createdAt", ts(created))
      .begin_array("detectionEngines")
      .begin_object().str("key", "sentinelone_cloud").str("title", "SentinelOne Cloud").end_object()
      .end_array()
      .str("detectionType", "static")
      .strings("engines", {"SentinelOne Cloud"})
      .boolean("externalTicketExists", false)
      .null("externalTicketId")
      .boolean("failedActions", false)
      .str("fileExtension", m.name[std::string_view(m.name).size() - 1] == 'e' ? "EXE" : "")
      .str("fileExtensionType", "Executable")
      .str("filePath", path)
      .num("fileSize", static_cast<int64_t>(20'000 + d.pick(4'000'000)))
      .str("fileVerificationType", "NotSigned")
      .str("identifiedAt", ts(identified))
      .str("incidentStatus", mitigated ? "resolved" : "unresolved")
      .str("incidentStatusDescription", mitigated ? "Resolved" : "Unresolved")
      .str("initiatedBy", "agent_policy")
      .str("initiatedByDescription", "Agent Policy")
      .null("initiatingUserId")
      .null("initiatingUsername")
      .boolean("isFileless", false)
      .boolean("isValidCertificate", false)
      .null("maliciousProcessArguments")
      .null("md5")
      .boolean("mitigatedPreemptively", false)
      .str("mitigationStatus", mitigated ? "mitigated" : "not_mitigated")
      .str("mitigationStatusDescription", mitigated ? "Mitigated" : "Not mitigated")
      .str("originatorProcess", m.origin)
      .boolean("pendingActions", false)
      .str("processUser", "CORP\\" + ep.user)
      .str("publisherName", "")
      .boolean("reachedEventsLimit", false)
      .boolean("rebootRequired", false)
      .str("sha1", sha1)
      .null("sha256")
      .str("storyline", hex(d.next(), 16));
  end_threat(j, id, m, updated);
}

void activity(JsonOut& j, const Simulator& sim, uint64_t seed, int64_t index) {
  Dice d(seed ^ 0xAC71ULL, static_cast<uint64_t>(index));
  Endpoint ep = endpoint(sim, seed, d.pick(500));
  const ActivityType& a = d.pick(kActivityTypes);
  std::string user = std::string(d.pick(kUsers)) + "@contoso.com";
  std::string ip = "198.51.100." + std::to_string(1 + d.pick(250));
  const char* subject = a.code == 27 || a.code == 5020 ? user.c_str() : ep.computer.c_str();
  char primary[256], secondary[128];
  std::snprintf(primary, sizeof primary, a.primary, subject);
  std::snprintf(secondary, sizeof secondary, a.secondary, ip.c_str());
  int64_t created = sim.created_ticks(Kind::Activities, index);
  int64_t threats = sim.options().records[static_cast<size_t>(Kind::Threats)];
  bool about_threat = a.code == 19 && threats > 0;
  j.begin_object()
      .str("accountId", std::to_string(account_id()))
      .str("accountName", "Contoso")
      .num("activityType", a.code)
      .str("activityUuid", uuid(d.next(), d.next()))
      .str("agentId", ep.agent_id)
      .null("agentUpdatedVersion")
      .null("comments")
      .str("createdAt", ts(created))
      .begin_object("data")
      .str("accountName", "Contoso")
      .str("computerName", ep.computer)
      .str("fullScopeDetails", std::string("Group ") + ep.group + " in Site " + ep.site->name + " of Account Contoso")
      .str("ipAddress", ip)
      .str("username", user)
      .end_object()
      .null("description")
      .str("groupId", std::to_string(ep.group_id))
      .str("groupName", ep.group)
      .null("hash")
      .str("id", sim.id(Kind::Activities, index))
      .str("osFamily", ep.os->family)
      .str("primaryDescription", primary)
      .str("secondaryDescription", secondary)
      .str("siteId", std::to_string(ep.site->id))
      .str("siteName", ep.site->name);
  if (about_threat) {
    j.str("threatId", sim.id(Kind::Threats, static_cast<int64_t>(d.next() % static_cast<uint64_t>(threats))));
  } else {
    j.null("threatId");
  }
  j.str("updatedAt", ts(created))
      .str("userId", std::to_string(1'290'361'283'100'000'000 + static_cast<int64_t>(d.pick(40))))
      .end_object();
}

void agent(JsonOut& j, const Simulator& sim, uint64_t seed, int64_t index) {
  Endpoint ep = endpoint(sim, seed, static_cast<uint64_t>(index));
  Dice d(seed ^ 0xA6E7ULL, static_cast<uint64_t>(index));
  int64_t created = sim.created_ticks(Kind::Agents, index);
  int64_t updated = sim.updated_ticks(Kind::Agents, index);
  int64_t threats = static_cast<int64_t>(d.pick(10) == 0);
  j.begin_object()
      .str("accountId", std::to_string(account_id()))
      .str("accountName", "Contoso")
      .num("activeThreats", threats)
      .str("agentVersion", ep.version)
      .boolean("allowRemoteShell", false)
      .str("computerName", ep.computer)
      .num("coreCount", static_cast<int64_t>(2 << d.pick(4)))
      .num("cpuCount", 1)
      .str("cpuId", "Intel(R) Core(TM) i7-1185G7 @ 3.00GHz")
      .str("createdAt", ts(created))
      .str("domain", "CORP")
      .str("encryptedApplications", d.chance(0.8) ? "true" : "false")
      .str("externalIp", "203.0.113." + std::to_string(1 + d.pick(250)))
      .str("groupId", std::to_string(ep.group_id))
      .str("groupName", ep.group)
      .str("id", sim.id(Kind::Agents, index))
      .boolean("infected", threats > 0)
      .boolean("isActive", d.chance(0.9))
      .boolean("isDecommissioned", false)
      .str("lastActiveDate", ts(updated))
      .str("lastLoggedInUserName", ep.user)
      .str("machineType", ep.computer.starts_with("SRV") ? "server" : "laptop")
      .str("mitigationMode", "protect")
      .str("modelName", "Dell Inc. - Latitude 7420");
  network_interfaces(j, ep);
  j.str("networkStatus", "connected")
      .str("osName", ep.os->name)
      .str("osRevision", ep.os->revision)
      .str("osType", ep.os->type)
      .str("registeredAt", ts(created))
      .str("siteId", std::to_string(ep.site->id))
      .str("siteName", ep.site->name)
      .begin_object("tags")
      .begin_array("sentinelone")
      .begin_object().str("key", "env").str("value", d.chance(0.5) ? "prod" : "corp").end_object()
      .end_array()
      .end_object()
      .num("totalMemory", static_cast<int64_t>(8192 << d.pick(3)))
      .str("updatedAt", ts(updated))
      .str("uuid", ep.agent_uuid)
      .end_object();
}

void group(JsonOut& j, const Simulator& sim, uint64_t seed, int64_t index) {
  Dice d(seed ^ 0x6A0FULL, static_cast<uint64_t>(index));
  const Site& site = d.pick(kSites);
  std::string name = std::string(d.pick(kGroupNames)) + " " + std::to_string(index + 1);
  j.begin_object()
      .str("createdAt", ts(sim.created_ticks(Kind::Groups, index)))
      .str("creator", std::string(d.pick(kUsers)) + "@contoso.com")
      .str("creatorId", std::to_string(1'290'361'283'100'000'000 + static_cast<int64_t>(d.pick(40))))
      .null("filterId")
      .null("filterName")
      .str("id", sim.id(Kind::Groups, index))
      .boolean("inherits", d.chance(0.7))
      .boolean("isDefault", index == 0)
      .str("name", name)
      .num("rank", static_cast<int64_t>(d.pick(20)))
      .str("registrationToken", "eyJ1cmwiOiAiaHR0cHM6Ly91c2VhMS0wMDEuc2VudGluZWxvbmUubmV0IiwgInNpdGVfa2V5IjogIg" +
                                    hex(d.next(), 16))
      .str("siteId", std::to_string(site.id))
      .num("totalAgents", static_cast<int64_t>(d.pick(400)))
      .str("type", "static")
      .str("updatedAt", ts(sim.updated_ticks(Kind::Groups, index)))
      .end_object();
}

void cloud_alert(JsonOut& j, const Simulator& sim, uint64_t seed, int64_t index) {
  Dice d(seed ^ 0xA1E7ULL, static_cast<uint64_t>(index));
  Endpoint ep = endpoint(sim, seed, d.pick(500));
  const Technique& t = d.pick(kTechniques);
  int64_t created = sim.created_ticks(Kind::Alerts, index);
  const char* severities[] = {"Low", "Medium", "High", "Critical"};
  std::string sha1 = hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 8);
  j.begin_object();
  agent_detection_info(j, ep, created - 60 * kTicksPerDay);
  j.begin_object("alertInfo")
      .str("alertId", sim.id(Kind::Alerts, index))
      .str("analystVerdict", "Undefined")
      .str("createdAt", ts(created))
      .null("dnsRequest")
      .null("dnsResponse")
      .str("dstIp", "192.0.2." + std::to_string(1 + d.pick(250)))
      .str("dstPort", std::to_string(d.chance(0.5) ? 443 : 4444))
      .str("dvEventId", hex(d.next(), 16))
      .str("eventType", "PROCESSCREATION")
      .str("hitType", "Events")
      .str("incidentStatus", "Unresolved")
      .str("indicatorCategory", t.tactic)
      .str("indicatorDescription", t.description)
      .str("indicatorName", t.id)
      .null("loginAccountDomain")
      .null("loginAccountSid")
      .null("loginIsAdministratorEquivalent")
      .null("loginIsSuccessful")
      .null("loginType")
      .null("loginsUserName")
      .null("modulePath")
      .null("moduleSha1")
      .str("netEventDirection", "OUTGOING")
      .null("registryKeyPath")
      .str("reportedAt", ts(created))
      .str("source", "STAR")
      .str("srcIp", ep.ip)
      .str("srcMachineIp", ep.ip)
      .str("srcPort", std::to_string(49152 + d.pick(16000)))
      .str("updatedAt", ts(created))
      .end_object();
  j.begin_object("ruleInfo")
      .str("description", std::string("Detects: ") + t.description)
      .str("id", std::to_string(1'290'361'283'140'000'000 + static_cast<int64_t>(d.pick(30))))
      .str("name", std::string("STAR - ") + t.tactic + " " + t.id)
      .str("queryLang", "2.0")
      .str("queryType", "events")
      .str("s1ql", "EventType = \"Process Creation\" AND TgtProcName = \"powershell.exe\"")
      .str("scopeLevel", "account")
      .str("severity", severities[d.pick(4)])
      .boolean("treatAsThreat", d.chance(0.3))
      .end_object();
  j.begin_object("sourceProcessInfo")
      .str("commandline", "powershell.exe -nop -w hidden -enc SQBFAFgA")
      .str("fileHashSha1", sha1)
      .str("fileName", "powershell.exe")
      .str("filePath", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")
      .str("integrityLevel", "high")
      .str("pid", std::to_string(1000 + d.pick(30000)))
      .str("pidStarttime", ts(created - kTicksPerMinute))
      .str("storyline", hex(d.next(), 16))
      .str("user", "CORP\\" + ep.user)
      .end_object();
  j.end_object();
}

// ---------------------------------------------------------------------------------------------
// Responses: S1's errors[] envelope

http::ServerResponse s1_error(int status, int64_t code, std::string_view title, std::optional<std::string_view> detail) {
  std::string body;
  JsonOut j(body);
  j.begin_object().begin_array("errors").begin_object().num("code", code);
  if (detail) j.str("detail", *detail); else j.null("detail");
  j.str("title", title).end_object().end_array().end_object();
  return http::ServerResponse::json(status, std::move(body));
}

http::ServerResponse validation_error(std::string_view detail) {
  return s1_error(400, 4000010, "Validation Error", detail);
}

bool known_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 24> kKnown{
      "limit",      "cursor",      "skip",       "skipCount",   "sortBy",      "sortOrder",
      "countOnly",  "siteIds",     "accountIds", "groupIds",    "ids",         "query",
      "createdAt__gt", "createdAt__gte", "createdAt__lt", "createdAt__lte", "updatedAt__gt", "updatedAt__gte",
      "updatedAt__lt", "updatedAt__lte", "tenant",  "agentIds",    "activityTypes", "isDefault"};
  return std::find(kKnown.begin(), kKnown.end(), name) != kKnown.end();
}

}  // namespace

std::string_view kind_path(Kind kind) { return kPaths[static_cast<size_t>(kind)]; }

struct Simulator::Query {
  int64_t lo = 0, hi = 0;  // index range matching the filters
  int64_t begin = 0;       // first index served (cursor or skip applied)
  int64_t limit = kDefaultLimit;
  bool descending = false;
  bool count_only = false;
};

Result<std::unique_ptr<Simulator>> Simulator::create(Options options, std::shared_ptr<Recorder> recorder) {
  for (int64_t n : options.records) {
    if (n < 0) return fail("--records", "must not be negative");
  }
  if (options.end_ms <= options.start_ms) return fail("--end", "must be after --start");
  if (options.update_lag_ms < 0 || options.update_lag_ms >= options.end_ms - options.start_ms) {
    return fail("--update-lag", "must be within 0 and the --start..--end span");
  }
  if (options.revoke_after < 0) return fail("--revoke-after", "must not be negative");
  if (auto s = check_fault_options(options.faults); !s) return std::unexpected(s.error());
  if (options.token.empty()) return fail("--token", "must not be empty");
  if (!recorder) recorder = std::make_shared<Recorder>(options.now);
  return std::unique_ptr<Simulator>(new Simulator(std::move(options), std::move(recorder)));
}

namespace {
Timeline timeline_for(const Options& o, size_t kind) {
  return Timeline(o.records[kind], ticks_from_ms(o.start_ms), ticks_from_ms(o.end_ms), hash2(o.seed, kind), kMicro);
}
}  // namespace

Simulator::Simulator(Options options, std::shared_ptr<Recorder> recorder)
    : options_(std::move(options)),
      recorder_(std::move(recorder)),
      faults_(options_.faults, options_.seed, options_.now),
      timelines_{timeline_for(options_, 0), timeline_for(options_, 1), timeline_for(options_, 2),
                 timeline_for(options_, 3), timeline_for(options_, 4)} {}

int64_t Simulator::created_ticks(Kind kind, int64_t index) const {
  return timelines_[static_cast<size_t>(kind)].at(index);
}

int64_t Simulator::updated_ticks(Kind kind, int64_t index) const {
  int64_t created = created_ticks(kind, index);
  int64_t start = ticks_from_ms(options_.start_ms), end = ticks_from_ms(options_.end_ms);
  int64_t lag = ticks_from_ms(options_.update_lag_ms);
  int64_t t = created + lag - scale(lag, created - start, end - start);
  return floor_div(t, kMicro) * kMicro;
}

std::string Simulator::id(Kind kind, int64_t index) const {
  int64_t base = kIdBase + static_cast<int64_t>(kind) * 100'000'000'000'000;
  return std::to_string(base + index * kIdStride + static_cast<int64_t>(hash2(options_.seed, static_cast<uint64_t>(index)) % kIdStride));
}

std::string Simulator::object_json(Kind kind, int64_t index) const {
  std::string out;
  out.reserve(2048);
  JsonOut j(out);
  switch (kind) {
    case Kind::Threats: threat(j, *this, options_.seed, index); break;
    case Kind::Activities: activity(j, *this, options_.seed, index); break;
    case Kind::Agents: agent(j, *this, options_.seed, index); break;
    case Kind::Groups: group(j, *this, options_.seed, index); break;
    case Kind::Alerts: cloud_alert(j, *this, options_.seed, index); break;
  }
  return out;
}

http::ServerResponse Simulator::handle(const http::ServerRequest& request) {
  http::ServerResponse response = serve(request);
  response.delay_ms = options_.faults.slow_ms;
  return response;
}

http::ServerResponse Simulator::serve(const http::ServerRequest& request) {
  constexpr std::string_view kRoot = "/web/api/v2.1/";
  std::optional<Kind> kind;
  if (request.path.starts_with(kRoot)) {
    std::string_view rest = std::string_view(request.path).substr(kRoot.size());
    if (rest.ends_with('/')) rest.remove_suffix(1);
    for (size_t k = 0; k < kKinds; ++k) {
      if (rest == kPaths[k]) kind = static_cast<Kind>(k);
    }
  }
  if (!kind) return s1_error(404, 4040010, "Resource not found", std::nullopt);
  if (request.method != "GET") {
    http::ServerResponse r = s1_error(405, 4050010, "Method Not Allowed", std::nullopt);
    r.headers.emplace_back("Allow", "GET");
    return r;
  }

  switch (faults_.next()) {
    case FaultPlan::Fault::Drop: {
      http::ServerResponse r;
      r.drop_connection = true;
      return r;
    }
    case FaultPlan::Fault::Throttled: {
      http::ServerResponse r = s1_error(429, 4290010, "Too Many Requests", std::nullopt);
      r.headers.emplace_back("Retry-After", "2");
      return r;
    }
    case FaultPlan::Fault::RateLimited: {
      http::ServerResponse r = s1_error(429, 4290010, "Too Many Requests", std::nullopt);
      r.headers.emplace_back("Retry-After", std::to_string(options_.faults.retry_after_s));
      return r;
    }
    case FaultPlan::Fault::ServerError: return s1_error(500, 5000010, "Server Error", std::nullopt);
    case FaultPlan::Fault::Unavailable: {
      http::ServerResponse r = s1_error(503, 5030010, "Service Unavailable", std::nullopt);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case FaultPlan::Fault::None: break;
  }

  auto auth = request.header("Authorization");
  constexpr std::string_view kScheme = "ApiToken ";
  bool authorized = auth && auth->size() > kScheme.size() && iequals(auth->substr(0, kScheme.size()), kScheme) &&
                    auth->substr(kScheme.size()) == options_.token;
  if (authorized && options_.revoke_after > 0 && authenticated_.fetch_add(1) >= options_.revoke_after) {
    authorized = false;
  }
  if (!authorized) return s1_error(401, 4010010, "Authentication Failed", std::nullopt);

  auto query = parse_query(*kind, request);
  if (!query) return validation_error(query.error().message);
  int64_t served = 0;
  std::string body = page_json(*kind, *query, served);
  recorder_->add_records_served(served);
  return http::ServerResponse::json(200, std::move(body));
}

Result<Simulator::Query> Simulator::parse_query(Kind kind, const http::ServerRequest& request) const {
  const Timeline& tl = timelines_[static_cast<size_t>(kind)];
  Query q;
  q.hi = tl.count();
  std::optional<int64_t> cursor, skip;
  for (const auto& [name, value] : request.query) {
    if (!known_parameter(name)) return fail(name + ": Unknown field.");
    if (name == "limit") {
      auto n = parse_int(value);
      if (!n) return fail("limit: Not a valid integer.");
      if (*n < 1 || *n > kMaxLimit) return fail("limit: Must be between 1 and 1000.");
      q.limit = *n;
    } else if (name == "skip") {
      auto n = parse_int(value);
      if (!n) return fail("skip: Not a valid integer.");
      if (*n < 0 || *n > kMaxSkip) return fail("skip: Must be between 0 and 1000.");
      skip = *n;
    } else if (name == "cursor") {
      auto decoded = base64_decode(value);
      std::string prefix = std::string(kCursorPrefix[static_cast<size_t>(kind)]) + "_id:";
      std::optional<int64_t> id;
      if (decoded && decoded->starts_with(prefix)) id = parse_int(std::string_view(*decoded).substr(prefix.size()));
      int64_t base = kIdBase + static_cast<int64_t>(kind) * 100'000'000'000'000;
      if (!id || *id < base || (*id - base) / kIdStride > tl.count() + 1) {
        return fail("Invalid cursor value received");
      }
      cursor = (*id - base) / kIdStride;
    } else if (name == "sortOrder") {
      if (value != "asc" && value != "desc") return fail("sortOrder: Must be one of: asc, desc.");
      q.descending = value == "desc";
    } else if (name == "sortBy") {
      if (value != "id" && value != "createdAt" && value != "updatedAt") {
        return fail("sortBy: Must be one of: id, createdAt, updatedAt.");
      }
    } else if (name == "countOnly") {
      q.count_only = value == "true";
    } else if (name.starts_with("createdAt__") || name.starts_with("updatedAt__")) {
      auto t = parse_datetime(value);
      if (!t) return fail(name + ": Not a valid datetime.");
      bool updated = name.starts_with("updatedAt");
      std::string_view op = std::string_view(name).substr(name.find("__") + 2);
      auto time_of = [&](int64_t i) { return updated ? updated_ticks(kind, i) : created_ticks(kind, i); };
      auto first = [&](bool inclusive) {
        return partition_point(tl.count(), [&](int64_t i) { return inclusive ? time_of(i) < t->ticks : time_of(i) <= t->ticks; });
      };
      if (op == "gt") q.lo = std::max(q.lo, first(false));
      if (op == "gte") q.lo = std::max(q.lo, first(true));
      if (op == "lt") q.hi = std::min(q.hi, first(true));
      if (op == "lte") q.hi = std::min(q.hi, first(false));
    }
  }
  q.hi = std::max(q.hi, q.lo);
  if (cursor) {
    // A cursor from another filter or another order points outside the window.
    bool inside = q.descending ? (*cursor >= q.lo - 1 && *cursor < q.hi) : (*cursor >= q.lo && *cursor <= q.hi);
    if (!inside) return fail("Invalid cursor value received");
    q.begin = *cursor;
  } else {
    int64_t s = skip.value_or(0);
    q.begin = q.descending ? q.hi - 1 - s : q.lo + s;
  }
  return q;
}

std::string Simulator::page_json(Kind kind, const Query& q, int64_t& served) const {
  std::string out = "{\"data\":[";
  served = 0;
  std::optional<int64_t> next;
  if (!q.count_only) {
    out.reserve(static_cast<size_t>(std::min<int64_t>(q.limit, q.hi - q.lo)) * 1600 + 128);
    int64_t step = q.descending ? -1 : 1;
    int64_t i = q.begin;
    for (; i >= q.lo && i < q.hi && served < q.limit; i += step, ++served) {
      if (served) out += ',';
      out += object_json(kind, i);
    }
    bool more = i >= q.lo && i < q.hi;
    if (more || (options_.empty_last_page && served > 0)) next = i;
  }
  out += "],\"pagination\":{\"nextCursor\":";
  if (next) {
    int64_t base = kIdBase + static_cast<int64_t>(kind) * 100'000'000'000'000;
    std::string cursor = std::string(kCursorPrefix[static_cast<size_t>(kind)]) + "_id:" +
                         std::to_string(base + *next * kIdStride);
    append_json_string(out, base64_encode(cursor));
  } else {
    out += "null";
  }
  out += ",\"totalItems\":" + std::to_string(q.hi - q.lo) + "}}";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

class SentinelOneCommand final : public Command {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--records", records_, "Objects generated per endpoint (ids grow with creation time)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--threats", per_kind_[0], "Threats to generate (default: --records)")->check(CLI::NonNegativeNumber);
    app.add_option("--activities", per_kind_[1], "Activities to generate (default: --records)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--agents", per_kind_[2], "Agents to generate (default: --records)")->check(CLI::NonNegativeNumber);
    app.add_option("--groups", per_kind_[3], "Groups to generate (default: --records)")->check(CLI::NonNegativeNumber);
    app.add_option("--alerts", per_kind_[4], "Cloud-detection alerts to generate (default: --records)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--start", start_, "Earliest createdAt, ISO 8601 (default: --end minus 24 hours)");
    app.add_option("--end", end_, "Objects are created before this time, ISO 8601 (default: now, whole minute)");
    app.add_option("--update-lag", update_lag_s_, "Seconds between createdAt and updatedAt (shrinking towards --end)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--token", token_, "API token accepted in 'Authorization: ApiToken <token>'")->capture_default_str();
    app.add_option("--revoke-after", revoke_after_, "Revoke the token after N authenticated requests (401); 0 = never")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_flag("--compact-threats", compact_threats_,
                 "Threats with their main members only (about 1.5 KB instead of about 3.7 KB)");
    app.add_flag("--empty-last-page", empty_last_page_,
                 "Give every non-empty page a nextCursor, so paging ends on an empty page");
    add_fault_options(app, faults_);
    app.footer(
        "Endpoints: GET /web/api/v2.1/{threats,activities,agents,groups,cloud-detection/alerts} (limit 1..1000,\n"
        "cursor, skip, sortOrder, countOnly, createdAt__gt/__gte/__lt/__lte, updatedAt__gt/__gte/__lt/__lte);\n"
        "GET /_sim/stats and GET /_sim/requests.");
  }

  Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder> recorder) override {
    Options o;
    for (size_t k = 0; k < kKinds; ++k) o.records[k] = per_kind_[k] >= 0 ? per_kind_[k] : records_;
    o.update_lag_ms = update_lag_s_ * 1000;
    o.token = token_;
    o.revoke_after = revoke_after_;
    o.empty_last_page = empty_last_page_;
    o.compact_threats = compact_threats_;
    o.seed = common.seed;
    o.faults = faults_;
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
  std::array<int64_t, kKinds> per_kind_{-1, -1, -1, -1, -1};
  std::string start_, end_;
  int64_t update_lag_s_ = 600;
  std::string token_ = "sim-s1-token";
  int64_t revoke_after_ = 0;
  bool empty_last_page_ = false;
  bool compact_threats_ = false;
  FaultOptions faults_;
};

}  // namespace

std::unique_ptr<Command> make_command() { return std::make_unique<SentinelOneCommand>(); }

}  // namespace intake::sim::sentinelone
