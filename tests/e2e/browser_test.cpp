// The status page in a real browser: two Jira sites polled by `intake run`, the page loaded in
// headless Chromium through playwright-core (tests/browser/status_page.mjs), which clicks a sample
// query and saves a screenshot to tests/artifacts/status_page.png. Skipped when Chromium or the
// browser test's node modules are missing (scripts/setup installs both).
#include "daemon_fixture.h"

using namespace intake::testing;

TEST_F(DaemonE2E, StatusPageInHeadlessChromium) {
  fs::path browser_dir = source_dir() / "tests/browser";
  fs::path node;
  for (const char* dir : {"/usr/bin", "/usr/local/bin"}) {
    if (fs::exists(fs::path(dir) / "node")) node = fs::path(dir) / "node";
  }
  if (node.empty() || !fs::exists("/usr/bin/chromium") || !fs::exists(browser_dir / "node_modules/playwright-core")) {
    GTEST_SKIP() << "needs node, /usr/bin/chromium and tests/browser/node_modules (run scripts/setup)";
  }
  const int kRecords = 150;
  uint16_t pa = free_port(), pb = free_port();
  auto a = start_jira("A", pa, kRecords);
  auto b = start_jira("B", pb, kRecords);
  // Site B's description tries to inject markup and a script link; the page must show it as text.
  std::string pkg_b = package("B");
  std::string ui = read_file(fs::path(pkg_b) / "ui.json");
  auto pos = ui.find("\"descriptionMarkdown\": \"");
  ASSERT_NE(pos, std::string::npos);
  ui.insert(pos + 24, "<img src=x onerror=\\\"document.title='pwned'\\\"> [click](javascript:document.title='pwned') ");
  write_file(fs::path(pkg_b) / "ui.json", ui);
  auto config = write_config(connector_yaml("A", pa, package("A")) + connector_yaml("B", pb, pkg_b));
  auto d = start_daemon(config);
  ASSERT_FALSE(url_.empty());
  ASSERT_TRUE(wait_for([&] {
    return count("SELECT count(*) FROM " + table("A")) == kRecords && count("SELECT count(*) FROM " + table("B")) == kRecords;
  })) << d->err();

  fs::path artifacts = source_dir() / "tests/artifacts";
  fs::create_directories(artifacts);
  fs::path shot = artifacts / "status_page.png";
  fs::remove(shot);
  auto r = run({node.string(), (browser_dir / "status_page.mjs").string(), url_, std::string(kBearer), "2", shot.string()}, dir_.path(),
               120s);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(shot));
  EXPECT_GT(fs::exists(shot) ? fs::file_size(shot) : 0, 10'000u);
  stop_daemon(*d);
}
