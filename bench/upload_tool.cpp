// Uploads an NDJSON file of stream rows through intake's azure-monitor destination, the way the
// daemon delivers spooled pages (entries of --page rows), and prints one JSON line with the wall
// time and the CPU time it took. bench/upload_compare.sh runs it next to the official SDK.
// Usage: bench_upload_tool ENDPOINT DCR STREAM TOKEN ROWS.ndjson [--page N] [--concurrency C] [--ca-file PEM]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "sinks/azure_monitor.h"

using namespace intake;

namespace {
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: " << argv[0] << " ENDPOINT DCR STREAM TOKEN ROWS.ndjson [--page N] [--concurrency C] [--ca-file PEM]\n";
    return 2;
  }
  sinks::AzureMonitorOptions o;
  o.name = "bench";
  o.endpoint = argv[1];
  std::string dcr = argv[2], stream = argv[3];
  o.token = argv[4];
  std::string file = argv[5];
  int page = 1000;
  for (int i = 6; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--page") page = std::stoi(argv[i + 1]);
    else if (a == "--concurrency") o.concurrency = std::stoi(argv[i + 1]);
    else if (a == "--ca-file") o.ca_file = argv[i + 1];
  }
  std::ifstream in(file, std::ios::binary);
  std::vector<sinks::SpooledEntry> entries;
  std::string meta = sinks::azure_meta(dcr, stream);
  std::string line;
  sinks::SpooledEntry e;
  int64_t rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    e.payload += line;
    e.payload += '\n';
    ++e.rows;
    ++rows;
    if (e.rows == page) {
      e.seq = static_cast<int64_t>(entries.size()) + 1;
      e.meta = meta;
      entries.push_back(std::move(e));
      e = {};
    }
  }
  if (e.rows) {
    e.seq = static_cast<int64_t>(entries.size()) + 1;
    e.meta = meta;
    entries.push_back(std::move(e));
  }
  auto dest = sinks::AzureMonitorDestination::create(o);
  if (!dest) {
    std::cerr << dest.error().str() << "\n";
    return 1;
  }
  double cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  size_t budget = (*dest)->batch_bytes();
  int64_t requests = 0;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i, bytes = 0;
    while (j < entries.size() && (j == i || bytes + entries[j].payload.size() <= budget)) bytes += entries[j++].payload.size();
    auto r = (*dest)->deliver(std::span(entries).subspan(i, j - i));
    if (!r) {
      std::cout << "{\"ok\":false,\"error\":\"" << r.error().error.str() << "\"}\n";
      return 1;
    }
    requests += r->requests;
    i = j;
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  double cpu_ms = (cpu_seconds() - cpu0) * 1000;
  std::printf("{\"ok\":true,\"rows\":%lld,\"requests\":%lld,\"ms\":%.1f,\"cpu_ms\":%.1f}\n", static_cast<long long>(rows),
              static_cast<long long>(requests), ms, cpu_ms);
  return 0;
}
