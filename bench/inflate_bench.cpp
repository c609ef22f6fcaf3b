// Inflating a gzip'd page of JSON events (about 580 KB): zlib's streaming inflate, which libcurl
// uses when it decodes Content-Encoding, next to http::inflate (libdeflate, whole buffer).
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <cstdio>
#include <string>

#include "http/gzip.h"

namespace {

std::string page() {
  std::string plain = "[";
  for (int i = 0; i < 1000; ++i) {
    char buf[1024];
    int n = std::snprintf(buf, sizeof buf,
                          "%s{\"id\":\"evt-%d\",\"time\":\"2024-05-01T00:%02d:%02dZ\",\"host\":\"host-%s.corp.example.com\","
                          "\"user\":\"user%d@corp.example.com\",\"message\":\"Connection from 10.1.4.%d to 192.0.2.%d was "
                          "allowed by the policy in effect for the tenant; see the portal for the full record.\","
                          "\"sha256\":\"%08x%08x%08x%08x\",\"url\":\"https://cdn.example.com/path/%08x/resource\"}",
                          i ? "," : "", i, i % 60, (i * 7) % 60, i % 3 ? "alpha" : "beta", i % 8, i % 250, i % 30,
                          i * 7919u, i * 104729u, i * 1299709u, i * 15485863u, i * 32452843u);
    plain.append(buf, static_cast<size_t>(n));
  }
  return plain + "]";
}

const std::string& plain() {
  static const std::string p = page();
  return p;
}

const std::string& packed() {
  static const std::string z = intake::http::gzip(plain()).value();
  return z;
}

void BM_ZlibStreaming(benchmark::State& state) {
  const std::string& z = packed();
  std::string out(plain().size(), '\0');
  char buf[16 * 1024];
  for (auto _ : state) {
    z_stream zs{};
    inflateInit2(&zs, 15 + 32);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
    zs.avail_in = static_cast<uInt>(z.size());
    size_t n = 0;
    int rc = Z_OK;
    while (rc == Z_OK) {  // 16 KiB at a time, as libcurl's decoder hands data on
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      out.replace(n, sizeof buf - zs.avail_out, buf, sizeof buf - zs.avail_out);
      n += sizeof buf - zs.avail_out;
    }
    inflateEnd(&zs);
    if (n != plain().size()) state.SkipWithError("zlib inflated a different size");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * plain().size()));
}
BENCHMARK(BM_ZlibStreaming);

void BM_HttpInflate(benchmark::State& state) {
  for (auto _ : state) {
    auto out = intake::http::inflate(packed(), size_t{1} << 30);
    if (!out || out->size() != plain().size()) state.SkipWithError("inflate failed");
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * plain().size()));
}
BENCHMARK(BM_HttpInflate);

}  // namespace
