// JSONPath evaluation over simdjson's DOM and over Value trees: one evaluator template, two
// small adapters.
#include "json/jsonpath.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "core/schema.h"
#include "core/time.h"
#include "json/jsonpath_ast.h"

namespace intake::json {

namespace {

namespace dom = simdjson::dom;
using path_ast::FilterExpr;
using path_ast::Literal;
using path_ast::Operand;
using path_ast::Segments;
using path_ast::Selector;

// Evaluation over two tree types. An adapter gives uniform access to a node; Comparable is the
// view of a node or literal that filter comparisons use (RFC 9535 §2.3.5.2).

template <class Node>
struct Comparable {
  enum class K : uint8_t { Nothing, Null, Bool, Int, Real, String, Array, Object };
  K k = K::Nothing;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  std::string owned;  // text of a datetime, timespan or guid (Value trees only)
  bool use_owned = false;
  Node node{};

  std::string_view str() const { return use_owned ? std::string_view(owned) : s; }
  bool numeric() const { return k == K::Int || k == K::Real; }
  double as_double() const { return k == K::Int ? static_cast<double>(i) : d; }
};

// A non-owning reference to a callable bool(Node): lets each_container() below be a plain,
// flattened function rather than part of the evaluator's templates.
template <class Node>
struct NodeCallback {
  void* context;
  bool (*call)(void*, Node);
  bool operator()(Node n) const { return call(context, n); }
};

// What the traversal needs to know of a node, read once per node.
enum class Shape : uint8_t { Scalar, Array, Object };

// simdjson's DOM accessors are `inline`, not forced; GCC leaves them out of line inside the
// evaluator templates, where their results then travel through memory. These small wrappers
// inline them and return in registers.
[[gnu::flatten]] dom::object object_of(dom::element e) { return e.get_object().value_unsafe(); }
[[gnu::flatten]] dom::array array_of(dom::element e) { return e.get_array().value_unsafe(); }

bool is_container(dom::element_type t) { return t == dom::element_type::OBJECT || t == dom::element_type::ARRAY; }

// Adapters give uniform access to a node. Functions taking an object or an array require the
// node to have that shape; iteration stops when the callback returns false.
struct DomAdapter {
  using Node = dom::element;

  static Shape shape(Node n) {
    switch (n.type()) {
      case dom::element_type::ARRAY: return Shape::Array;
      case dom::element_type::OBJECT: return Shape::Object;
      default: return Shape::Scalar;
    }
  }

  // First member with exactly this name (simdjson's at_key, without the type check).
  [[gnu::flatten]] static std::optional<Node> find(Node object, std::string_view key) {
    const dom::object o = object_of(object);
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (it.key_length() == key.size() && std::memcmp(it.key_c_str(), key.data(), key.size()) == 0) return it.value();
    }
    return std::nullopt;
  }

