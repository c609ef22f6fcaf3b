// Every paging type and response format against an in-process server: what each request carries,
// when a window ends, the loop guards, and cursors that survive windows.
#include <gtest/gtest.h>

#include <zlib.h>

#include <mutex>

#include "auth/authenticator.h"
#include "ccp/load.h"
#include "ccp/parse.h"
#include "http/server.h"
#include "json/value_json.h"
#include "poll/formats.h"
#include "poll/poller.h"

using namespace intake;
using namespace intake::poll;

namespace {

DateTime at(const char* iso) { return parse_datetime(iso).value(); }

struct Server {
  std::mutex mu;
  std::vector<http::ServerRequest> requests;
  std::function<http::ServerResponse(const http::ServerRequest&, int)> respond;
  std::unique_ptr<http::HttpServer> server;
  Server() {
    server = http::HttpServer::start({}, [this](const http::ServerRequest& r) {
               int n;
               {
                 std::lock_guard lock(mu);
                 requests.push_back(r);
                 n = static_cast<int>(requests.size());
               }
               return respond(r, n);
             }).value();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

ccp::Definition make_def(const std::string& endpoint, const std::string& paging, const std::string& response,
                         const std::string& request_extra = "") {
  std::string text = R"({"name": "P", "kind": "RestApiPoller", "properties": {
      "auth": {"type": "APIKey", "ApiKey": "k", "ApiKeyName": "X-Key"},
      "request": {"apiEndpoint": ")" + endpoint + R"(", "queryWindowInMin": 10, "queryTimeFormat": "yyyy-MM-ddTHH:mm:ssZ",
                  "startTimeAttributeName": "since")" + request_extra + R"(},
      "paging": )" + paging + R"(, "response": )" + response + "}}";
  auto v = json::parse(text);
  EXPECT_TRUE(v) << v.error().str() << "\n" << text;
  ccp::Diagnostics diag("t.json");
  auto r = ccp::find_connector_resources(*v);
  auto def = ccp::parse_definition(*r.at(0).resource, "", diag);
  EXPECT_TRUE(def) << diag.first_error().str();
  return ccp::instantiate(*def, {}).value();
}

struct Collect : PageSink {
  std::vector<std::string> events;
  std::vector<Checkpoint> checkpoints;
  Status write(const Page& page) override {
    for (auto e : page.events) events.push_back(simdjson::minify(e));
    checkpoints.push_back(page.checkpoint);
    return {};
  }
};

Result<PollStats> run_windows(const ccp::Definition& def, Collect& sink, const char* now, Checkpoint from = {}) {
  auto client = http::Client::create({}).value();
  auto auth = auth::make_authenticator(def.auth, *client).value();
  PollOptions o;
  o.initial_start = at("2024-01-01T00:00:00Z");
  o.clock = [now] { return at(now); };
  o.sleep = [](std::chrono::milliseconds) { return true; };
  auto poller = Poller::create(def, *client, *auth, o).value();
  return poller->run(from, sink);
}

std::string events_json(int from, int to) {
  std::string s = "[";
  for (int i = from; i < to; ++i) s += (i > from ? "," : "") + std::string(R"({"n":)") + std::to_string(i) + "}";
  return s + "]";
}

}  // namespace

TEST(Paging, LinkHeaderFollowsRelNextUntilAbsent) {
  Server s;
  s.respond = [&](const http::ServerRequest& r, int) {
    int page = std::stoi(r.param("page").value_or("1"));
    auto resp = http::ServerResponse::json(200, events_json(page * 10, page * 10 + 2));
    if (page < 3) {
      resp.headers.emplace_back("Link", "<" + s.base() + "/items?page=" + std::to_string(page + 1) +
                                            ">; rel=\"next\", <" + s.base() + "/items?page=9>; rel=\"last\"");
    }
    return resp;
  };
  auto def = make_def(s.base() + "/items", R"({"pagingType": "LinkHeader", "pageSize": 2, "pageSizeParameterName": "per_page"})",
                      R"({"eventsJsonPaths": ["$"]})");
  Collect sink;
  auto stats = run_windows(def, sink, "2024-01-01T00:10:00Z");
  ASSERT_TRUE(stats) << stats.error().str();
  EXPECT_EQ(sink.events.size(), 6u);
  ASSERT_EQ(s.requests.size(), 3u);
  EXPECT_EQ(s.requests[0].param("per_page"), "2");
  EXPECT_EQ(s.requests[0].param("since"), "2024-01-01T00:00:00Z");
  EXPECT_EQ(s.requests[1].target, "/items?page=2") << "the link is followed as given";
  EXPECT_EQ(s.requests[1].header("X-Key").value_or(""), "k");
}

