// The Office 365 simulator's data: blobs laid out over the time range, records spread over the
// blobs, and the audit records themselves in the Management Activity API's common schema with
// workload-specific fields for each content type. Everything is a function of (seed, index).
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/time.h"
#include "core/value.h"
#include "sim/o365.h"

namespace intake::sim::o365 {

namespace {

constexpr std::array<std::string_view, kContentTypes> kNames{"Audit.AzureActiveDirectory", "Audit.Exchange",
                                                             "Audit.SharePoint", "Audit.General", "DLP.All"};
// The type of blob b is kPattern[(b + seed) % 20]: Exchange and SharePoint carry most of the
// volume, DLP the least, and every type appears in any 20 consecutive blobs.
constexpr ContentType AAD = ContentType::AzureActiveDirectory, EXO = ContentType::Exchange,
                      SPO = ContentType::SharePoint, GEN = ContentType::General, DLP = ContentType::Dlp;
constexpr std::array<ContentType, 20> kPattern{EXO, SPO, AAD, EXO, SPO, GEN, EXO, SPO, AAD, DLP,
                                               EXO, SPO, AAD, GEN, EXO, SPO, AAD, EXO, SPO, GEN};
constexpr int64_t kMaxBlobs = 999'999;  // the index fills six digits of the content id

struct User {
  const char* alias;
  const char* name;
};
constexpr std::array<User, 10> kUsers{{{"adele.vance", "Adele Vance"},
                                       {"megan.bowen", "Megan Bowen"},
                                       {"lee.gu", "Lee Gu"},
                                       {"nestor.wilke", "Nestor Wilke"},
                                       {"pradeep.gupta", "Pradeep Gupta"},
                                       {"alex.wilber", "Alex Wilber"},
                                       {"lidia.holloway", "Lidia Holloway"},
                                       {"isaiah.langer", "Isaiah Langer"},
                                       {"joni.sherman", "Joni Sherman"},
                                       {"admin", "MOD Administrator"}}};
constexpr std::array<const char*, 4> kUserAgents{
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17531; Pro)",
    "OneDriveMpc-Transform_Thumbnail/1.0"};
constexpr std::array<const char*, 5> kSites{"Finance", "Legal", "Marketing", "Engineering", "HR"};
constexpr std::array<const char*, 6> kFiles{"Q3 forecast.xlsx", "Contract draft.docx", "Roadmap 2025.pptx",
                                            "salaries.csv", "Board minutes.pdf", "design-spec.docx"};
constexpr std::array<const char*, 3> kTeams{"Project Falcon", "Sales EMEA", "IT Operations"};

std::string lower_underscored(std::string_view name) {
  std::string out;
  for (char c : name) out += c == '.' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// CreationTime: "2015-06-29T20:03:19", UTC without a zone.
std::string creation_text(int64_t ms) {
  std::string s = iso_time(ticks_from_ms(ms), 0);
  s.pop_back();
  return s;
}

std::string upper_hex(uint64_t v) {
  std::string h = hex(v, 16);
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

// One record being written: its dice and the identities it refers to.
struct Writer {
  const DataOptions& o;
  Dice d;
  JsonOut j;
  const User& user;
  std::string upn;
  std::string puid;       // the user's Passport id, as Exchange and Entra keys write it
  std::string object_id;  // the user's Entra object id
  std::string ip;

  Writer(const DataOptions& options, int64_t record, std::string& out)
      : o(options),
        d(options.seed ^ 0x0365ULL, static_cast<uint64_t>(record)),
        j(out),
        user(kUsers[d.pick(kUsers.size())]),
        upn(std::string(user.alias) + "@" + options.domain),
        puid(upper_hex(hash2(options.seed ^ 0x9D1DULL, std::string_view(user.alias).size() * 131 + user.alias[0]))),
        object_id(uuid(hash2(options.seed ^ 0x0B1DULL, std::string_view(user.alias).size()), mix64(user.alias[0]))) {
    ip = d.chance(0.2) ? "2001:db8:" + hex(d.next(), 4) + "::" + hex(d.next(), 2)
                       : "203.0.113." + std::to_string(1 + d.pick(254));
  }
  std::string guid() { return uuid(d.next(), d.next()); }
  // "contoso" of contoso.onmicrosoft.com: the SharePoint host name.
  std::string tenant_host() const { return o.domain.substr(0, o.domain.find('.')); }

  void common(std::string_view creation, std::string_view id, std::string_view operation, int record_type,
              std::string_view result, std::string_view user_key, int user_type, std::string_view workload,
              std::string_view client_ip, std::string_view object) {
    j.begin_object()
        .str("CreationTime", creation)
        .str("Id", id)
        .str("Operation", operation)
        .str("OrganizationId", o.tenant)
        .num("RecordType", record_type)
        .str("ResultStatus", result)
        .str("UserKey", user_key)
        .num("UserType", user_type)
        .num("Version", 1)
        .str("Workload", workload)
        .str("ClientIP", client_ip)
        .str("ObjectId", object)
        .str("UserId", upn);
  }
  void name_value(std::string_view name, std::string_view value) {
    j.begin_object().str("Name", name).str("Value", value).end_object();
  }
  void id_type(std::string_view id, int type) { j.begin_object().str("ID", id).num("Type", type).end_object(); }
};

void azure_ad(Writer& w, std::string_view creation, std::string_view id) {
  static constexpr std::array<const char*, 4> kAdmin{"Add user.", "Update user.", "Add member to role.",
                                                     "Reset user password."};
  if (w.d.chance(0.7)) {
    // A sign-in (AzureActiveDirectoryStsLogon).
    bool ok = w.d.chance(0.85);
    std::string app = uuid(hash2(w.o.seed, 0xA99), 0x5E7);
    w.common(creation, id, ok ? "UserLoggedIn" : "UserLoginFailed", 15, ok ? "Success" : "Failed", w.object_id, 0,
             "AzureActiveDirectory", w.ip, app);
    w.j.num("AzureActiveDirectoryEventType", 1).begin_array("ExtendedProperties");
    w.name_value("ResultStatusDetail", ok ? "Success" : "Invalid username or password");
    w.name_value("UserAgent", kUserAgents[w.d.pick(2)]);
    w.name_value("RequestType", "OAuth2:Authorize");
    w.j.end_array().begin_array("ModifiedProperties").end_array().begin_array("Actor");
    w.id_type(w.object_id, 0);
    w.id_type(w.upn, 5);
    w.j.end_array()
        .str("ActorContextId", w.o.tenant)
        .str("ActorIpAddress", w.ip)
        .str("InterSystemsId", w.guid())
        .str("IntraSystemId", w.guid())
        .str("SupportTicketId", "")
        .begin_array("Target");
    w.id_type(app, 0);
    w.j.end_array().str("TargetContextId", w.o.tenant).str("ApplicationId", app).begin_array("DeviceProperties");
    w.name_value("OS", w.d.chance(0.5) ? "Windows10" : "MacOs");
    w.name_value("BrowserType", w.d.chance(0.5) ? "Edge" : "Safari");
    w.j.end_array().str("ErrorNumber", ok ? "0" : "50126");
    if (!ok) w.j.str("LogonError", "InvalidUserNameOrPassword");
    return;
  }
  // A directory change (AzureActiveDirectory), made by the admin.
  const char* op = w.d.pick(kAdmin);
  const User& target = kUsers[w.d.pick(kUsers.size() - 1)];
  std::string target_upn = std::string(target.alias) + "@" + w.o.domain;
  std::string admin = std::string("admin@") + w.o.domain;
  w.common(creation, id, op, 8, "Success", w.puid + "@" + w.o.domain, 2, "AzureActiveDirectory", "<null>", target_upn);
  w.j.num("AzureActiveDirectoryEventType", 1).begin_array("ExtendedProperties");
  w.name_value("additionalDetails", "{\"UserType\":\"Member\"}");
  w.name_value("extendedAuditEventCategory", "User");
  w.j.end_array().begin_array("ModifiedProperties");
  w.j.begin_object()
      .str("Name", "AccountEnabled")
      .str("NewValue", "[\r\n  true\r\n]")
      .str("OldValue", "[]")
      .end_object()
      .end_array()
      .begin_array("Actor");
  w.id_type(admin, 5);
  w.id_type(w.puid, 3);
  w.id_type("User_" + w.object_id, 2);
  w.j.end_array().str("ActorContextId", w.o.tenant).str("InterSystemsId", w.guid()).str("IntraSystemId", w.guid());
  w.j.str("SupportTicketId", "").begin_array("Target");
  w.id_type("User_" + w.guid(), 2);
  w.id_type(target_upn, 5);
  w.id_type(upper_hex(w.d.next()), 3);
  w.j.end_array().str("TargetContextId", w.o.tenant);
}

void exchange(Writer& w, std::string_view creation, std::string_view id) {
  std::string server = "AM" + std::to_string(w.d.pick(9)) + "PR0" + std::to_string(1 + w.d.pick(8)) + "MB" +
                       std::to_string(1000 + w.d.pick(9000)) + " (15.20.7472.010)";
  size_t kind = w.d.pick(10);
  if (kind < 2) {
    // An admin cmdlet (ExchangeAdmin).
    static constexpr std::array<const char*, 3> kCmdlets{"Set-Mailbox", "New-InboxRule", "Add-MailboxPermission"};
    const char* op = w.d.pick(kCmdlets);
    w.common(creation, id, op, 1, "True", "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)", 2, "Exchange", "",
             w.upn);
    w.j.begin_array("Parameters");
    w.name_value("Identity", w.object_id);
    if (std::string_view(op) == "New-InboxRule") {
      w.name_value("Name", "Move to RSS");
      w.name_value("MoveToFolder", "RSS Feeds");
      w.name_value("SubjectContainsWords", "invoice;payment");
    } else if (std::string_view(op) == "Add-MailboxPermission") {
      w.name_value("User", std::string("admin@") + w.o.domain);
      w.name_value("AccessRights", "FullAccess");
    } else {
      w.name_value("ForwardingSmtpAddress", "smtp:archive@example.net");
    }
    w.j.end_array()
        .boolean("ExternalAccess", false)
        .str("OrganizationName", w.o.domain)
        .str("OriginatingServer", server)
        .str("AppId", "00000002-0000-0ff1-ce00-000000000000");
    return;
  }
  std::string mailbox = w.guid();
  std::string sid = "S-1-5-21-2837496142-1739483729-2738491029-" + std::to_string(1100 + w.d.pick(900));
  if (kind < 6) {
    // MailItemsAccessed (ExchangeItemAggregated).
    w.common(creation, id, "MailItemsAccessed", 50, "Succeeded", w.puid, 0, "Exchange", w.ip, "");
    w.j.str("AppId", "00000002-0000-0ff1-ce00-000000000000")
        .str("ClientAppId", "")
        .str("ClientIPAddress", w.ip)
        .str("ClientInfoString", "Client=REST;Client=RESTSystem;;")
        .boolean("ExternalAccess", false)
        .num("InternalLogonType", 0)
        .num("LogonType", 0)
        .str("LogonUserSid", sid)
        .str("MailboxGuid", mailbox)
        .str("MailboxOwnerSid", sid)
        .str("MailboxOwnerUPN", w.upn)
        .begin_array("OperationProperties");
    w.name_value("MailAccessType", w.d.chance(0.5) ? "Bind" : "Sync");
    w.name_value("IsThrottled", "False");
    w.j.end_array()
        .str("OrganizationName", w.o.domain)
        .str("OriginatingServer", server)
        .num("OperationCount", static_cast<int64_t>(1 + w.d.pick(20)))
        .begin_array("Folders")
        .begin_object()
        .begin_array("FolderItems")
        .begin_object()
        .str("InternetMessageId", "<" + hex(w.d.next(), 16) + "@" + w.o.domain + ">")
        .num("SizeInBytes", static_cast<int64_t>(2000 + w.d.pick(200'000)))
        .end_object()
        .end_array()
        .str("Id", "LgAAAAD" + hex(w.d.next(), 16))
        .str("Path", "\\Inbox")
        .end_object()
        .end_array();
    return;
  }
  // A mailbox item operation (ExchangeItem).
  static constexpr std::array<const char*, 4> kOps{"Send", "MoveToDeletedItems", "SoftDelete", "Update"};
  const char* op = w.d.pick(kOps);
  w.common(creation, id, op, 2, "Succeeded", w.puid, 0, "Exchange", w.ip, "");
  w.j.str("AppId", "")
      .str("ClientIPAddress", w.ip)
      .str("ClientInfoString", "Client=OWA;Action=ViaProxy")
      .boolean("ExternalAccess", false)
      .num("InternalLogonType", 0)
      .num("LogonType", 0)
      .str("LogonUserSid", sid)
      .str("MailboxGuid", mailbox)
      .str("MailboxOwnerSid", sid)
      .str("MailboxOwnerUPN", w.upn)
      .str("OrganizationName", w.o.domain)
      .str("OriginatingServer", server)
      .begin_object("Item")
      .str("Id", "RgAAAAD" + hex(w.d.next(), 16))
      .begin_object("ParentFolder")
      .str("Id", "LgAAAAD" + hex(w.d.next(), 16))
      .str("Path", std::string_view(op) == "Send" ? "\\Sent Items" : "\\Inbox")
      .end_object()
      .str("Subject", w.d.chance(0.5) ? "Invoice overdue" : "Quarterly planning")
      .num("SizeInBytes", static_cast<int64_t>(4000 + w.d.pick(100'000)))
      .end_object();
}

void sharepoint(Writer& w, std::string_view creation, std::string_view id) {
  bool onedrive = w.d.chance(0.25);
  std::string alias_path = w.user.alias;
  std::replace(alias_path.begin(), alias_path.end(), '.', '_');
  std::string domain_path = w.o.domain;
  std::replace(domain_path.begin(), domain_path.end(), '.', '_');
  std::string tenant_host = w.tenant_host();
  std::string site = onedrive ? "https://" + tenant_host + "-my.sharepoint.com/personal/" + alias_path + "_" + domain_path + "/"
                              : "https://" + tenant_host + ".sharepoint.com/sites/" + w.d.pick(kSites) + "/";
  std::string folder = onedrive ? "Documents" : "Shared Documents";
  std::string file = w.d.pick(kFiles);
  std::string ext = file.substr(file.rfind('.') + 1);
  std::string user_key = "i:0h.f|membership|" + hex(hash2(w.o.seed, std::string_view(w.user.alias).size()), 16) + "@live.com";
  auto location = [&] {
    w.j.str("CorrelationId", w.guid())
        .str("EventSource", "SharePoint")
        .str("ItemType", "File")
        .str("ListId", w.guid())
        .str("ListItemUniqueId", w.guid())
        .str("Site", w.guid())
        .str("UserAgent", kUserAgents[w.d.pick(kUserAgents.size())])
        .str("WebId", w.guid())
        .str("SourceFileExtension", ext)
        .str("SiteUrl", site)
        .str("SourceFileName", file)
        .str("SourceRelativeUrl", folder);
  };
  if (w.d.chance(0.2)) {
    // SharePointSharingOperation.
    static constexpr std::array<const char*, 3> kOps{"SharingSet", "AnonymousLinkCreated", "SharingInvitationCreated"};
    const char* op = w.d.pick(kOps);
    w.common(creation, id, op, 14, "", user_key, 0, onedrive ? "OneDrive" : "SharePoint", w.ip,
             site + folder + "/" + file);
    location();
    w.j.str("TargetUserOrGroupName", std::string_view(op) == "AnonymousLinkCreated" ? "Anonymous" : "guest@example.net")
        .str("TargetUserOrGroupType", std::string_view(op) == "AnonymousLinkCreated" ? "AnonymousLink" : "Guest")
        .str("EventData", "<Type>View</Type><MembersCanShare>Yes</MembersCanShare>");
    return;
  }
  // SharePointFileOperation.
  static constexpr std::array<const char*, 5> kOps{"FileAccessed", "FileDownloaded", "FileModified", "FileUploaded",
                                                   "FileDeleted"};
  w.common(creation, id, w.d.pick(kOps), 6, "", user_key, 0, onedrive ? "OneDrive" : "SharePoint", w.ip,
           site + folder + "/" + file);
  location();
  w.j.boolean("IsManagedDevice", w.d.chance(0.6)).str("ApplicationDisplayName", "Microsoft Office");
}

void general(Writer& w, std::string_view creation, std::string_view id) {
  if (w.d.chance(0.6)) {
    // Microsoft Teams.
    static constexpr std::array<const char*, 4> kOps{"TeamsSessionStarted", "MemberAdded", "ChannelAdded",
                                                     "MessageEditedHasLink"};
    const char* op = w.d.pick(kOps);
    const char* team = w.d.pick(kTeams);
    std::string team_guid = uuid(hash2(w.o.seed, std::string_view(team).size()), mix64(team[0]));
    w.common(creation, id, op, 25, "", w.object_id, 0, "MicrosoftTeams", w.ip, "");
    w.j.str("TeamName", team)
        .str("TeamGuid", "19:" + hex(mix64(team[1]), 16) + "@thread.tacv2")
        .str("AADGroupId", team_guid)
        .str("CommunicationType", "Team")
        .str("ChannelName", "General")
        .str("ChannelType", "Standard")
        .begin_array("Members")
        .begin_object()
        .str("DisplayName", w.user.name)
        .num("Role", 1)
        .str("UPN", w.upn)
        .end_object()
        .end_array()
        .str("ItemName", team);
    return;
  }
  // Power BI.
  static constexpr std::array<const char*, 3> kOps{"ViewReport", "ExportReport", "ViewDashboard"};
  const char* op = w.d.pick(kOps);
  w.common(creation, id, op, 20, "", w.puid, 0, "PowerBI", w.ip, "Sales pipeline");
  w.j.str("Activity", op)
      .str("ItemName", "Sales pipeline")
      .str("WorkSpaceName", "Sales")
      .str("DatasetName", "CRM opportunities")
      .str("ReportName", "Sales pipeline")
      .str("WorkspaceId", uuid(hash2(w.o.seed, 0x5A1E5), 1))
      .str("ReportId", uuid(hash2(w.o.seed, 0x5A1E6), 2))
      .str("DatasetId", uuid(hash2(w.o.seed, 0x5A1E7), 3))
      .str("RequestId", w.guid())
      .str("ActivityId", w.guid())
      .boolean("IsSuccess", true)
      .str("DistributionMethod", "Workspace")
      .str("ConsumptionMethod", "Power BI Web")
      .str("UserAgent", kUserAgents[w.d.pick(2)]);
}

void dlp(Writer& w, std::string_view creation, std::string_view id) {
  bool mail = w.d.chance(0.5);
  static constexpr std::array<const char*, 3> kInfoTypes{"Credit Card Number", "U.S. Social Security Number (SSN)",
                                                         "International Banking Account Number (IBAN)"};
  const char* info = w.d.pick(kInfoTypes);
  std::string file = w.d.pick(kFiles);
  std::string site = "https://" + w.tenant_host() + ".sharepoint.com/sites/Finance";
  std::string message_id = "<" + hex(w.d.next(), 16) + "@" + w.o.domain + ">";
  w.common(creation, id, "DLPRuleMatch", mail ? 13 : 11, "", "DlpAgent", 4, mail ? "Exchange" : "SharePoint", "",
           mail ? message_id : site + "/Shared Documents/" + file);
  w.j.str("IncidentId", w.guid())
      .boolean("SensitiveInfoDetectionIsIncluded", true)
      .begin_array("PolicyDetails")
      .begin_object()
      .str("PolicyId", uuid(hash2(w.o.seed, 0xD1), 0xD2))
      .str("PolicyName", "U.S. Financial Data")
      .begin_array("Rules")
      .begin_object()
      .str("RuleId", uuid(hash2(w.o.seed, 0xD3), 0xD4))
      .str("RuleName", "Low volume of content detected U.S. Financial")
      .str("RuleMode", "Enable")
      .str("Severity", w.d.chance(0.3) ? "High" : "Medium")
      .strings("Actions", {"NotifyUser", "GenerateIncidentReport"})
      .begin_object("ConditionsMatched")
      .begin_array("SensitiveInformation")
      .begin_object()
      .num("Confidence", 85)
      .num("Count", static_cast<int64_t>(1 + w.d.pick(9)))
      .str("SensitiveType", uuid(mix64(info[0]), mix64(info[3])))
      .str("SensitiveInformationTypeName", info)
      .str("ClassifierType", "Content")
      .end_object()
      .end_array()
      .end_object()
      .end_object()
      .end_array()
      .end_object()
      .end_array();
  if (mail) {
    w.j.begin_object("ExchangeMetaData")
        .str("MessageID", message_id)
        .str("From", w.upn)
        .strings("To", {"partner@example.net"})
        .strings("CC", {})
        .str("Subject", "Card details for the booking")
        .str("Sent", creation)
        .num("RecipientCount", 1)
        .end_object();
  } else {
    w.j.begin_object("SharePointMetaData")
        .str("From", w.upn)
        .str("FileName", file)
        .str("FilePathUrl", site + "/Shared Documents/" + file)
        .str("SiteCollectionUrl", site)
        .str("UniqueID", w.guid())
        .str("ItemCreationTime", creation)
        .boolean("IsViewableByExternalUsers", false)
        .end_object();
  }
}

}  // namespace

std::string_view content_type_name(ContentType type) { return kNames[static_cast<size_t>(type)]; }

std::optional<ContentType> parse_content_type(std::string_view name) {
  for (ContentType t : kAllContentTypes) {
    if (iequals(name, content_type_name(t))) return t;
  }
  return std::nullopt;
}

Result<Dataset> Dataset::create(DataOptions o) {
  if (o.records < 0) return fail("--records", "must not be negative");
  if (o.blobs < 1 || o.blobs > kMaxBlobs) return fail("--blobs", "must be within 1..999999");
  if (o.end_ms <= o.start_ms) return fail("--end", "must be after --start");
  if (o.max_lag_ms < 0) return fail("--max-lag", "must not be negative");
  if (o.duplicate_rate < 0 || o.duplicate_rate > 1) return fail("--duplicate-rate", "must be within 0..1");
  Dataset d(std::move(o));
  const DataOptions& opt = d.options_;
  // contentCreated is monotonic in the blob index, at millisecond resolution; every 50th blob
  // sits on a whole minute, where windows meet.
  Timeline created(opt.blobs, ticks_from_ms(opt.start_ms), ticks_from_ms(opt.end_ms), hash2(opt.seed, 0xB10B),
                   kTicksPerMillisecond, 0);
  std::vector<int64_t> weights(static_cast<size_t>(opt.blobs) + 1, 0);
  for (int64_t b = 0; b < opt.blobs; ++b) {
    weights[static_cast<size_t>(b) + 1] =
        weights[static_cast<size_t>(b)] + 50 + static_cast<int64_t>(hash2(opt.seed ^ 0xB5ULL, static_cast<uint64_t>(b)) % 101);
  }
  int64_t total = weights.back();
  std::array<int64_t, kContentTypes> last{-1, -1, -1, -1, -1};
  int64_t floor_start = floor_div(opt.start_ms, 1000) * 1000;
  for (int64_t b = 0; b < opt.blobs; ++b) {
    Blob blob{};
    blob.created_ms = created.at(b) / kTicksPerMillisecond;
    blob.first = scale(opt.records, weights[static_cast<size_t>(b)], total);
    blob.count = scale(opt.records, weights[static_cast<size_t>(b) + 1], total) - blob.first;
    blob.type = kPattern[(static_cast<uint64_t>(b) + opt.seed) % kPattern.size()];
    // The newest record lags contentCreated by up to half of max_lag, the oldest by up to
    // max_lag: blobs overlap in time, so a later blob can hold older records.
    uint64_t half = static_cast<uint64_t>(opt.max_lag_ms / 2) + 1;
    int64_t delay = static_cast<int64_t>(hash2(opt.seed ^ 0x1A6ULL, static_cast<uint64_t>(b)) % half);
    int64_t span = static_cast<int64_t>(hash2(opt.seed ^ 0x5BA4ULL, static_cast<uint64_t>(b)) % half);
    blob.newest_ms = std::max(blob.created_ms - delay, floor_start);
    blob.oldest_ms = std::max(blob.newest_ms - span, floor_start);
    size_t t = static_cast<size_t>(blob.type);
    blob.previous = last[t];
    blob.next = -1;
    if (last[t] >= 0) d.blobs_[static_cast<size_t>(last[t])].next = b;
    last[t] = b;
    d.by_type_[t].push_back(b);
    d.records_by_type_[t] += blob.count;
    d.blobs_.push_back(blob);
    d.firsts_.push_back(blob.first);
  }
  if (opt.duplicate_rate > 0) {
    for (int64_t i = 0; i < opt.records; ++i) {
      if (d.duplicated(i)) ++d.duplicates_by_type_[static_cast<size_t>(d.type_of(i))];
    }
  }
  return d;
}

int64_t Dataset::blob_of(int64_t record) const {
  // The last blob whose first record is <= record (empty blobs share their first with the next).
  auto it = std::upper_bound(firsts_.begin(), firsts_.end(), record);
  return static_cast<int64_t>(it - firsts_.begin()) - 1;
}

bool Dataset::duplicated(int64_t record) const {
  if (options_.duplicate_rate <= 0) return false;
  if (unit_interval(hash2(options_.seed ^ 0xD0BULL, static_cast<uint64_t>(record))) >= options_.duplicate_rate) {
    return false;
  }
  return blob(blob_of(record)).next >= 0;
}

std::optional<int64_t> Dataset::duplicate_blob_of(int64_t record) const {
  if (!duplicated(record)) return std::nullopt;
  return blob(blob_of(record)).next;
}

int64_t Dataset::creation_ms(int64_t record) const {
  const Blob& b = blob(blob_of(record));
  int64_t k = record - b.first;
  int64_t t = b.oldest_ms + scale(b.newest_ms - b.oldest_ms, k, std::max<int64_t>(b.count - 1, 1));
  return floor_div(t, 1000) * 1000;
}

std::string Dataset::record_id(int64_t record) const {
  return uuid(hash2(options_.seed ^ 0x1D1ULL, static_cast<uint64_t>(record)),
              hash2(options_.seed ^ 0x1D2ULL, static_cast<uint64_t>(record)));
}

std::string Dataset::record_json(int64_t record) const {
  std::string out;
  out.reserve(1400);
  Writer w(options_, record, out);
  std::string creation = creation_text(creation_ms(record));
  std::string id = record_id(record);
  switch (type_of(record)) {
    case ContentType::AzureActiveDirectory: azure_ad(w, creation, id); break;
    case ContentType::Exchange: exchange(w, creation, id); break;
    case ContentType::SharePoint: sharepoint(w, creation, id); break;
    case ContentType::General: general(w, creation, id); break;
    case ContentType::Dlp: dlp(w, creation, id); break;
  }
  w.j.end_object();
  return out;
}

std::vector<int64_t> Dataset::served_records(int64_t b) const {
  std::vector<int64_t> out;
  const Blob& blob_b = blob(b);
  if (blob_b.previous >= 0) {
    const Blob& p = blob(blob_b.previous);
    for (int64_t i = p.first; i < p.first + p.count; ++i) {
      if (duplicated(i)) out.push_back(i);
    }
  }
  for (int64_t i = blob_b.first; i < blob_b.first + blob_b.count; ++i) out.push_back(i);
  return out;
}

std::string Dataset::blob_json(int64_t b) const {
  std::vector<int64_t> records = served_records(b);
  std::string out;
  out.reserve(records.size() * 1400 + 2);
  out += '[';
  for (size_t k = 0; k < records.size(); ++k) {
    if (k > 0) out += ',';
    out += record_json(records[k]);
  }
  out += ']';
  return out;
}

std::string Dataset::content_id(int64_t b) const {
  const Blob& blob_b = blob(b);
  CivilTime c = to_civil(DateTime{ticks_from_ms(blob_b.created_ms)});
  char head[40];
  std::snprintf(head, sizeof head, "%04d%02d%02d%02d%02d%02d%03lld%06lld", c.year, c.month, c.day, c.hour, c.minute,
                c.second, static_cast<long long>(c.fraction_ticks / 10'000), static_cast<long long>(b));
  std::string_view name = content_type_name(blob_b.type);
  std::string exact(name);
  std::replace(exact.begin(), exact.end(), '.', '_');
  char region[16];
  std::snprintf(region, sizeof region, "nam%04d",
                static_cast<int>(hash2(options_.seed ^ 0x4E6ULL, static_cast<uint64_t>(blob_b.type)) % 100));
  return std::string(head) + "$" + head + "$" + lower_underscored(name) + "$" + exact + "$" + region;
}

bool Dataset::well_formed_content_id(std::string_view id) {
  size_t parts = 0;
  for (size_t p = 0; p <= id.size();) {
    size_t e = std::min(id.find('$', p), id.size());
    if (e == p) return false;
    for (size_t k = p; k < e; ++k) {
      unsigned char c = static_cast<unsigned char>(id[k]);
      if (!std::isalnum(c) && c != '_') return false;
    }
    ++parts;
    p = e + 1;
  }
  return parts == 5;
}

std::optional<int64_t> Dataset::find_content_id(std::string_view id) const {
  size_t dollar = id.find('$');
  if (dollar != 23) return std::nullopt;
  int64_t b = 0;
  for (size_t k = 17; k < 23; ++k) {
    if (!std::isdigit(static_cast<unsigned char>(id[k]))) return std::nullopt;
    b = b * 10 + (id[k] - '0');
  }
  if (b >= blob_count() || content_id(b) != id) return std::nullopt;
  return b;
}

std::pair<size_t, size_t> Dataset::window(ContentType type, int64_t start_ms, int64_t end_ms) const {
  const auto& list = blobs_of_type(type);
  auto at = [&](int64_t t) {
    return static_cast<size_t>(std::partition_point(list.begin(), list.end(),
                                                    [&](int64_t b) { return blob(b).created_ms < t; }) -
                               list.begin());
  };
  size_t lo = at(start_ms);
  return {lo, std::max(lo, at(end_ms))};
}

}  // namespace intake::sim::o365