  template <class F>
  static bool each_value(Node object, F&& f) {
    const dom::object o = object_of(object);
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!f(it.value())) return false;
    }
    return true;
  }

  template <class F>
  static bool each_member(Node object, F&& f) {
    const dom::object o = object_of(object);
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!f(it.key(), it.value())) return false;
    }
    return true;
  }

  template <class F>
  static bool each_element(Node array, F&& f) {
    const dom::array a = array_of(array);
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!f(*it)) return false;
    }
    return true;
  }

  // Every container in document order, each before its descendants (scalars have no children
  // for a selector to select). Flattened so that GCC inlines simdjson's iterator steps; left to
  // the evaluator's templates the same walk ran 2.5 times slower.
  [[gnu::flatten]] static bool each_container(Node node, NodeCallback<Node> visit) {
    if (!visit(node)) return false;
    if (node.type() == dom::element_type::OBJECT) {
      const dom::object o = object_of(node);
      for (auto it = o.begin(); it != o.end(); ++it) {
        const dom::element c = it.value();
        if (is_container(c.type()) && !each_container(c, visit)) return false;
      }
      return true;
    }
    const dom::array a = array_of(node);
    for (dom::element c : a) {
      if (is_container(c.type()) && !each_container(c, visit)) return false;
    }
    return true;
  }

  static size_t size(Node array) {
    const dom::array a = array_of(array);
    const size_t saturated = a.size();
    if (saturated < 0xFFFFFF) return saturated;  // simdjson caps the stored count at 2^24-1
    size_t count = 0;
    for ([[maybe_unused]] dom::element c : a) ++count;
    return count;
  }

  static size_t member_count(Node object) { return object_of(object).size(); }

  static Comparable<Node> comparable(Node n) {
    using K = Comparable<Node>::K;
    Comparable<Node> c;
    c.node = n;
    switch (n.type()) {
      case dom::element_type::ARRAY: c.k = K::Array; break;
      case dom::element_type::OBJECT: c.k = K::Object; break;
      case dom::element_type::INT64: c.k = K::Int; c.i = n.get_int64().value_unsafe(); break;
      // Above INT64_MAX: a real, as to_value() makes it, so both evaluators agree.
      case dom::element_type::UINT64: c.k = K::Real; c.d = static_cast<double>(n.get_uint64().value_unsafe()); break;
      case dom::element_type::DOUBLE: c.k = K::Real; c.d = n.get_double().value_unsafe(); break;
      case dom::element_type::STRING: c.k = K::String; c.s = n.get_string().value_unsafe(); break;
      case dom::element_type::BOOL: c.k = K::Bool; c.b = n.get_bool().value_unsafe(); break;
      case dom::element_type::NULL_VALUE: c.k = K::Null; break;
    }
    return c;
  }
};

struct ValueAdapter {
  using Node = const Value*;

  static Shape shape(Node n) { return n->is_array() ? Shape::Array : n->is_object() ? Shape::Object : Shape::Scalar; }

  static std::optional<Node> find(Node object, std::string_view key) {
    if (const Value* v = object->get(key)) return v;
    return std::nullopt;
  }

  template <class F>
  static bool each_value(Node object, F&& f) {
    for (const auto& [k, c] : object->as_object()) {
      if (!f(&c)) return false;
    }
    return true;
  }

  template <class F>
  static bool each_member(Node object, F&& f) {
    for (const auto& [k, c] : object->as_object()) {
      if (!f(std::string_view(k), &c)) return false;
    }
    return true;
  }

  template <class F>
  static bool each_element(Node array, F&& f) {
    for (const Value& c : array->as_array()) {
      if (!f(&c)) return false;
    }
    return true;
  }

  static bool each_container(Node node, NodeCallback<Node> visit) {
    if (!visit(node)) return false;
    if (node->is_object()) {
      for (const auto& [k, c] : node->as_object()) {
        if ((c.is_object() || c.is_array()) && !each_container(&c, visit)) return false;
      }
    } else {
      for (const Value& c : node->as_array()) {
        if ((c.is_object() || c.is_array()) && !each_container(&c, visit)) return false;
      }
    }
    return true;
  }

  static size_t size(Node array) { return array->as_array().size(); }
  static size_t member_count(Node object) { return object->as_object().size(); }

  static Comparable<Node> comparable(Node n) {
    using K = Comparable<Node>::K;
    Comparable<Node> c;
    c.node = n;
    switch (n->kind()) {
      case Kind::Null: c.k = K::Null; break;
      case Kind::Bool: c.k = K::Bool; c.b = n->as_bool(); break;
      case Kind::Int: c.k = K::Int; c.i = n->as_int(); break;
      case Kind::Long: c.k = K::Int; c.i = n->as_long(); break;
      case Kind::Real: c.k = K::Real; c.d = n->as_real(); break;
      case Kind::String: c.k = K::String; c.s = n->as_string(); break;
      // Compared as the JSON writer renders them.
      case Kind::DateTime: c.k = K::String; c.owned = format_iso8601(n->as_datetime()); c.use_owned = true; break;
      case Kind::TimeSpan: c.k = K::String; c.owned = format_timespan(n->as_timespan()); c.use_owned = true; break;
      case Kind::Guid: c.k = K::String; c.owned = format_guid(n->as_guid()); c.use_owned = true; break;
      case Kind::Array: c.k = K::Array; break;
      case Kind::Object: c.k = K::Object; break;
    }
    return c;
  }
};