TEST(Paging, LinkFromBodyPathAndPrefixedPath) {
  Server s;
  s.respond = [&](const http::ServerRequest& r, int n) {
    (void)r;
    if (n == 1) {
      return http::ServerResponse::json(200, R"({"value": [{"a":1}], "@odata.nextLink": ")" + s.base() +
                                                 R"(/v1?skip=1", "next": "/v1?skip=2"})");
    }
    return http::ServerResponse::json(200, R"({"value": [{"a":2}]})");
  };
  auto def = make_def(s.base() + "/v1", R"({"pagingType": "LinkHeader", "linkHeaderTokenJsonPath": "$.['@odata.nextLink']"})",
                      R"({"eventsJsonPaths": ["$.value"]})");
  Collect sink;
  ASSERT_TRUE(run_windows(def, sink, "2024-01-01T00:10:00Z"));
  EXPECT_EQ(sink.events.size(), 2u) << "the second page has no @odata.nextLink";
  auto prefixed = make_def(s.base() + "/v1", R"({"pagingType": "LinkHeader", "linkHeaderTokenJsonPath": ")" + s.base() +
                                                R"($.next"})",
                           R"({"eventsJsonPaths": ["$.value"]})");
  s.requests.clear();
  Collect sink2;
  ASSERT_TRUE(run_windows(prefixed, sink2, "2024-01-01T00:10:00Z"));
  ASSERT_GE(s.requests.size(), 2u);
  EXPECT_EQ(s.requests[1].target, "/v1?skip=2") << "prefix + the relative path from the body";
}

TEST(Paging, NextPageTokenInQueryHeaderAndBody) {
  Server s;
  s.respond = [&](const http::ServerRequest& r, int n) {
    (void)r;
    std::string cursor = n < 3 ? "\"c" + std::to_string(n) + "\"" : "null";
    return http::ServerResponse::json(200, R"({"data": [{"i": )" + std::to_string(n) + R"(}], "pagination": {"nextCursor": )" +
                                               cursor + "}}");
  };
  auto def = make_def(s.base() + "/threats",
                      R"({"pagingType": "NextPageToken", "nextPageTokenJsonPath": "$.pagination.nextCursor",
                          "nextPageParaName": "cursor", "pageSize": 1, "pageSizeParameterName": "limit"})",
                      R"({"eventsJsonPaths": ["$.data"]})");
  Collect sink;
  ASSERT_TRUE(run_windows(def, sink, "2024-01-01T00:10:00Z"));
  ASSERT_EQ(s.requests.size(), 3u);
  EXPECT_FALSE(s.requests[0].param("cursor"));
  EXPECT_EQ(s.requests[1].param("cursor"), "c1");
  EXPECT_EQ(s.requests[2].param("cursor"), "c2");
  EXPECT_EQ(sink.checkpoints[0].paging_state, "c1") << "a crash after page 1 resumes with its token";

  s.requests.clear();
  auto header = make_def(s.base() + "/threats",
                         R"({"pagingType": "NextPageToken", "nextPageTokenJsonPath": "$.pagination.nextCursor",
                             "nextPageRequestHeader": "X-Cursor"})",
                         R"({"eventsJsonPaths": ["$.data"]})");
  Collect sink2;
  ASSERT_TRUE(run_windows(header, sink2, "2024-01-01T00:10:00Z"));
  EXPECT_EQ(s.requests[1].header("X-Cursor").value_or(""), "c1");

  s.requests.clear();
  auto body = make_def(s.base() + "/search",
                       R"({"pagingType": "NextPageToken", "nextPageTokenJsonPath": "$.pagination.nextCursor",
                           "nextPageParaName": "$.request_data.next_page_token"})",
                       R"({"eventsJsonPaths": ["$.data"]})",
                       R"(, "httpMethod": "POST", "isPostPayloadJson": true,
                           "queryParametersTemplate": "{\"request_data\": {\"filters\": []}}")");
  Collect sink3;
  ASSERT_TRUE(run_windows(body, sink3, "2024-01-01T00:10:00Z"));
  ASSERT_GE(s.requests.size(), 2u);
  EXPECT_EQ(s.requests[0].body, R"({"request_data": {"filters": []}})");
  EXPECT_EQ(s.requests[1].body, R"({"request_data":{"filters":[],"next_page_token":"c1"}})");
}

