// The whoami reader (whoami_reader.cpp, behind parse_session and is_aal2_required_error) against
// its oracle, the nlohmann/json reading it replaced (session_oracle.cpp): every whoami and error
// body of tests/conformance and tests/fixtures, and systematic mutations of each, must read the
// same through both, every Session field compared. Then a few rules by name.
#include "aalgate/whoami_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "aalgate/decide.hpp"
#include "aalgate/explain.hpp"
#include "aalgate/session.hpp"
#include "aalgate/session_oracle.hpp"

// Counts allocations, for ReadingAWarmBodyAllocatesNothing: the test binary's replacement
// of the (non-aligned) global operator new and delete, malloc and free underneath.
namespace {
std::atomic<long> allocations{0};
void* counted_malloc(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace

void* operator new(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  return counted_malloc(size);
}
void* operator new[](std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  return counted_malloc(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t /*size*/) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t& /*tag*/) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t& /*tag*/) noexcept { std::free(p); }

namespace {

using Json = nlohmann::json;
using aalgate::Session;
using namespace std::string_view_literals;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// `text` with bytes outside printable ASCII as \xNN, cut to a readable length.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 400)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && byte != '\\') {
      out.push_back(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", byte);
      out += hex;
    }
  }
  if (text.size() > 400) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string show(const std::optional<aalgate::Timestamp>& t) {
  return t ? std::to_string(t->seconds) + "." + std::to_string(t->nanos) : "none";
}

std::string show(const std::optional<Session>& s) {
  if (!s) return "invalid";
  return "{active " + std::to_string(s->active) + ", expires_at " + show(s->expires_at) +
         ", authenticated_at " + show(s->authenticated_at) + ", aal " +
         std::string(aalgate::to_string(s->aal)) + ", aal2_completed_at " +
         show(s->aal2_completed_at) + ", aal2_from_upstream_only " +
         std::to_string(s->aal2_from_upstream_only) + "}";
}

bool same(const std::optional<aalgate::Timestamp>& a, const std::optional<aalgate::Timestamp>& b) {
  return a.has_value() == b.has_value() &&
         (!a || (a->seconds == b->seconds && a->nanos == b->nanos));
}

bool same(const std::optional<Session>& a, const std::optional<Session>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->active == b->active && same(a->expires_at, b->expires_at) &&
                same(a->authenticated_at, b->authenticated_at) && a->aal == b->aal &&
                same(a->aal2_completed_at, b->aal2_completed_at) &&
                a->aal2_from_upstream_only == b->aal2_from_upstream_only);
}

// Both readers over texts; each difference is a test failure (the first 20 shown).
class Differential {
 public:
  void check(std::string_view text) {
    ++cases_;
    const aalgate::WhoamiOracle oracle = aalgate::read_whoami_oracle(text);
    const std::optional<Session> got = aalgate::parse_session(text);
    const std::optional<Session>& want = oracle.session;
    if (!same(got, want)) {
      fail("parse_session: reader " + show(got) + ", oracle " + show(want), text);
    } else if (got) {
      ++valid_sessions_;
    } else {
      // An explanation (explain.hpp) names what is wrong with every text the reader refuses.
      const aalgate::WhoamiOutcome body{true, 200, text};
      const aalgate::SessionProblem problem = aalgate::diagnose_session(body);
      if (problem.problem == "no problem found" || problem.field.empty()) {
        fail("diagnose_session found no problem in a refused text", text);
      }
    }
    const bool got_required = aalgate::is_aal2_required_error(text);
    const bool want_required = oracle.aal2_required;
    if (got_required != want_required) {
      fail("is_aal2_required_error: reader " + std::to_string(got_required) + ", oracle " +
               std::to_string(want_required),
           text);
    } else if (got_required) {
      ++aal2_required_;
    }
    // json_fields::parse(text, true), which recover reads Kratos error bodies with, relies on it.
    const bool readable = aalgate::is_readable_json(text);
    if (readable != oracle.readable) {
      fail("is_readable_json: reader " + std::to_string(readable) + ", oracle " +
               std::to_string(oracle.readable),
           text);
    } else if (readable) {
      ++readable_;
    }
  }
  [[nodiscard]] std::size_t readable() const { return readable_; }
  [[nodiscard]] std::size_t cases() const { return cases_; }
  [[nodiscard]] std::size_t valid_sessions() const { return valid_sessions_; }
  [[nodiscard]] std::size_t aal2_required() const { return aal2_required_; }

