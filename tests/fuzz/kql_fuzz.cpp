// libFuzzer target for the KQL front end: lexer, parser and binder, as queries against a small
// catalog (tables, a stored function) and as DCR transformations against a stream schema. Only
// compilation runs (constant folding included); every input must yield a plan or an error,
// never a crash, a sanitizer report or a hang. Built by tests/fuzz/run.sh (clang, INTAKE_FUZZ).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kql/kql.h"

namespace {

using namespace intake;

const kql::MemoryCatalog& catalog() {
  static const kql::MemoryCatalog* cat = [] {
    auto* c = new kql::MemoryCatalog;
    kql::Table t;
    t.schema = Schema{{{"TimeGenerated", ColumnType::DateTime},
                       {"Computer", ColumnType::String},
                       {"Level", ColumnType::Int},
                       {"Count", ColumnType::Long},
                       {"Ratio", ColumnType::Real},
                       {"Ok", ColumnType::Bool},
                       {"Took", ColumnType::TimeSpan},
                       {"Id", ColumnType::Guid},
                       {"Props", ColumnType::Dynamic}}};
    c->add_table("T", t);
    c->add_table("Events_CL", std::move(t));
    kql::Table u;
    u.schema = Schema{{{"Computer", ColumnType::String}, {"Owner", ColumnType::String}}};
    c->add_table("U", std::move(u));
    c->add_function("Parser", "T | where Level > 1 | extend User = tostring(Props.user)");
    return c;
  }();
  return *cat;
}

const Schema& stream_schema() {
  static const Schema s{{{"TimeGenerated", ColumnType::DateTime},
                         {"created", ColumnType::String},
                         {"id", ColumnType::Long},
                         {"objectItem", ColumnType::Dynamic},
                         {"severity", ColumnType::String}}};
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // longer inputs only slow the search down
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto q = kql::Query::compile(text, catalog());
  if (q) (void)q->output_schema().columns.size();
  auto t = kql::Transform::compile(text, stream_schema());
  if (t) (void)t->is_identity();
  return 0;
}