TEST(Paging, SameTokenTwiceIsAnErrorNotALoop) {
  Server s;
  s.respond = [](const http::ServerRequest&, int) {
    return http::ServerResponse::json(200, R"({"data": [{"x": 1}], "next": "again"})");
  };
  auto def = make_def(s.base() + "/x", R"({"pagingType": "NextPageToken", "nextPageTokenJsonPath": "$.next", "nextPageParaName": "t"})",
                      R"({"eventsJsonPaths": ["$.data"]})");
  Collect sink;
  auto stats = run_windows(def, sink, "2024-01-01T00:10:00Z");
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message.find("same next-page token twice ('again')"), std::string::npos) << stats.error().str();
  EXPECT_EQ(s.requests.size(), 2u);
  EXPECT_FALSE(sink.checkpoints.empty());
  EXPECT_TRUE(sink.checkpoints.back().open_window) << "the window is not checkpointed as complete";
}

TEST(Paging, HeaderTokenWithSplitTransformAndHasNextFlag) {
  Server s;
  s.respond = [](const http::ServerRequest&, int n) {
    auto r = http::ServerResponse::json(200, R"({"items": [{"n": 1}], "more": )" + std::string(n < 2 ? "true" : "false") + "}");
    r.headers.emplace_back("paging", "handle=h" + std::to_string(n));
    return r;
  };
  auto def = make_def(s.base() + "/audit",
                      R"({"pagingType": "NextPageToken", "nextPageTokenResponseHeader": "paging", "nextPageParaName": "handle",
                          "hasNextFlagJsonPath": "$.more",
                          "tokenTransform": {"TransformType": "SplitOnDelimiter", "SliceDelimiter": "=", "StringIndex": 1}})",
                      R"({"eventsJsonPaths": ["$.items"]})");
  Collect sink;
  ASSERT_TRUE(run_windows(def, sink, "2024-01-01T00:10:00Z"));
  ASSERT_EQ(s.requests.size(), 2u);
  EXPECT_EQ(s.requests[1].param("handle"), "h1");
}

TEST(Paging, PersistentTokenCarriesIntoTheNextWindow) {
  Server s;
  s.respond = [](const http::ServerRequest& r, int) {
    int pos = std::stoi(r.param("stream_position").value_or("0"));
    // Two events per window, then an empty page that still reports the position.
    if (pos % 2 == 1) return http::ServerResponse::json(200, R"({"entries": [], "next_stream_position": )" + std::to_string(pos) + "}");
    return http::ServerResponse::json(200, R"({"entries": [{"p": )" + std::to_string(pos) + R"(}], "next_stream_position": )" +
                                               std::to_string(pos + 1) + "}");
  };
  auto def = make_def(s.base() + "/events",
                      R"({"pagingType": "PersistentToken", "nextPageTokenJsonPath": "$.next_stream_position",
                          "nextPageParaName": "stream_position"})",
                      R"({"eventsJsonPaths": ["$.entries"]})");
  Collect sink;
  ASSERT_TRUE(run_windows(def, sink, "2024-01-01T00:20:00Z"));
  ASSERT_EQ(s.requests.size(), 3u);
  EXPECT_FALSE(s.requests[0].param("stream_position"));
  EXPECT_EQ(s.requests[1].param("stream_position"), "1");
  EXPECT_EQ(s.requests[2].param("stream_position"), "1") << "window 2 starts from the stored position";
  EXPECT_EQ(sink.checkpoints.back().cursor, "1");
  EXPECT_EQ(sink.events.size(), 1u);
}