template <class A>
class Evaluator {
 public:
  using Node = typename A::Node;
  using Cmp = Comparable<Node>;

  explicit Evaluator(Node root) : root_(root) {}

  // Feeds every node selected by `segs` from `node` to sink(Node) -> bool; false stops the walk.
  // Returns false when stopped.
  template <class Sink>
  bool walk(Segments segs, Node node, Sink& sink) const {
    if (segs.empty()) return sink(node);
    const PathNode& seg = segs.front();
    const Segments rest = segs.subspan(1);
    auto next = [this, rest, &sink](Node child) { return walk(rest, child, sink); };
    const Shape shape = A::shape(node);
    if (shape == Shape::Scalar) return true;  // every selector selects children
    return seg.descendant ? descend(seg, node, next) : apply(seg, node, shape, next);
  }

 private:
  // Children of a container, in document order.
  template <class F>
  static bool each_child(Node node, Shape shape, F&& f) {
    return shape == Shape::Object ? A::each_value(node, f) : A::each_element(node, f);
  }

  // The node's own selections first, then its descendants', depth-first in document order.
  template <class F>
  bool descend(const PathNode& seg, Node node, F& next) const {
    auto visit = [&](Node container) { return apply(seg, container, A::shape(container), next); };
    using V = decltype(visit);
    const NodeCallback<Node> callback{&visit, [](void* v, Node n) { return (*static_cast<V*>(v))(n); }};
    return A::each_container(node, callback);
  }

  template <class F>
  bool apply(const PathNode& seg, Node node, Shape shape, F& next) const {
    for (const Selector& sel : seg.selectors) {
      if (!select(sel, node, shape, next)) return false;
    }
    return true;
  }

  template <class F>
  bool select(const Selector& sel, Node node, Shape shape, F& next) const {
    switch (sel.kind) {
      case Selector::Kind::Name: {
        if (shape != Shape::Object) return true;
        auto child = A::find(node, sel.name);
        return !child || next(*child);
      }
      case Selector::Kind::Wildcard: return each_child(node, shape, next);
      case Selector::Kind::Index: return shape == Shape::Array ? select_index(sel.index, node, next) : true;
      case Selector::Kind::Slice: return shape == Shape::Array ? select_slice(sel, node, next) : true;
      case Selector::Kind::Filter:
        return each_child(node, shape, [&](Node c) { return !test(*sel.filter, c) || next(c); });
    }
    return true;
  }

  template <class F>
  bool select_index(int64_t index, Node array, F& next) const {
    if (index < 0) {
      index += static_cast<int64_t>(A::size(array));
      if (index < 0) return true;
    }
    int64_t i = 0;
    std::optional<Node> hit;
    A::each_element(array, [&](Node c) {
      if (i++ != index) return true;
      hit = c;
      return false;
    });
    return !hit || next(*hit);
  }

  // RFC 9535 §2.3.4.2: bounds are normalised and clamped; a zero step selects nothing.
  template <class F>
  bool select_slice(const Selector& sel, Node array, F& next) const {
    const int64_t step = sel.step;
    if (step == 0) return true;
    const bool needs_size = step < 0 || !sel.start || !sel.end || *sel.start < 0 || *sel.end < 0;
    const int64_t n = needs_size ? static_cast<int64_t>(A::size(array)) : INT64_MAX;
    auto norm = [n](int64_t i) { return i >= 0 ? i : n + i; };
    if (step > 0) {
      const int64_t lower = std::clamp<int64_t>(sel.start ? norm(*sel.start) : 0, 0, n);
      const int64_t upper = std::clamp<int64_t>(sel.end ? norm(*sel.end) : n, 0, n);
      if (lower >= upper) return true;
      int64_t i = 0;
      bool more = true;
      A::each_element(array, [&](Node c) {
        const int64_t at = i++;
        if (at >= upper) return false;
        if (at >= lower && (at - lower) % step == 0 && !next(c)) return more = false;
        return true;
      });
      return more;
    }
    // Backwards: collect the elements once (a rare spelling, so the allocation is acceptable).
    std::vector<Node> items;
    items.reserve(static_cast<size_t>(n));
    A::each_element(array, [&](Node c) {
      items.push_back(c);
      return true;
    });
    const int64_t upper = std::clamp<int64_t>(sel.start ? norm(*sel.start) : n - 1, -1, n - 1);
    const int64_t lower = std::clamp<int64_t>(sel.end ? norm(*sel.end) : -n - 1, -1, n - 1);
    for (int64_t i = upper; lower < i; i += step) {
      if (!next(items[static_cast<size_t>(i)])) return false;
    }
    return true;
  }

