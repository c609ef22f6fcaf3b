#include "http/client.h"

#include <curl/curl.h>

#include <mutex>

#include "http/gzip.h"
#include "http/url.h"

namespace intake::http {

namespace {

std::once_flag curl_init_once;

// A compressed response may inflate to this much; beyond it is a decompression bomb.
constexpr size_t kMaxDecodedBytes = size_t{1} << 30;
static_assert(kInflateSpareBytes >= kBodyPadding, "a decoded body keeps the padding the parser needs");

// TLS sessions and DNS answers shared by every client of the process: a daemon with thousands of
// instances of one vendor resumes TLS sessions instead of doing a full handshake per scheduled run.
struct Shared {
  CURLSH* handle = nullptr;
  std::mutex locks[CURL_LOCK_DATA_LAST];
  Shared() {
    handle = curl_share_init();
    if (!handle) return;
    curl_share_setopt(handle, CURLSHOPT_LOCKFUNC, +[](CURL*, curl_lock_data d, curl_lock_access, void* user) {
      static_cast<Shared*>(user)->locks[d].lock();
    });
    curl_share_setopt(handle, CURLSHOPT_UNLOCKFUNC, +[](CURL*, curl_lock_data d, void* user) {
      static_cast<Shared*>(user)->locks[d].unlock();
    });
    curl_share_setopt(handle, CURLSHOPT_USERDATA, this);
    curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
};

CURLSH* shared_handle() {
  static Shared* shared = new Shared();  // never destroyed: clients may outlive static destructors
  return shared->handle;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t len = size * n;
  if (body->capacity() < body->size() + len + kBodyPadding) {
    body->reserve(std::max(body->capacity() * 2, body->size() + len + kBodyPadding));
  }
  body->append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response (after 100-continue): keep only the final headers
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    return s;
  };
  headers->emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::function<bool()>*>(user);
  return (*abort)() ? 1 : 0;
}

std::string hint_for(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST: return " (check the host name in the endpoint or the domain parameter)";
    case CURLE_COULDNT_CONNECT: return " (nothing is listening there, or a firewall refuses the connection)";
    case CURLE_OPERATION_TIMEDOUT: return " (the server did not answer within the request timeout)";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return " (the server's certificate is not trusted: pass its CA with --ca-file or tls.caFile)";
    default: return "";
  }
}

}  // namespace

struct Client::Impl {
  CURL* curl = nullptr;
  ClientOptions options;
  char error[CURL_ERROR_SIZE] = {};
  ~Impl() {
    if (curl) curl_easy_cleanup(curl);
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::create(const ClientOptions& options) {
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_ALL); });
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

void Client::disconnect() {
  // The handle itself goes too (a few kilobytes each): send() makes a new one when needed.
  if (impl_->curl) curl_easy_cleanup(impl_->curl);
  impl_->curl = nullptr;
}

Result<Response> Client::send(const Request& request, std::chrono::milliseconds timeout) {
  if (!impl_->curl) impl_->curl = curl_easy_init();
  if (!impl_->curl) return fail(redact_url(request.url), request.method + " failed: libcurl could not create a handle");
  CURL* c = impl_->curl;
  curl_easy_reset(c);
  if (CURLSH* share = shared_handle()) curl_easy_setopt(c, CURLOPT_SHARE, share);
  Response response;
  curl_slist* header_list = nullptr;
  for (const auto& [k, v] : request.headers) {
    std::string line = v.empty() ? k + ";" : k + ": " + v;  // "Name;" sends an empty header
    header_list = curl_slist_append(header_list, line.c_str());
  }
  // libcurl adds "Expect: 100-continue" to large POSTs; servers in the wild mishandle it.
  header_list = curl_slist_append(header_list, "Expect:");

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, impl_->error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(impl_->options.connect_timeout.count()));
  // Compressed responses are decoded here (http/gzip: whole-buffer, faster than libcurl's
  // streaming zlib), so only the codings that decoder knows are offered.
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, impl_->options.follow_redirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, impl_->options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!impl_->options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, impl_->options.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  if (impl_->options.abort) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &impl_->options.abort);
  }
  impl_->error[0] = 0;
  CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(header_list);
  if (impl_->options.observe) impl_->options.observe(code == CURLE_OK ? [&] {
    long st = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    return static_cast<int>(st);
  }() : 0);
  if (code != CURLE_OK) {
    if (code == CURLE_ABORTED_BY_CALLBACK) return fail(redact_url(request.url), request.method + " aborted: shutting down");
    std::string reason = impl_->error[0] ? impl_->error : curl_easy_strerror(code);
    return fail(redact_url(request.url), request.method + " failed: " + reason + hint_for(code));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  if (auto coding = find_header(response.headers, "Content-Encoding"); coding && !response.body.empty()) {
    auto decoded = decode_content(std::move(response.body), *coding, kMaxDecodedBytes);
    if (!decoded) {
      return fail(redact_url(request.url), request.method + ": the response body cannot be decoded (Content-Encoding: " +
                                               std::string(*coding) + "): " + decoded.error().message);
    }
    response.body = std::move(*decoded);
  }
  if (response.body.capacity() < response.body.size() + kBodyPadding) response.body.reserve(response.body.size() + kBodyPadding);
  return response;
}

}  // namespace intake::http