TEST(Paging, NextPageUrlWithRelativeToken) {
  Server s;
  s.respond = [&](const http::ServerRequest& r, int n) {
    (void)r;
    if (n == 1) return http::ServerResponse::json(200, R"({"records": [{"a": 1}], "nextRecordsUrl": "/services/data/query/01gD-2000"})");
    return http::ServerResponse::json(200, R"({"records": [{"a": 2}]})");
  };
  auto def = make_def(s.base() + "/services/data/query",
                      R"({"pagingType": "NextPageUrl", "nextPageTokenJsonPath": "$.nextRecordsUrl", "nextPageUrl": ")" + s.base() +
                          R"(", "isNextPageTokenRelativeUrl": true})",
                      R"({"eventsJsonPaths": ["$.records"]})");
  Collect sink;
  ASSERT_TRUE(run_windows(def, sink, "2024-01-01T00:10:00Z"));
  ASSERT_EQ(s.requests.size(), 2u);
  EXPECT_EQ(s.requests[1].target, "/services/data/query/01gD-2000");
  EXPECT_EQ(sink.events.size(), 2u);
}

TEST(Paging, CountBasedStopsAtPageCount) {
  Server s;
  s.respond = [](const http::ServerRequest& r, int) {
    int page = std::stoi(r.param("page").value_or("-1"));
    return http::ServerResponse::json(200, R"({"items": [{"p": )" + std::to_string(page) + R"(}, {"p": 0}], "pageCount": 3, "page": )" +
                                               std::to_string(page) + "}");
  };
  auto def = make_def(s.base() + "/list",
                      R"({"pagingType": "CountBasedPaging", "pageNumberParaName": "page", "pageSize": 2, "pageSizeParameterName": "size",
                          "zeroBasedIndexing": true, "pageCountJsonPath": "$.pageCount", "pageNumberJsonPath": "$.page"})",
                      R"({"eventsJsonPaths": ["$.items"]})");
  Collect sink;
  ASSERT_TRUE(run_windows(def, sink, "2024-01-01T00:10:00Z"));
  ASSERT_EQ(s.requests.size(), 3u);
  EXPECT_EQ(s.requests[0].param("page"), "0");
  EXPECT_EQ(s.requests[2].param("page"), "2");
}

TEST(Paging, OffsetEndIntoAJsonBody) {
  Server s;
  s.respond = [](const http::ServerRequest&, int n) {
    return http::ServerResponse::json(200, n == 1 ? R"({"reply": {"alerts": [{"a":1},{"a":2}]}})" : R"({"reply": {"alerts": []}})");
  };
  auto def = make_def(s.base() + "/xdr",
                      R"({"pagingType": "Offset", "offsetParaName": "$.request_data.search_from",
                          "offsetEndParaName": "$.request_data.search_to", "pageSize": 2})",
                      R"({"eventsJsonPaths": ["$.reply.alerts"]})",
                      R"(, "httpMethod": "POST", "isPostPayloadJson": true, "queryParametersTemplate": "{\"request_data\": {}}")");
  Collect sink;
  ASSERT_TRUE(run_windows(def, sink, "2024-01-01T00:10:00Z"));
  ASSERT_EQ(s.requests.size(), 2u);
  EXPECT_EQ(s.requests[0].body, R"({"request_data":{"search_from":0,"search_to":2}})");
  EXPECT_EQ(s.requests[1].body, R"({"request_data":{"search_from":2,"search_to":4}})");
}

TEST(Formats, CsvWithQuotesNewlinesAndDottedHeaders) {
  auto j = csv_to_json("host_info.os,name,note\r\nwin,\"a, b\",\"line1\nline2\"\nmac,\"say \"\"hi\"\"\",\n", {}).value();
  EXPECT_EQ(j, R"([{"host_info.os":"win","name":"a, b","note":"line1\nline2"},{"host_info.os":"mac","name":"say \"hi\"","note":""}])");
  EXPECT_EQ(csv_to_json("1;2\n3;4", {';', '"', false}).value(), R"([{"Column1":"1","Column2":"2"},{"Column1":"3","Column2":"4"}])");
  auto bad = csv_to_json("a\n\"open", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().str(), "csv line 2: a quoted field is never closed");
}

