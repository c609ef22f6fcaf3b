// http/retry: the retry-or-fail table, backoff, and the waits servers ask for (Retry-After and
// the rate-limit reset headers of vendors that send no Retry-After).
#include <gtest/gtest.h>

#include "core/time.h"
#include "http/retry.h"

using namespace intake;
using namespace intake::http;
using std::chrono::milliseconds;

namespace {

DateTime at(const char* iso) { return parse_datetime(iso).value(); }

Response response(int status, Headers headers) { return Response{status, std::move(headers), ""}; }

}  // namespace

TEST(HttpRetry, StatusTable) {
  EXPECT_EQ(classify_status(200), Disposition::Ok);
  EXPECT_EQ(classify_status(204), Disposition::Ok);
  EXPECT_EQ(classify_status(401), Disposition::Unauthorized);
  EXPECT_EQ(classify_status(408), Disposition::Retry);
  EXPECT_EQ(classify_status(429), Disposition::Retry);
  EXPECT_EQ(classify_status(503), Disposition::Retry);
  EXPECT_EQ(classify_status(400), Disposition::Fail);
  EXPECT_EQ(classify_status(403), Disposition::Fail);
}

TEST(HttpRetry, RetryAfterSecondsAndDate) {
  DateTime now = at("2024-03-01T10:00:00Z");
  EXPECT_EQ(parse_retry_after("2", now), milliseconds(2000));
  EXPECT_EQ(parse_retry_after(" 1.5 ", now), milliseconds(1500));
  EXPECT_EQ(parse_retry_after("Fri, 01 Mar 2024 10:00:05 GMT", now), milliseconds(5000));
  EXPECT_EQ(parse_retry_after("-1", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
}

TEST(HttpRetry, RateLimitResetInEpochMillisecondsEpochSecondsOrDelta) {
  DateTime now = at("2024-03-01T10:00:00Z");
  int64_t now_ms = now.ticks / kTicksPerMillisecond;
  // Dataminr: epoch milliseconds.
  EXPECT_EQ(parse_rate_limit_reset(std::to_string(now_ms + 2000), now), milliseconds(2000));
  // Okta, GitHub: epoch seconds.
  EXPECT_EQ(parse_rate_limit_reset(std::to_string(now_ms / 1000 + 7), now), milliseconds(7000));
  // A number of seconds to wait.
  EXPECT_EQ(parse_rate_limit_reset("30", now), milliseconds(30'000));
  // An instant already past: no wait.
  EXPECT_EQ(parse_rate_limit_reset(std::to_string(now_ms - 5000), now), milliseconds(0));
  EXPECT_EQ(parse_rate_limit_reset("later", now), std::nullopt);
  EXPECT_EQ(parse_rate_limit_reset("", now), std::nullopt);
}

TEST(HttpRetry, WaitOfAResponse) {
  DateTime now = at("2024-03-01T10:00:00Z");
  std::string reset = std::to_string(now.ticks / kTicksPerMillisecond + 2000);
  // Retry-After wins over the reset header.
  EXPECT_EQ(retry_after_of(response(429, {{"Retry-After", "3"}, {"x-rate-limit-reset", reset}}), now), milliseconds(3000));
  // A 429 with only the reset header (Dataminr) waits until the reset.
  EXPECT_EQ(retry_after_of(response(429, {{"x-rate-limit-reset", reset}}), now), milliseconds(2000));
  EXPECT_EQ(retry_after_of(response(429, {{"X-RateLimit-Reset", "4"}}), now), milliseconds(4000));
  // On other statuses the reset header is information (GitHub sends it on every response).
  EXPECT_EQ(retry_after_of(response(503, {{"X-RateLimit-Reset", reset}}), now), std::nullopt);
  EXPECT_EQ(retry_after_of(response(429, {}), now), std::nullopt);
}

TEST(HttpRetry, BackoffHonoursTheServersWaitWithinItsCap) {
  BackoffPolicy p;
  EXPECT_EQ(backoff_delay(p, 1, 0.5, milliseconds(2000)), milliseconds(2000));
  EXPECT_EQ(backoff_delay(p, 1, 0.5, milliseconds(3'600'000)), p.max_retry_after);
  auto d = backoff_delay(p, 3, 0.0, std::nullopt);
  EXPECT_EQ(d, milliseconds(2000));  // ceiling 4 s, lower half of the jitter
}
