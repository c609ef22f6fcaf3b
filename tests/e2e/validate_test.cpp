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

// Every connector file of the corpus (definitions of every kind; DCRs and tables are checked with
// their packages) is accepted, nested multi-step definitions included (their steps are listed).
TEST(Validate, AcceptsEveryCorpusDefinition) {
  INTAKE_REQUIRE_CORPUS(corpus);
  TempDir logs;
  int accepted = 0, considered = 0, nested_seen = 0;
  for (const auto& dir : fs::directory_iterator(corpus)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() != ".json") continue;
      auto root = json::parse(read_file(f.path()));
      ASSERT_TRUE(root) << f.path();
      auto resources = ccp::find_connector_resources(*root);
      if (resources.empty()) continue;  // a DCR or a table
      ++considered;
      bool nested = false;
      for (const auto& r : resources) {
        const Value* props = r.resource->get_ci("properties");
        nested = nested || (props && props->get_ci("stepInfo"));
      }
      auto r = validate({f.path().string()}, logs);
      EXPECT_EQ(r.exit_code, 0) << r.out;
      if (r.exit_code == 0) ++accepted;
      if (nested) {
        ++nested_seen;
        EXPECT_NE(r.out.find(" then "), std::string::npos) << "the nested step is listed: " << r.out;
      }
    }
  }
  std::cout << "corpus connector files accepted: " << accepted << " of " << considered << " (" << nested_seen << " nested)\n";
  EXPECT_GE(considered, 50);
  EXPECT_EQ(accepted, considered);
  EXPECT_GE(nested_seen, 4);
}

TEST(Validate, WarnsAboutTheStrayQuoteInThePublishedJiraDefinition) {
  INTAKE_REQUIRE_CORPUS(corpus);
  TempDir logs;
  auto r = validate({(corpus / "AtlassianJiraAudit/JiraAudit_PollingConfig.json").string()}, logs);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("/properties/request/apiEndpoint: the URL contains a stray quote (')"), std::string::npos) << r.out;
}
