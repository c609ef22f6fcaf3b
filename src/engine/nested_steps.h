// Runs a connection's nested steps (CCP's stepInfo/stepCollectorConfigs) over each page of its
// records: per record, each step's placeholder KQL gives $name$ values, one request set (with
// the step's own paging, retries, rate limit and decoding — the poller's machinery) per output
// row, at most the step's maxParallelism requests at once. The records a page finally holds are
// the steps' records (shouldJoinNestedData false) or the parent's, each with the step's records
// in a member named joinedDataStepName. Steps nest up to two levels. A placeholder KQL that does
// not compile, fails, or yields an empty $value$ for a record is an error naming the step and
// the record — never a silent request with a hole in it.
#pragma once

#include <simdjson.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "ccp/definition.h"
#include "core/error.h"
#include "http/client.h"
#include "poll/poller.h"

namespace intake::engine {

struct StepStats {
  int64_t requests = 0, retries = 0, records = 0;
};

class StepRunner {
 public:
  // `def` is an instantiated definition with steps. `auth` (thread-safe, e.g. a
  // LockedAuthenticator) serves steps without an auth block of their own.
  static Result<std::unique_ptr<StepRunner>> create(const ccp::Definition& def, auth::Authenticator& auth,
                                                    http::ClientOptions client_options, poll::PollOptions base);
  ~StepRunner();

  // Expands one page of parent records; the events stay valid until the next call.
  Result<std::span<const simdjson::dom::element>> expand(std::span<const simdjson::dom::element> records,
                                                         const poll::Window& window);
  StepStats stats() const;

 private:
  struct Impl;
  explicit StepRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake::engine