 private:
  void fail(const std::string& what, std::string_view text) {
    if (++failures_ <= 20) ADD_FAILURE() << what << "\n  on: " << printable(text);
  }
  std::size_t cases_ = 0;
  std::size_t failures_ = 0;
  std::size_t valid_sessions_ = 0;
  std::size_t aal2_required_ = 0;
  std::size_t readable_ = 0;
};

// Every whoami and error body the conformance vectors give (tests/conformance/README.md: text,
// session, object, body, a Session-like failure object), and every fixture file.
std::vector<std::string> seed_bodies() {
  std::set<std::string> bodies;
  const auto add_form = [&](const Json& form) {
    if (!form.is_object()) return;
    for (const char* key : {"text", "session", "object", "body"}) {
      if (!form.contains(key) || form[key].is_null()) continue;
      bodies.insert(form[key].is_string() ? form[key].get<std::string>() : form[key].dump());
    }
    if (form.contains("failure") && form["failure"] != "unreachable" &&
        form["failure"] != "timeout") {
      bodies.insert(form.dump());
    }
  };
  for (const auto& entry : std::filesystem::directory_iterator(AALGATE_CONFORMANCE_DIR)) {
    if (entry.path().extension() != ".json") continue;
    const Json doc = Json::parse(read_file(entry.path()), nullptr, false);
    if (!doc.is_object() || !doc.contains("cases")) continue;
    for (const Json& c : doc["cases"]) {
      if (c.contains("whoami")) add_form(c["whoami"]);
      if (c.contains("error")) add_form(c["error"]);
    }
  }
  const std::filesystem::path fixtures = std::filesystem::path(AALGATE_FIXTURES_DIR).parent_path();
  for (const auto& entry : std::filesystem::recursive_directory_iterator(fixtures)) {
    const std::string extension = entry.path().extension().string();
    if (entry.is_regular_file() && (extension == ".json" || extension == ".json5")) {
      bodies.insert(read_file(entry.path()));
    }
  }
  return {bodies.begin(), bodies.end()};
}

// Bytes a mutation puts in: JSON's structural bytes, number and literal starts, whitespace,
// escapes, control characters, and a byte of every UTF-8 class.
constexpr std::string_view kInterestingBytes =
    "\"\\{}[],: \t\r\n0-+.eEntfu/\x00\x01\x1F\x7F\x80\xBF\xC0\xC1\xC2\xDF\xE0\xED\xEF\xF0\xF4\xF5"
    "\xFF"sv;

// Truncation, deletion of one byte, replacement and insertion of an interesting byte, at every
// offset of `body`, or at `budget` offsets spread over it.
void mutate_bytes(const std::string& body, std::size_t budget, Differential& diff) {
  const std::size_t n = body.size();
  const std::size_t stride = n <= budget ? 1 : (n + budget - 1) / budget;
  const std::string_view whole(body);
  std::string text;
  for (std::size_t start = 0, k = 0; start < n; start += stride, ++k) {
    const std::size_t at = std::min(n - 1, start + (k * 7) % stride);
    diff.check(whole.substr(0, at));
    text = body;
    text.erase(at, 1);
    diff.check(text);
    for (const std::size_t pick : {k, k * 5 + 11}) {
      text = body;
      text[at] = kInterestingBytes[pick % kInterestingBytes.size()];
      diff.check(text);
    }
    text = body;
    text.insert(at, 1, kInterestingBytes[(k * 3 + 7) % kInterestingBytes.size()]);
    diff.check(text);
  }
}

// A rewrite of one object member of a parsed body, chosen by its index in document order.
struct Edit {
  enum class Kind { none, repeat, repeat_null, escape_key, escape_value, replace } kind;
  std::size_t member = 0;
  std::string_view replacement;
};

// `"text"` with every ASCII byte as a \u00XX escape (other bytes as they are).
std::string escaped_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04X", byte);
      out += escape;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