TEST(Formats, CsvEdgeCases) {
  // Blank lines are no records; CRLF line ends; a \r inside quotes is kept; text after a closing
  // quote and quotes inside unquoted text are literal.
  EXPECT_EQ(csv_to_json("a,b\r\n\r\n\"x\r\ny\",\"p\"q\r\nr\"s,t\n\n", {}).value(),
            "[{\"a\":\"x\\r\\ny\",\"b\":\"pq\"},{\"a\":\"r\\\"s\",\"b\":\"t\"}]");
  // More fields than header names, and an empty header name, get ColumnN; a trailing delimiter
  // at the end of the body is one more empty field.
  EXPECT_EQ(csv_to_json("a,,c\n1,2,3,4\n5,", {}).value(),
            R"([{"a":"1","Column2":"2","c":"3","Column4":"4"},{"a":"5","Column2":""}])");
  EXPECT_EQ(csv_to_json("", {}).value(), "[]");
  EXPECT_EQ(csv_to_json("only,a,header\n", {}).value(), "[]");
  // The line of an unclosed quote counts the newlines inside earlier quoted fields.
  auto bad = csv_to_json("h\n\"a\nb\"\n\"c\n", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().str(), "csv line 4: a quoted field is never closed");
}

TEST(Formats, ClientDecodesContentEncodingItself) {
  std::string json = R"({"items": [1, 2, 3]})";
  std::string accept;
  auto server = http::HttpServer::start({}, [&](const http::ServerRequest& r) {
    accept = std::string(http::find_header(r.headers, "Accept-Encoding").value_or(""));
    auto resp = http::ServerResponse::text(200, r.path == "/bad" ? std::string("\x1f\x8b not really gzip") : http::gzip(json).value());
    resp.headers.emplace_back("Content-Encoding", "gzip");
    return resp;
  }).value();
  auto client = http::Client::create({}).value();
  std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  auto ok = client->send({"GET", base + "/good", {}, ""}, std::chrono::seconds(5));
  ASSERT_TRUE(ok) << ok.error().str();
  EXPECT_EQ(ok->body, json);
  EXPECT_EQ(accept, "gzip, deflate") << "only the codings the client decodes are offered";
  auto bad = client->send({"GET", base + "/bad", {}, ""}, std::chrono::seconds(5));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().str().find("the response body cannot be decoded (Content-Encoding: gzip)"), std::string::npos) << bad.error().str();
}