  bool test(const FilterExpr& e, Node current) const {
    switch (e.op) {
      case FilterExpr::Op::Or:
        return std::any_of(e.operands.begin(), e.operands.end(), [&](const FilterExpr& x) { return test(x, current); });
      case FilterExpr::Op::And:
        return std::all_of(e.operands.begin(), e.operands.end(), [&](const FilterExpr& x) { return test(x, current); });
      case FilterExpr::Op::Not: return !test(e.operands.front(), current);
      case FilterExpr::Op::Exists: {
        bool found = false;
        auto sink = [&found](Node) { return found = true, false; };
        walk(e.lhs.segments, e.lhs.absolute ? root_ : current, sink);
        return found;
      }
      case FilterExpr::Op::Compare: return compare(e.cmp, value(e.lhs, current), value(e.rhs, current));
    }
    return false;
  }

  Cmp value(const Operand& o, Node current) const {
    if (o.is_query) {
      Cmp out;
      auto sink = [&out](Node n) {
        out = A::comparable(n);
        return false;
      };
      walk(o.segments, o.absolute ? root_ : current, sink);
      return out;
    }
    Cmp c;
    const Literal& l = o.literal;
    switch (l.kind) {
      case Literal::Kind::Null: c.k = Cmp::K::Null; break;
      case Literal::Kind::Bool: c.k = Cmp::K::Bool; c.b = l.b; break;
      case Literal::Kind::Int: c.k = Cmp::K::Int; c.i = l.i; break;
      case Literal::Kind::Real: c.k = Cmp::K::Real; c.d = l.d; break;
      case Literal::Kind::String: c.k = Cmp::K::String; c.s = l.s; break;
    }
    return c;
  }

  static bool compare(FilterExpr::Cmp op, const Cmp& a, const Cmp& b) {
    switch (op) {
      case FilterExpr::Cmp::Eq: return equal(a, b);
      case FilterExpr::Cmp::Ne: return !equal(a, b);
      case FilterExpr::Cmp::Lt: return less(a, b);
      case FilterExpr::Cmp::Le: return less(a, b) || equal(a, b);
      case FilterExpr::Cmp::Gt: return less(b, a);
      case FilterExpr::Cmp::Ge: return less(b, a) || equal(a, b);
    }
    return false;
  }

  static bool equal(const Cmp& a, const Cmp& b) {
    if (a.numeric() && b.numeric()) {
      if (a.k == Cmp::K::Int && b.k == Cmp::K::Int) return a.i == b.i;
      return a.as_double() == b.as_double();
    }
    if (a.k != b.k) return false;
    switch (a.k) {
      case Cmp::K::Nothing:
      case Cmp::K::Null: return true;
      case Cmp::K::Bool: return a.b == b.b;
      case Cmp::K::String: return a.str() == b.str();
      case Cmp::K::Array: return equal_arrays(a.node, b.node);
      case Cmp::K::Object: return equal_objects(a.node, b.node);
      default: return false;
    }
  }

  // Numbers compare by value, strings by code point (UTF-8 byte order); other kinds are unordered.
  static bool less(const Cmp& a, const Cmp& b) {
    if (a.numeric() && b.numeric()) {
      if (a.k == Cmp::K::Int && b.k == Cmp::K::Int) return a.i < b.i;
      return a.as_double() < b.as_double();
    }
    if (a.k == Cmp::K::String && b.k == Cmp::K::String) return a.str() < b.str();
    return false;
  }