// `value` as JSON text with `edit` applied; `member` counts the members written so far.
void write(const Json& value, const Edit& edit, std::size_t& member, std::string& out) {
  if (value.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ',';
      write(value[i], edit, member, out);
    }
    out += ']';
    return;
  }
  if (!value.is_object()) {
    out += value.dump();
    return;
  }
  out += '{';
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!first) out += ',';
    first = false;
    const bool edited = member++ == edit.member;
    const Json key(it.key());
    out += edited && edit.kind == Edit::Kind::escape_key ? escaped_string(it.key()) : key.dump();
    out += ':';
    if (edited && edit.kind == Edit::Kind::replace) {
      out += edit.replacement;
    } else if (edited && edit.kind == Edit::Kind::escape_value && it->is_string()) {
      out += escaped_string(it->get<std::string>());
    } else {
      write(*it, edit, member, out);
    }
    if (edited && edit.kind == Edit::Kind::repeat) out += "," + key.dump() + ":" + it->dump();
    if (edited && edit.kind == Edit::Kind::repeat_null) out += "," + key.dump() + ":null";
  }
  out += '}';
}

// The deepest nesting of `text`'s brackets outside strings (a text that is not JSON included).
std::size_t nesting(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      in_string = c != '"';
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::size_t count_members(const Json& value) {
  std::size_t count = value.is_object() ? value.size() : 0;
  if (value.is_structured()) {
    for (const Json& child : value) count += count_members(child);
  }
  return count;
}

// What a member's value may become: every type, the strings the readers look for, timestamps,
// numbers at the edges, method lists, a repeated key one level down.
constexpr std::string_view kReplacements[] = {
    "null",
    "true",
    "false",
    "0",
    "-1.5e3",
    "1e400",
    "\"\"",
    "\"aal1\"",
    "\"aal2\"",
    "\"aal3\"",
    "\"oidc\"",
    "\"session_aal2_required\"",
    "\"2026-08-01T10:00:00Z\"",
    "\"0001-01-01T00:00:00Z\"",
    "\"2026-02-30T10:00:00Z\"",
    "[]",
    "{}",
    "[null]",
    "[{}]",
    "[{\"method\":\"oidc\",\"aal\":\"aal2\",\"completed_at\":\"2026-08-01T10:00:00Z\"}]",
    "{\"id\":\"session_aal2_required\"}",
    "{\"k\":1,\"k\":2}",
    "[[{\"k\":1,\"k\":2}]]",
};

// Rewrites of the members of a body nlohmann parses: each member repeated (same value, then
// null), its key and string value escaped, its value replaced by a few of kReplacements; at
// most `budget` members, spread over the body. Also the body reformatted. Not for the deeply
// nested bodies (the rewrite recurses; they are read through mutate_bytes).
void mutate_members(const std::string& body, std::size_t budget, Differential& diff) {
  if (nesting(body) > 64) return;
  const Json parsed = Json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return;
  diff.check(parsed.dump());
  diff.check("\xEF\xBB\xBF" + parsed.dump(2));
  diff.check(" \t\r\n" + parsed.dump(1, '\t') + "\r\n ");
  const std::size_t members = count_members(parsed);
  const std::size_t stride = members <= budget ? 1 : (members + budget - 1) / budget;
  std::string text;
  for (std::size_t m = 0; m < members; m += stride) {
    const auto check = [&](Edit edit) {
      edit.member = m;
      std::size_t counter = 0;
      text.clear();
      write(parsed, edit, counter, text);
      diff.check(text);
    };
    check({Edit::Kind::repeat});
    check({Edit::Kind::repeat_null});
    check({Edit::Kind::escape_key});
    check({Edit::Kind::escape_value});
    for (std::size_t j = 0; j < 3; ++j) {
      check({Edit::Kind::replace, 0, kReplacements[(m * 3 + j) % std::size(kReplacements)]});
    }
  }
}

// A valid aal2 session with a slot `@` in each context the readers treat apart: the first key,
// a key at depth 1, 2 (both checked for repeats) and 3 (not), a string value read (`method`),
// a string value skipped, and a value skipped at depth 1 and inside an array.
constexpr std::string_view kSessionTemplate =
    R"({"@a":1,"active":true,"expires_at":"2030-01-01T00:00:00Z",)"
    R"("authenticated_at":"2026-08-01T10:00:00Z","identity":{"@b":1,"traits":{"@c":1,)"
    R"("x":{"@d":1}},"email":"a@e.test"},"authentication_methods":[{"method":"pass@word",)"
    R"("aal":"aal1","completed_at":"2026-08-01T10:00:00Z"},{"method":"totp","aal":"aal2",)"
    R"("completed_at":"2026-08-01T10:05:00Z","x":"@f"}],"skipped":@,"list":[1,@]})";
constexpr std::string_view kErrorTemplate =
    R"({"error":{"@a":1,"id":"session_aal2_required","reason":"@b","x":@},"y":[@]})";

// The template with every `@` replaced by `fragment`, then with each `@` alone replaced (the
// others by `1`, or nothing inside strings and keys).
void fill_template(std::string_view templ, std::string_view fragment, Differential& diff) {
  std::vector<std::size_t> slots;
  for (std::size_t i = templ.find('@'); i != std::string_view::npos; i = templ.find('@', i + 1)) {
    slots.push_back(i);
  }
  const auto fill = [&](std::size_t only) {
    std::string text;
    std::size_t from = 0;
    for (std::size_t s = 0; s < slots.size(); ++s) {
      text.append(templ.substr(from, slots[s] - from));
      const bool in_string = templ[slots[s] - 1] == '"' ||
                             std::isalpha(static_cast<unsigned char>(templ[slots[s] - 1])) != 0;
      if (only == slots.size() || only == s) {
        text.append(fragment);
      } else if (!in_string) {
        text.append("1");
      }
      from = slots[s] + 1;
    }
    text.append(templ.substr(from));
    diff.check(text);
  };
  for (std::size_t only = 0; only <= slots.size(); ++only) fill(only);
}

// UTF-8 sequences of every class nlohmann's lexer tells apart: well-formed at each boundary,
// overlong, surrogates, above U+10FFFF, truncated, stray continuation bytes, bytes never used.
constexpr std::string_view kUtf8Sequences[] = {
    "\x7F"sv,
    "\xC2\x80"sv,
    "\xDF\xBF"sv,
    "\xE0\xA0\x80"sv,
    "\xEF\xBF\xBF"sv,
    "\xED\x9F\xBF"sv,
    "\xEE\x80\x80"sv,
    "\xF0\x90\x80\x80"sv,
    "\xF3\xBF\xBF\xBF"sv,
    "\xF4\x8F\xBF\xBF"sv,
    "\xEF\xBB\xBF"sv,
    "\x80"sv,
    "\xBF"sv,
    "\xC0\x80"sv,
    "\xC1\xBF"sv,
    "\xC2"sv,
    "\xC2\x7F"sv,
    "\xC2\xC0"sv,
    "\xE0\x80\x80"sv,
    "\xE0\x9F\xBF"sv,
    "\xE0\xA0"sv,
    "\xE1\x80"sv,
    "\xE1\x80\x7F"sv,
    "\xED\xA0\x80"sv,
    "\xED\xBF\xBF"sv,
    "\xF0\x80\x80\x80"sv,
    "\xF0\x8F\xBF\xBF"sv,
    "\xF0\x90\x80"sv,
    "\xF1\x80\x80\xC0"sv,
    "\xF4\x90\x80\x80"sv,
    "\xF5\x80\x80\x80"sv,
    "\xF8\x88\x80\x80\x80"sv,
    "\xFE"sv,
    "\xFF"sv,
    "\x00"sv,
    "\x01"sv,
    "\x1F"sv,
    "\t"sv,
    "\n"sv,
};

// Escapes as nlohmann reads them: each simple one, \u in both cases, surrogate pairs, lone or
// reversed surrogates, \u0000, and the malformed.
constexpr std::string_view kEscapes[] = {
    R"(\")",           R"(\\)",           R"(\/)",
    R"(\b)",           R"(\f)",           R"(\n)",
    R"(\r)",           R"(\t)",           R"(\u0041)",
    R"(\u00e9)",       R"(\u00E9)",       R"(\u0000)",
    R"(\u001f)",       R"(\u07FF)",       R"(\u0800)",
    R"(\uFFFF)",       R"(\uD800\uDC00)", R"(\uDBFF\uDFFF)",
    R"(\ud83d\ude00)", R"(\uD800)",       R"(\uDBFF)",
    R"(\uDC00)",       R"(\uDFFF)",       R"(\uD800\u0041)",
    R"(\uD800\uD800)", R"(\uDC00\uD800)", R"(\uD800\n)",
    R"(\uD800\\)",     R"(\uD800x)",      R"(\uD800\u)",
    R"(\uD800\uDC0)",  R"(\u12)",         R"(\u12G4)",
    R"(\U0041)",       R"(\x41)",         R"(\a)",
    R"(\')",           R"(\ )",           R"(\)",
    R"(\u)",
};

// Numbers at every edge of the grammar and of what strtod reads as finite.
constexpr std::string_view kNumbers[] = {
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "-0.0e-0",
    "1E+2",
    "1e-2",
    "00",
    "01",
    "-01",
    "1.",
    ".5",
    "-",
    "+1",
    "1e",
    "1e+",
    "1.e1",
    "0x10",
    "1_0",
    "NaN",
    "Infinity",
    "-Infinity",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890123456789",
    "1e308",
    "1.7976931348623157e308",
    "1.7976931348623158e308",
    "1.8e308",
    "1e309",
    "1e400",
    "-1e400",
    "1e-400",
    "0e99999999999999999999",
    "0.0000000000001e320",
    "0.0000000000001e321",
    "1e00000000000000000000000000308",
    "1e-99999999999999999999",
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977"
    "587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845"
    "817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559"
    "699508093042880177904174497791.999999",
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977"
    "587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845"
    "817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559"
    "699508093042880177904174497792",
    "0."
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977"
    "587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845"
    "817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559"
    "699508093042880177904174497792e309",
    "-17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797"
    "758720709633028641669288791094655554785194040263065748867150582068190890200070838367627385484"
    "581771153176447573027006985557136695962284291481986083493647529271907416844436551070434271155"
    "9699508093042880177904174497791e1",
    "true",
    "tru",
    "truex",
    "nul",
    "null1",
    "falsee",
};

// AALGATE_WHOAMI_DIFFERENTIAL=full: every offset of every body up to 4 KB (256 of larger
// ones) and every member, instead of a sample sized to keep the Debug build's run short (its
// nlohmann reads about 10 MB/s). The full run takes minutes in Debug, seconds optimised.
bool full_differential() {
  const char* mode = std::getenv("AALGATE_WHOAMI_DIFFERENTIAL");
  return mode != nullptr && std::string_view(mode) == "full";
}

TEST(WhoamiReader, ReadsEveryBodyAndMutationAsItsOracleDoes) {
  const auto started = std::chrono::steady_clock::now();
  const bool full = full_differential();
  Differential diff;
  const std::vector<std::string> bodies = seed_bodies();
  ASSERT_GE(bodies.size(), 100U);
  for (const std::string& body : bodies) {
    const std::size_t n = std::max<std::size_t>(body.size(), 1);
    diff.check(body);
    // About 10 KB of mutated text per body (5 texts per offset), at least 2 offsets; 3 members.
    mutate_bytes(body, full ? (n <= 4096 ? n : 256) : std::max<std::size_t>(2, 2000 / n), diff);
    mutate_members(body, full ? 1 << 20 : (n <= 16384 ? 3 : 1), diff);
  }
  // More offsets of the real Kratos sessions and errors.
  for (const auto& entry : std::filesystem::directory_iterator(AALGATE_FIXTURES_DIR)) {
    if (entry.path().filename().string().rfind("real-", 0) == 0) {
      mutate_bytes(read_file(entry.path()), full ? 1 << 20 : 48, diff);
    }
  }
  for (const std::string_view templ : {kSessionTemplate, kErrorTemplate}) {
    for (const std::string_view bytes : kUtf8Sequences) fill_template(templ, bytes, diff);
    for (const std::string_view escape : kEscapes) fill_template(templ, escape, diff);
    for (const std::string_view number : kNumbers) fill_template(templ, number, diff);
    for (const std::string_view number : kNumbers) diff.check(number);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "[ whoami   ] %zu bodies, %zu texts compared (%zu valid sessions, %zu aal2 errors) "
      "in %.2f s%s\n",
      bodies.size(), diff.cases(), diff.valid_sessions(), diff.aal2_required(), seconds,
      full ? " (full)" : "");
  EXPECT_GE(diff.cases(), 20000U);
  EXPECT_GE(diff.valid_sessions(), 2000U);
  EXPECT_GE(diff.aal2_required(), 200U);
  EXPECT_GE(diff.readable(), 5000U);
}

// A session with `extra` members after its required ones.
std::string session_with(std::string_view extra) {
  return R"({"active":true,"expires_at":"2030-01-01T00:00:00Z")" + std::string(extra) + "}";
}

TEST(WhoamiReader, KeyWrittenWithEscapesNamesTheSameField) {
  const auto session =
      aalgate::parse_session(R"({"act\u0069ve":false,"\u0065xpires_at":"2030-01-01T00:00:00Z",)"
                             R"("authenticator_assurance_level":"\u0061al2"})");
  ASSERT_TRUE(session.has_value());
  EXPECT_FALSE(session->active);
  EXPECT_EQ(session->aal, aalgate::Aal::aal2);
  // The same key twice, once escaped: repeated.
  EXPECT_FALSE(aalgate::parse_session(session_with(R"(,"act\u0069ve":true)")));
  EXPECT_TRUE(aalgate::is_aal2_required_error(
      R"({"\u0065rror":{"i\u0064":"session_aal2_\u0072equired"}})"));
}

TEST(WhoamiReader, KeyNamedTwiceIsInvalidDownToMethodEntriesOnly) {
  // Objects at container depth 0 to 2: the session, its members' objects, the method entries.
  for (const std::string_view extra :
       {R"(,"active":true)", R"(,"identity":{"id":1,"id":1})",
        R"(,"identity":{"traits":{"email":1,"email":1}})", R"(,"list":[{"k":1,"k":1}])",
        R"(,"authentication_methods":[{"method":"password","method":"totp"}])"}) {
    EXPECT_FALSE(aalgate::parse_session(session_with(extra))) << extra;
    EXPECT_FALSE(aalgate::parse_session_oracle(session_with(extra))) << extra;
  }
  // Deeper objects are not read and not checked, arrays counting as a level.
  for (const std::string_view extra :
       {R"(,"identity":{"traits":{"name":{"first":1,"first":2}}})", R"(,"list":[[{"k":1,"k":1}]])",
        R"(,"authentication_methods":[{"x":{"k":1,"k":1}}])"}) {
    EXPECT_TRUE(aalgate::parse_session(session_with(extra))) << extra;
    EXPECT_TRUE(aalgate::parse_session_oracle(session_with(extra))) << extra;
  }
  EXPECT_FALSE(aalgate::is_aal2_required_error(
      R"({"error":{"id":"session_aal2_required","reason":"a","reason":"b"}})"));
}

TEST(WhoamiReader, OnlyABomAndJsonWhitespaceMayStandAroundTheValue) {
  const std::string body = session_with("");
  EXPECT_TRUE(aalgate::parse_session("\xEF\xBB\xBF \t\r\n" + body + " \t\r\n"));
  for (const std::string& text :
       {"\xEF\xBB\xBF\xEF\xBB\xBF" + body, "\xEF\xBB" + body, "\f" + body, body + "\v",
        body + std::string(1, '\0'), std::string(1, '\0') + body, body + "x", body + body,
        std::string(), std::string("\xEF\xBB\xBF"), std::string(" ")}) {
    EXPECT_FALSE(aalgate::parse_session(text)) << printable(text);
    EXPECT_FALSE(aalgate::parse_session_oracle(text)) << printable(text);
  }
  // A NUL byte anywhere is invalid, escaped it is a character like any other.
  EXPECT_FALSE(aalgate::parse_session(session_with(std::string(R"(,"a":"x)") + '\0' + "\"")));
  EXPECT_TRUE(aalgate::parse_session(session_with(R"(,"a":"x\u0000")")));
}

TEST(WhoamiReader, NumberThatReadsAsInfiniteIsInvalid) {
  // 2^1024 - 2^970 is where strtod's rounding reaches infinity; nlohmann refuses it, and an
  // integer beyond 64 bits reads as a double too.
  const std::string from =
      "179769313486231580793728971405303415079934132710037826936173778980444968"
      "292764750946649017977587207096330286416692887910946555547851940402630657"
      "488671505820681908902000708383676273854845817711531764475730270069855571"
      "366959622842914819860834936475292719074168444365510704342711559699508093"
      "042880177904174497792";
  const std::string below = from.substr(0, from.size() - 1) + "1.9999";
  for (const std::string& number :
       {std::string("1e400"), std::string("-1e400"), std::string("1.8e308"), from, "-" + from,
        "0.000" + from + "e312"}) {
    EXPECT_FALSE(aalgate::parse_session(session_with(",\"n\":" + number))) << number;
  }
  for (const std::string& number :
       {std::string("1e308"), std::string("1.7976931348623158e308"), std::string("1e-400"),
        std::string("18446744073709551616"), std::string("0e999999999999"), below}) {
    EXPECT_TRUE(aalgate::parse_session(session_with(",\"n\":" + number))) << number;
  }
}

TEST(WhoamiReader, StringsFollowNlohmannsUtf8AndEscapeRules) {
  const auto valid = [](std::string_view inside) {
    return aalgate::parse_session(session_with(",\"s\":\"" + std::string(inside) + "\"")) !=
           std::nullopt;
  };
  EXPECT_TRUE(valid(R"(\uD83D\uDE00)"));
  EXPECT_FALSE(valid(R"(\uD83D)"));  // a lone high surrogate
  EXPECT_FALSE(valid(R"(\uDE00)"));  // a lone low surrogate
  EXPECT_FALSE(valid(R"(\uD83D\u0041)"));
  EXPECT_TRUE(valid("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid("\xED\xA0\xBD"));      // a surrogate written in UTF-8
  EXPECT_FALSE(valid("\xC0\xAF"));          // overlong
  EXPECT_FALSE(valid("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid("\x1F"));              // a control character
  EXPECT_TRUE(valid("\x7F"));
  // Escapes in a value read are decoded before use.
  const auto session = aalgate::parse_session(
      session_with(R"(,"authentication_methods":[{"method":"\u006fidc","aal":"aal\u0032",)"
                   R"("completed_at":"2026-08-01T10:00:00\u005a"}])"));
  ASSERT_TRUE(session.has_value());
  EXPECT_TRUE(session->aal2_from_upstream_only);
  EXPECT_TRUE(session->aal2_completed_at.has_value());
}

TEST(WhoamiReader, NestingAMegabyteDeepNeedsNoRecursion) {
  constexpr std::size_t kDepth = 1 << 20;
  const std::string arrays = std::string(kDepth, '[') + std::string(kDepth, ']');
  EXPECT_TRUE(aalgate::parse_session(session_with(",\"deep\":" + arrays)));
  EXPECT_FALSE(aalgate::parse_session(session_with(",\"deep\":" + arrays.substr(1))));
  EXPECT_FALSE(aalgate::is_aal2_required_error(std::string(kDepth, '[')));
  std::string objects;
  for (std::size_t i = 0; i < kDepth / 8; ++i) objects += R"({"a":)";
  objects += "1" + std::string(kDepth / 8, '}');
  EXPECT_TRUE(aalgate::parse_session(session_with(",\"deep\":" + objects)));
  EXPECT_TRUE(aalgate::is_aal2_required_error(R"({"error":{"id":"session_aal2_required","deep":)" +
                                              arrays + "}}"));
}

TEST(WhoamiReader, ReadingAWarmBodyAllocatesNothing) {
  const std::string body =
      read_file(std::filesystem::path(AALGATE_FIXTURES_DIR) / "real-whoami-200-aal1-cookie.json");
  const std::string escaped = session_with(
      R"(,"identity":{"traits":{"n\u0061me":"\u00e9"}},"authentication_methods":)"
      R"([{"method":"p\u0061ssword","aal":"aal1","completed_at":"2026-08-01T10:00:00Z"}])");
  const std::string error = read_file(std::filesystem::path(AALGATE_FIXTURES_DIR) /
                                      "derived-whoami-403-session_aal2_required.json");
  const auto read_all = [&] {
    return aalgate::parse_session(body).has_value() && aalgate::parse_session(escaped) &&
           aalgate::is_aal2_required_error(error) && !aalgate::parse_session(error);
  };
  ASSERT_TRUE(read_all());  // warms the reader's buffers
  const long before = allocations.load();
  EXPECT_TRUE(read_all());
  EXPECT_EQ(allocations.load() - before, 0);
}

}  // namespace