TEST(Formats, XmlMapsLikeNewtonsoft) {
  auto j = xml_to_json(R"(<?xml version="1.0"?><!DOCTYPE x><OUT><HOST id="1"><OS><![CDATA[Windows & co]]></OS><IP>10.0.0.1</IP></HOST>)"
                       R"(<HOST id="2"><OS><![CDATA[Linux]]></OS><EMPTY/></HOST><NOTE>a &amp; b</NOTE></OUT>)")
               .value();
  EXPECT_EQ(j, R"({"OUT":{"HOST":[{"@id":"1","OS":{"#cdata-section":"Windows & co"},"IP":"10.0.0.1"},)"
               R"({"@id":"2","OS":{"#cdata-section":"Linux"},"EMPTY":null}],"NOTE":"a & b"}})");
  EXPECT_FALSE(xml_to_json("<a><b></a>"));
  EXPECT_FALSE(xml_to_json(R"(<a>&xxe;</a>)")) << "entities are never resolved";
}

TEST(Formats, NdjsonAndGzip) {
  EXPECT_EQ(ndjson_to_json("{\"a\":1}\n\n{\"a\":2}\r\n").value(), R"([{"a":1},{"a":2}])");
  auto bad = ndjson_to_json("{\"a\":1}\n{oops}\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().str().find("ndjson line 2"), std::string::npos);
  std::string plain(100000, 'x');
  uLongf len = compressBound(plain.size());
  std::string packed(len, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &len, reinterpret_cast<const Bytef*>(plain.data()), plain.size(), 9), Z_OK);
  packed.resize(len);
  EXPECT_EQ(inflate(packed, 1 << 20).value(), plain);
  EXPECT_FALSE(inflate(packed, 1000)) << "a bomb beyond the bound is refused";
  EXPECT_FALSE(inflate("not compressed at all", 1 << 20));
}

TEST(Formats, GzipMembersBoundsAndContentCodings) {
  std::string a(5000, 'a'), b = "then b";
  std::string two = http::gzip(a).value() + http::gzip(b).value();
  EXPECT_EQ(inflate(two, 1 << 20).value(), a + b) << "concatenated members (the last one's trailer understates the total)";
  auto one = inflate(http::gzip(a).value(), 1 << 20).value();
  EXPECT_GE(one.capacity(), one.size() + http::kInflateSpareBytes) << "room for the parser's padding, so no copy";
  std::string zeros(10 << 20, '\0');
  auto bomb = inflate(http::gzip(zeros).value(), 1 << 20);
  ASSERT_FALSE(bomb);
  EXPECT_EQ(bomb.error().str(), "gzip: the body inflates to more than 1 MiB; refusing it");
  EXPECT_EQ(inflate(http::gzip(zeros).value(), 10 << 20).value().size(), zeros.size()) << "exactly at the bound";
  std::string packed = http::gzip(a).value();
  auto cut = inflate(std::string_view(packed).substr(0, packed.size() - 6), 1 << 20);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().str(), "gzip: the compressed body is corrupt or truncated");
  EXPECT_FALSE(inflate(packed + "trailing garbage", 1 << 20)) << "bytes after the last member are not another member";

  // Content-Encoding: undone from the last coding; deflate is zlib-wrapped or (from some servers) raw.
  EXPECT_EQ(http::decode_content(http::gzip(http::gzip(b).value()).value(), "gzip, x-gzip", 1 << 20).value(), b);
  EXPECT_EQ(http::decode_content(b, "identity", 1 << 20).value(), b);
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string raw(deflateBound(&zs, a.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(a.data());
  zs.avail_in = static_cast<uInt>(a.size());
  zs.next_out = reinterpret_cast<Bytef*>(raw.data());
  zs.avail_out = static_cast<uInt>(raw.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  raw.resize(zs.total_out);
  deflateEnd(&zs);
  EXPECT_EQ(http::decode_content(raw, "deflate", 1 << 20).value(), a);
  EXPECT_FALSE(inflate(raw, 1 << 20)) << "a raw stream is only accepted as Content-Encoding: deflate";
  auto br = http::decode_content(b, "br", 1 << 20);
  ASSERT_FALSE(br);
  EXPECT_EQ(br.error().str(), "Content-Encoding: 'br' is not a supported coding (gzip, deflate)");
}

TEST(Formats, PollerDecodesCsvXmlAndConvertsChildProperties) {
  Server s;
  s.respond = [](const http::ServerRequest& r, int) {
    if (r.path == "/csv") return http::ServerResponse::text(200, "id,name\n1,a\n2,b\n");
    if (r.path == "/xml") return http::ServerResponse::text(200, "<R><H><N>1</N></H><H><N>2</N></H></R>");
    return http::ServerResponse::json(200, R"({"byId": {"x": {"v": 1}, "y": {"v": 2}}})");
  };
  Collect a, b, c;
  ASSERT_TRUE(run_windows(make_def(s.base() + "/csv", R"({"pagingType": "None"})", R"({"eventsJsonPaths": ["$"], "format": "csv"})"), a,
                          "2024-01-01T00:10:00Z"));
  EXPECT_EQ(a.events, (std::vector<std::string>{R"({"id":"1","name":"a"})", R"({"id":"2","name":"b"})"}));
  ASSERT_TRUE(run_windows(make_def(s.base() + "/xml", R"({"pagingType": "None"})", R"({"eventsJsonPaths": ["$.R.H"], "format": "xml"})"), b,
                          "2024-01-01T00:10:00Z"));
  EXPECT_EQ(b.events, (std::vector<std::string>{R"({"N":"1"})", R"({"N":"2"})"}));
  ASSERT_TRUE(run_windows(make_def(s.base() + "/bag", R"({"pagingType": "None"})",
                                   R"({"eventsJsonPaths": ["$.byId"], "convertChildPropertiesToArray": true})"),
                          c, "2024-01-01T00:10:00Z"));
  EXPECT_EQ(c.events, (std::vector<std::string>{R"({"v":1})", R"({"v":2})"}));
}