  static bool equal_arrays(Node x, Node y) {
    if (A::size(x) != A::size(y)) return false;
    std::vector<Node> ys;
    A::each_element(y, [&](Node c) {
      ys.push_back(c);
      return true;
    });
    size_t i = 0;
    return A::each_element(x, [&](Node c) { return equal(A::comparable(c), A::comparable(ys[i++])); });
  }

  // Objects are equal when they have the same names with equal values, in any order.
  static bool equal_objects(Node x, Node y) {
    if (A::member_count(x) != A::member_count(y)) return false;
    return A::each_member(x, [&](std::string_view key, Node c) {
      auto other = A::find(y, key);
      return other && equal(A::comparable(c), A::comparable(*other));
    });
  }

  Node root_;
};

template <class A, class Sink>
void run(const std::shared_ptr<const std::vector<PathNode>>& nodes, typename A::Node root, Sink& sink) {
  const Segments segs = nodes ? Segments(*nodes) : Segments();
  Evaluator<A>(root).walk(segs, root, sink);
}

}  // namespace

Result<JsonPath> JsonPath::compile(std::string_view expression) {
  auto segs = path_ast::compile(expression);
  if (!segs) return std::unexpected(std::move(segs.error()));
  JsonPath p;
  p.source_ = std::string(expression);
  p.nodes_ = std::make_shared<const std::vector<PathNode>>(std::move(*segs));
  return p;
}

bool JsonPath::is_singular() const { return !nodes_ || path_ast::is_singular(*nodes_); }

void JsonPath::select(dom::element root, const std::function<void(dom::element)>& fn) const {
  auto sink = [&fn](dom::element e) {
    fn(e);
    return true;
  };
  run<DomAdapter>(nodes_, root, sink);
}

std::vector<dom::element> JsonPath::select(dom::element root) const {
  std::vector<dom::element> out;
  auto sink = [&out](dom::element e) {
    out.push_back(e);
    return true;
  };
  run<DomAdapter>(nodes_, root, sink);
  return out;
}

void JsonPath::select(const Value& root, const std::function<void(const Value&)>& fn) const {
  auto sink = [&fn](const Value* v) {
    fn(*v);
    return true;
  };
  run<ValueAdapter>(nodes_, &root, sink);
}

std::vector<const Value*> JsonPath::select(const Value& root) const {
  std::vector<const Value*> out;
  auto sink = [&out](const Value* v) {
    out.push_back(v);
    return true;
  };
  run<ValueAdapter>(nodes_, &root, sink);
  return out;
}

std::optional<dom::element> JsonPath::first(dom::element root) const {
  std::optional<dom::element> hit;
  auto sink = [&hit](dom::element e) {
    hit = e;
    return false;
  };
  run<DomAdapter>(nodes_, root, sink);
  return hit;
}

const Value* JsonPath::first(const Value& root) const {
  const Value* hit = nullptr;
  auto sink = [&hit](const Value* v) {
    hit = v;
    return false;
  };
  run<ValueAdapter>(nodes_, &root, sink);
  return hit;
}

void extract_events(const JsonPath& path, dom::element root, const std::function<void(dom::element)>& fn) {
  path.select(root, [&fn](dom::element e) {
    switch (e.type()) {
      case dom::element_type::ARRAY: {
        const dom::array a = e.get_array().value_unsafe();
        for (dom::element x : a) fn(x);
        break;
      }
      case dom::element_type::NULL_VALUE: break;
      default: fn(e);
    }
  });
}

void extract_events(const JsonPath& path, const Value& root, const std::function<void(const Value&)>& fn) {
  path.select(root, [&fn](const Value& v) {
    if (v.is_array()) {
      for (const Value& x : v.as_array()) fn(x);
    } else if (!v.is_null()) {
      fn(v);
    }
  });
}

}  // namespace intake::json