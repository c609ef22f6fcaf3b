// `intake validate` through the binary: broken definitions are rejected with exit 78 and a precise
// line each; the shipped packages and the corpus definitions intake supports are accepted.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ccp/parse.h"
#include "json/value_json.h"
#include "testing/process.h"
#include "testing/support.h"

namespace fs = std::filesystem;
using namespace intake;
using namespace intake::testing;

namespace {

RunResult validate(const std::vector<std::string>& paths, const TempDir& logs) {
  std::vector<std::string> argv{(bin_dir() / "intake").string(), "validate"};
  argv.insert(argv.end(), paths.begin(), paths.end());
  return run(argv, logs.path(), std::chrono::seconds(60));
}

struct BrokenCase {
  std::string file;
  std::string expect;
  int line;
};

std::vector<BrokenCase> broken_cases() {
  std::vector<BrokenCase> out;
  std::ifstream in(source_dir() / "tests/data/broken/expected.txt");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto bar = line.find(" | ");
    if (bar == std::string::npos) continue;
    out.push_back({line.substr(0, bar), line.substr(bar + 3), n});
  }
  return out;
}

}  // namespace

TEST(Validate, RejectsEveryBrokenDefinitionWithAPreciseError) {
  TempDir logs;
  auto cases = broken_cases();
  ASSERT_GE(cases.size(), 10u) << "tests/data/broken/expected.txt lists too few cases";
  for (const auto& c : cases) {
    fs::path p = source_dir() / "tests/data/broken" / c.file;
    ASSERT_TRUE(fs::exists(p)) << p;
    auto r = validate({p.string()}, logs);
    EXPECT_EQ(r.exit_code, 78) << c.file << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find(c.expect), std::string::npos)
        << "expected.txt:" << c.line << ": " << c.file << " should report\n  " << c.expect << "\nbut printed\n" << r.out;
    // One problem per line, each naming the file it is about.
    std::istringstream lines(r.out);
    std::string l;
    while (std::getline(lines, l)) {
      if (l.starts_with("error: ")) {
        EXPECT_NE(l.find(c.file), std::string::npos) << l;
      }
    }
  }
}

TEST(Validate, AcceptsTheShippedPackages) {
  TempDir logs;
  for (const auto& e : fs::directory_iterator(source_dir() / "connectors")) {
    if (!e.is_directory()) continue;
    auto r = validate({e.path().string()}, logs);
    EXPECT_EQ(r.exit_code, 0) << e.path() << "\n" << r.out << r.err;
    EXPECT_EQ(r.out.find("warning"), std::string::npos) << "our own packages should validate without warnings:\n" << r.out;
  }
}

TEST(Validate, UsageErrorsExitTwo) {
  TempDir logs;
  auto r = run({(bin_dir() / "intake").string(), "validate"}, logs.path());
  EXPECT_EQ(r.exit_code, 2);
  r = run({(bin_dir() / "intake").string(), "frobnicate"}, logs.path());
  EXPECT_EQ(r.exit_code, 2);
}

// Every corpus poller file whose connections use only the auth and paging types intake runs
// today (Basic/APIKey, Offset/no paging, JSON) is accepted. The expectation is computed from the
// raw JSON, independently of the parser under test.
TEST(Validate, AcceptsCorpusDefinitionsWithSupportedAuthAndPaging) {
  INTAKE_REQUIRE_CORPUS(corpus);
  TempDir logs;
  int accepted = 0, considered = 0;
  std::string report;
  for (const auto& dir : fs::directory_iterator(corpus)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      std::string name = f.path().filename().string();
      std::string lower = name;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower.find("poll") == std::string::npos) continue;
      auto root = json::parse(read_file(f.path()));
      ASSERT_TRUE(root) << f.path();
      auto resources = ccp::find_connector_resources(*root);
      bool supported = !resources.empty();
      int pollers = 0;
      for (const auto& r : resources) {
        const Value* kind = r.resource->get_ci("kind");
        if (!ccp::is_polling_kind(kind->as_string())) continue;
        ++pollers;
        const Value* props = r.resource->get_ci("properties");
        const Value* cfg = props->get_ci("pollingConfig") ? props->get_ci("pollingConfig") : props;
        const Value* auth = cfg->get_ci("auth");
        const Value* type = auth ? (auth->get_ci("type") ? auth->get_ci("type") : auth->get_ci("authType")) : nullptr;
        std::string t = type && type->is_string() ? type->as_string() : "";
        const Value* paging = cfg->get_ci("paging");
        const Value* ptype = paging ? paging->get_ci("pagingType") : nullptr;
        std::string p = ptype && ptype->is_string() ? ptype->as_string() : "None";
        const Value* resp = cfg->get_ci("response");
        const Value* fmt = resp ? resp->get_ci("format") : nullptr;
        std::string fm = fmt && fmt->is_string() ? fmt->as_string() : "json";
        bool nested = props->get_ci("stepInfo") != nullptr;
        supported = supported && (iequals(t, "Basic") || iequals(t, "APIKey")) && (iequals(p, "Offset") || iequals(p, "None")) &&
                    iequals(fm, "json") && !nested;
      }
      if (!supported || pollers == 0) continue;
      ++considered;
      auto r = validate({f.path().string()}, logs);
      if (r.exit_code == 0) ++accepted;
      else report += f.path().string() + ":\n" + r.out;
      EXPECT_EQ(r.exit_code, 0) << r.out;
    }
  }
  std::cout << "corpus definitions with Basic/APIKey auth and Offset/no paging accepted: " << accepted << " of "
            << considered << "\n" << report;
  EXPECT_GE(considered, 8);
}

TEST(Validate, WarnsAboutTheStrayQuoteInThePublishedJiraDefinition) {
  INTAKE_REQUIRE_CORPUS(corpus);
  TempDir logs;
  auto r = validate({(corpus / "AtlassianJiraAudit/JiraAudit_PollingConfig.json").string()}, logs);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("/properties/request/apiEndpoint: the URL contains a stray quote (')"), std::string::npos) << r.out;
}
