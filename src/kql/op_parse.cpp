// The parse operator (simple patterns): literals are found in order; a column takes the text up
// to the next literal (the last one takes the rest); `*` skips text. A failed match or a typed
// column whose text does not convert leaves every pattern column null.
#include "kql/plan.h"

namespace intake::kql {

namespace {

class ParseOp final : public PlanOp {
 public:
  ParseSpec spec;
  int input_width = 0;
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    std::vector<bool> live = out;
    for (const auto& p : spec.parts)
      if (!p.literal && !p.star && static_cast<size_t>(p.target) < live.size()) live[static_cast<size_t>(p.target)] = false;
    for (size_t i = 0; i < in.size() && i < live.size(); ++i) in[i] = live[i];
    spec.source->mark_columns(in);
  }

  bool match(std::string_view s, std::vector<Value>& vals) const {
    size_t pos = 0;
    const auto& parts = spec.parts;
    for (size_t i = 0; i < parts.size(); ++i) {
      const auto& p = parts[i];
      if (p.literal) {
        if (s.substr(pos, p.text.size()) != p.text) return false;
        pos += p.text.size();
        continue;
      }
      // Column or star: up to the next literal, or to the end.
      size_t end = s.size();
      size_t next_lit = i + 1;
      while (next_lit < parts.size() && !parts[next_lit].literal) ++next_lit;
      if (next_lit < parts.size()) {
        size_t f = s.find(parts[next_lit].text, pos);
        if (f == std::string_view::npos) return false;
        end = f;
      }
      if (!p.star) {
        std::string_view text = s.substr(pos, end - pos);
        Value v = p.type == ColumnType::String ? Value(text) : convert_to(Value(text), p.type);
        if (v.is_null() && p.type != ColumnType::String) return false;
        vals.push_back(std::move(v));
      } else {
        vals.emplace_back();
      }
      pos = end;
      // Consecutive columns without a literal between them: the earlier ones stay empty.
    }
    return true;
  }

  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const ParseOp* op;
      RowSink* next;
      ExecContext* ctx;
      std::vector<Value> vals;
      bool push(Row&& r) override {
        r.resize(op->output.columns.size());
        Value scratch;
        const Value& src = op->spec.source->ref(r, ctx->eval, scratch);
        std::string text;
        if (src.is_string()) text = src.as_string();
        else if (!src.is_null()) {
          Value t = convert_to(src, ColumnType::String);
          if (t.is_string()) text = t.as_string();
        }
        vals.clear();
        bool ok = !src.is_null() && op->match(text, vals);
        size_t k = 0;
        for (const auto& p : op->spec.parts) {
          if (p.literal) continue;
          Value v = ok ? std::move(vals[k]) : Value();
          ++k;
          if (p.star) continue;
          r[static_cast<size_t>(p.target)] = std::move(v);
        }
        return next->push(std::move(r));
      }
      void finish() override {}
    };
    auto s = std::make_unique<S>();
    s->op = this;
    s->next = &next;
    s->ctx = &ctx;
    return s;
  }
};

}  // namespace

PlanOpPtr make_parse(ParseSpec spec, int input_width, Schema out) {
  auto op = std::make_shared<ParseOp>();
  op->spec = std::move(spec);
  op->input_width = input_width;
  op->output = std::move(out);
  return op;
}

}  // namespace intake::kql
