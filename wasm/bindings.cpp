// Embind bindings: a coarse Gate (configure once, one run() per decision through a call block
// and a reused buffer in the module's memory); every decision is the core's.
#include <emscripten/bind.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aalgate/aalgate.hpp"
#include "aalgate/flow_url.hpp"

namespace {

struct ConfigureResult {
  bool ok = false;
  std::string code;
  std::string message;
  double maxBodyBytes = 0;  // the configuration's limit, for JS to measure bodies against
};

struct CompileResult {
  bool ok = false;
  std::string code;
  std::string message;
  int handle = -1;
};

struct RouteValue {
  bool ok = false;
  std::string code;
  std::string message;
  std::string aal;
  double maxAge = -1;  // seconds; -1 when unset
  std::string operation;
  int rule = -1;  // -1: the policy's default
};

struct ChallengeValue {
  bool found = false;
  std::string aal;
  double maxAge = -1;  // seconds; -1 when unset
};

// The call block: one per Gate, in the module's memory, where JS writes a call's arguments and
// reads its answer (js/marshal.js reads the same offsets: CALL). One coarse call per decision:
// JS fills the block and the Gate's buffer (the body, then the strings), then calls run().
struct CallBlock {
  // In:
  double status;                    // the HTTP status as JS has it (checked here: outcome())
  double now_ms;                    // NaN: not given, the clock
  std::int32_t op;                  // Op
  std::int32_t kind;                // js/normalize.js OUTCOME: 0 nothing, 1 answer, 2/3 no answer
  std::int32_t body_format;         // aalgate::BodyFormat: 0 JSON text, 1 session record, 2 claims
  std::int32_t body_length;         // bytes of the body at the buffer's start
  std::int32_t requirement;         // compiled requirement; -1: the scratch one (all fields in it)
  std::int32_t return_to_length;    // bytes after the body; -1: not given
  std::int32_t method_length;       // decide_request: the method's bytes, after returnTo
  std::int32_t request_url_length;  // decide_request: the URL's bytes, after the method
  // Out:
  double session_expires_at;  // ms since the epoch; NaN: no valid session was read
  std::int32_t verdict;       // aalgate::Verdict
  std::int32_t reason;        // aalgate::Reason (kratos_id: the id is `text`)
  std::int32_t aal;           // aalgate::Aal, -1: none
  std::int32_t required_aal;  // aalgate::RequiredAal
  std::int32_t warnings;      // bit (1 << aalgate::Warning) for each warning
  std::int32_t http_status;   // aalgate::http_status(verdict)
  std::int32_t url;           // pointer and length of the URL (length 0: none)
  std::int32_t url_length;
  std::int32_t challenge;  // pointer and length of the challenge (0: none)
  std::int32_t challenge_length;
  std::int32_t text;         // pointer and length of the Kratos id, or of an error's
  std::int32_t text_length;  // "code\nmessage" when run() answers kError
  std::int32_t same;         // bits: 1 the URL, 2 the challenge as in the previous answer
  // In: 1 to explain this call (explanation() then gives it as JSON text).
  std::int32_t explain;
  // In: 1 when JS measured the body over the configuration's maxBodyBytes and left it out
  // (body_length 0): the core decides body_too_large.
  std::int32_t body_over_limit;
};
static_assert(offsetof(CallBlock, op) == 16 && offsetof(CallBlock, session_expires_at) == 48 &&
                  offsetof(CallBlock, verdict) == 56 && offsetof(CallBlock, text_length) == 100 &&
                  offsetof(CallBlock, same) == 104 && offsetof(CallBlock, explain) == 108 &&
                  offsetof(CallBlock, body_over_limit) == 112,
              "js/call.js and js/marshal.js read these offsets");

// kDecideRequestJson: the request as JSON text after the body, `method_length` bytes long.
enum Op : std::int32_t { kDecide = 1, kDecideRequest = 2, kRecover = 3, kDecideRequestJson = 4 };
enum RunAnswer : int { kDecided = 0, kError = 1 };

// What the HTTP call gave. A status that is not a whole HTTP code becomes 0: unexpected for
// decide, "use error.code" for recover.
aalgate::WhoamiOutcome outcome(const CallBlock& call, std::string_view body) {
  const double status = call.status;
  const bool whole =
      std::isfinite(status) && status == std::floor(status) && status >= 100 && status <= 599;
  const aalgate::NoAnswer no_answer = call.kind == 2   ? aalgate::NoAnswer::unreachable
                                      : call.kind == 3 ? aalgate::NoAnswer::timeout
                                                       : aalgate::NoAnswer::none;
  const aalgate::BodyFormat format = call.body_format == 1   ? aalgate::BodyFormat::session_record
                                     : call.body_format == 2 ? aalgate::BodyFormat::token_claims
                                                             : aalgate::BodyFormat::json_text;
  return {call.kind == 1, whole ? static_cast<int>(status) : 0,       body, no_answer,
          format,         call.kind == 1 && call.body_over_limit != 0};
}

std::int32_t address_of(const std::string& text) {
  return static_cast<std::int32_t>(reinterpret_cast<std::uintptr_t>(text.data()));
}

// One configured gate; owned by JS (`delete()`), reused for every call.
class Gate {
 public:
  // `public_suffix_data`: "" until the core answers code "publicSuffixList", then the text of
  // aalgate-public-suffix.dat (parsed for this call only, not kept).
  ConfigureResult configure(const std::string& config_json, const std::string& public_suffix_data) {
    std::optional<aalgate::PublicSuffixList> suffixes;
    if (!public_suffix_data.empty()) {
      aalgate::Result<aalgate::PublicSuffixList> parsed =
          aalgate::PublicSuffixList::parse(public_suffix_data);
      if (!parsed) return {false, parsed.error().code, parsed.error().message};
      suffixes = std::move(parsed).value();
    }
    aalgate::Result<aalgate::Config> config =
        aalgate::parse_config(config_json, suffixes ? &*suffixes : nullptr);
    if (!config) return {false, config.error().code, config.error().message};
    config_ = std::move(config).value();
    // Anything compiled or prepared against a previous configuration is gone.
    compiled_.clear();
    current_slot_ = -1;
    prepared_ = {};
    return {true, "", "", static_cast<double>(config_->max_body_bytes)};
  }

  // Compiles a requirement's JSON once: with `keep`, into a new slot whose number is the
  // answer's `handle` (js/index.js caches it per distinct requirement); otherwise into the
  // scratch slot (-1) for one call. `now` and `returnTo`, when the JSON has them, stay in it.
  CompileResult compile(const std::string& requirement_json, bool keep) {
    if (!config_) return {false, "gate.unconfigured", kUnconfigured, -1};
    current_slot_ = -1;
    aalgate::Result<aalgate::Requirement> requirement =
        aalgate::parse_requirement(requirement_json, *config_);
    if (!requirement) return {false, requirement.error().code, requirement.error().message, -1};
    if (!keep) {
      scratch_ = std::move(requirement).value();
      return {true, "", "", -1};
    }
    compiled_.push_back(std::move(requirement).value());
    return {true, "", "", static_cast<int>(compiled_.size() - 1)};
  }

  // Drops every kept requirement (js/call.js's cache is full).
  void forget() {
    compiled_.clear();
    current_slot_ = -1;
  }

  // The buffer JS writes a call's body and strings into: at least `bytes` long, grow-only.
  int buffer(int bytes) {
    if (bytes > 0 && static_cast<std::size_t>(bytes) > buffer_.size()) {
      buffer_.resize(static_cast<std::size_t>(bytes));
    }
    return static_cast<int>(reinterpret_cast<std::uintptr_t>(buffer_.data()));
  }

  // Where the call block is (CallBlock).
  int call() { return static_cast<int>(reinterpret_cast<std::uintptr_t>(&call_)); }

  // Runs the call the block describes; the answer stays readable until the next run().
  int run() {
    if (!config_) return fail({"gate.unconfigured", kUnconfigured});
    const std::size_t body_length = length(call_.body_length);
    const std::string_view strings(buffer_.data(), buffer_.size());
    if (body_length > strings.size()) return fail({"gate.call", "the body is outside the buffer"});
    const std::string_view body = strings.substr(0, body_length);
    std::string_view rest = strings.substr(body_length);
    std::optional<std::string_view> return_to;
    if (call_.return_to_length >= 0) return_to = take(rest, call_.return_to_length);
    const aalgate::WhoamiOutcome whoami = outcome(call_, body);
#ifdef AALGATE_TEST_TRAPS
    trap_for_test(body);
#endif
    // Asked for: the rules considered, kept as JSON text for explanation().
    std::optional<aalgate::Explanation> explained;
    if (call_.explain != 0) explained.emplace();
    aalgate::Explanation* const why = explained ? &*explained : nullptr;
    explanation_.clear();
    const auto answered = [&](aalgate::Decision decision) {
      if (why != nullptr) explanation_ = aalgate::to_json(*why);
      return answer(std::move(decision));
    };

    if (call_.op == kDecideRequestJson) {
      aalgate::Result<aalgate::Decision> decision =
          aalgate::decide_request(*config_, whoami, take(rest, call_.method_length), why);
      if (!decision) return fail(decision.error());
      return answered(std::move(decision).value());
    }
    if (call_.op == kDecideRequest) {
      aalgate::RequestFields request;
      request.method = take(rest, call_.method_length);
      request.url = take(rest, call_.request_url_length);
      request.return_to = return_to;
      request.now_ms = call_.now_ms;
      aalgate::Result<aalgate::Decision> decision =
          aalgate::decide_request(*config_, whoami, request, why);
      if (!decision) return fail(decision.error());
      return answered(std::move(decision).value());
    }
    // decide and recover: a compiled requirement with this call's now and returnTo, or the
    // scratch one as compiled.
    const aalgate::Requirement* requirement = &scratch_;
    if (call_.requirement >= 0) {
      if (static_cast<std::size_t>(call_.requirement) >= compiled_.size()) {
        return fail({"gate.call", "unknown requirement"});
      }
      if (call_.requirement != current_slot_) {
        current_ = compiled_[static_cast<std::size_t>(call_.requirement)];
        current_slot_ = call_.requirement;
      }
      aalgate::Result<aalgate::Timestamp> now = aalgate::now_from_ms(call_.now_ms, "requirement");
      if (!now) return fail(now.error());
      current_.now = now.value();
      if (return_to && !return_to->empty()) {
        // The same returnTo as before keeps its string and its prepared query value.
        if (!current_.return_to) current_.return_to.emplace();
        if (*current_.return_to != *return_to)
          current_.return_to->assign(return_to->data(), return_to->size());
        if (prepared_.value != *return_to)
          aalgate::prepare_return_to(*config_, *return_to, prepared_);
        current_.prepared_return_to = &prepared_;
      } else {
        current_.return_to.reset();
      }
      requirement = &current_;
    }
    if (call_.op == kRecover)
      return answered(aalgate::recover(*config_, whoami, *requirement, why));
    return answered(aalgate::decide(*config_, whoami, *requirement, why));
  }

  // The last run()'s explanation as JSON text (explain.hpp to_json), "" when it was not asked.
  const std::string& explanation() const { return explanation_; }

  RouteValue requirementFor(const std::string& method, const std::string& url) const {
    RouteValue out;
    if (!config_) {
      out.code = "gate.unconfigured";
      return out;
    }
    const auto route = aalgate::requirement_for(*config_, method, url);
    if (!route) {
      out.code = route.error().code;
      out.message = route.error().message;
      return out;
    }
    const aalgate::Requirement& r = route.value().requirement;
    out.ok = true;
    out.aal = aalgate::to_string(r.aal);
    if (r.max_age_ns) out.maxAge = static_cast<double>(*r.max_age_ns) / 1e9;
    if (r.operation) out.operation = aalgate::to_string(*r.operation);
    if (route.value().rule) out.rule = static_cast<int>(*route.value().rule);
    return out;
  }

  // Whether a server's answer may send the browser to `url` (one of Kratos's own pages).
  bool isSelfServiceUrl(const std::string& url) const {
    return config_ && aalgate::is_self_service_url(url, *config_);
  }

  ChallengeValue parseChallenge(const std::string& header) const {
    ChallengeValue out;
    const auto challenge = aalgate::parse_challenge(header);
    if (!challenge) return out;
    out.found = true;
    out.aal = aalgate::to_string(challenge->aal);
    if (challenge->max_age_seconds) out.maxAge = static_cast<double>(*challenge->max_age_seconds);
    return out;
  }

 private:
  static constexpr const char* kUnconfigured = "configure() has not succeeded on this gate";

#ifdef AALGATE_TEST_TRAPS
  // Test builds only (CMake AALGATE_TEST_TRAPS, tests/traps; the packaged core has none of
  // this): a body naming a trap makes run() fail for real inside the module, as a bug would.
  // `corrupt` first breaks this Gate's configuration, as a bug that writes where it should not.
  void trap_for_test(std::string_view body) {
    if (body == "aalgate-test-trap:unreachable") __builtin_trap();
    if (body == "aalgate-test-trap:abort") std::abort();
    if (body == "aalgate-test-trap:out-of-bounds") {
      *reinterpret_cast<volatile char*>(std::uintptr_t{0xFFFFFFF0u}) = 1;
    }
    if (body == "aalgate-test-trap:corrupt") {
      config_->base_url = "https://corrupted.invalid";
      __builtin_trap();
    }
    if (body == "aalgate-test-trap:out-of-memory") {
      // Until operator new fails (memory stops at 32 MB in this build): an abort, as
      // -fno-exceptions makes it.
      std::vector<std::unique_ptr<char[]>> hog;
      for (;;) {
        hog.emplace_back(new char[1 << 20]);
        hog.back()[0] = 1;
      }
    }
  }
#endif

  static std::size_t length(std::int32_t bytes) {
    return bytes > 0 ? static_cast<std::size_t>(bytes) : 0;
  }

  // The next `bytes` of `rest` (fewer if the buffer ends first).
  static std::string_view take(std::string_view& rest, std::int32_t bytes) {
    const std::string_view taken = rest.substr(0, length(bytes));
    rest.remove_prefix(taken.size());
    return taken;
  }

  int fail(const aalgate::Error& error) {
    text_ = error.code;
    text_.push_back('\n');
    text_.append(error.message);
    call_.text = address_of(text_);
    call_.text_length = static_cast<std::int32_t>(text_.size());
    return kError;
  }

  int answer(aalgate::Decision decision) {
    // JS keeps the strings it read last: the same URL or challenge again need not cross.
    call_.same =
        (decision.url == last_.url ? 1 : 0) | (decision.challenge == last_.challenge ? 2 : 0);
    last_ = std::move(decision);
    CallBlock& out = call_;
    out.verdict = static_cast<std::int32_t>(last_.verdict);
    out.reason = static_cast<std::int32_t>(last_.reason);
    out.aal = last_.aal ? static_cast<std::int32_t>(*last_.aal) : -1;
    out.required_aal = static_cast<std::int32_t>(last_.required_aal);
    out.warnings = 0;
    for (const aalgate::Warning warning : last_.warnings) {
      out.warnings |= 1 << static_cast<int>(warning);
    }
    out.http_status = aalgate::http_status(last_.verdict);
    out.url = address_of(last_.url);
    out.url_length = static_cast<std::int32_t>(last_.url.size());
    out.challenge = address_of(last_.challenge);
    out.challenge_length = static_cast<std::int32_t>(last_.challenge.size());
    out.text = address_of(last_.kratos_reason);
    out.text_length = static_cast<std::int32_t>(last_.kratos_reason.size());
    out.session_expires_at =
        last_.session_expires_at
            ? static_cast<double>(last_.session_expires_at->seconds) * 1000.0 +
                  static_cast<double>(last_.session_expires_at->nanos / 1000000)
            : std::nan("");
    return kDecided;
  }

  std::optional<aalgate::Config> config_;
  std::vector<aalgate::Requirement> compiled_;
  aalgate::Requirement scratch_;
  aalgate::Requirement current_;
  int current_slot_ = -1;               // the compiled slot current_ was copied from
  aalgate::PreparedReturnTo prepared_;  // the last returnTo, judged and escaped once
  std::vector<char> buffer_;
  CallBlock call_{};
  aalgate::Decision last_;
  std::string text_;
  std::string explanation_;
};

// The names of the core's enums, in enum order, for js/marshal.js to turn the call block's
// numbers into strings: verdicts, reasons, warnings, session levels and required levels, each
// list comma-separated, the lists separated by "|"; then the verdict and reason of
// core_failure_decision() and the HTTP status for it.
std::string names() {
  std::string out;
  const auto list = [&out](auto first, auto last, auto name) {
    if (!out.empty()) out.push_back('|');
    for (auto value = first; value <= last; value = decltype(first)(static_cast<int>(value) + 1)) {
      if (value != first) out.push_back(',');
      out.append(name(value));
    }
  };
  list(aalgate::Verdict::allow, aalgate::Verdict::error,
       [](aalgate::Verdict v) { return aalgate::to_string(v); });
  list(aalgate::Reason::no_session, aalgate::Reason::body_too_large,
       [](aalgate::Reason r) { return aalgate::to_string(r); });
  list(aalgate::Warning::highest_available_unverifiable, aalgate::Warning::return_to_dropped,
       [](aalgate::Warning w) { return aalgate::to_string(w); });
  list(aalgate::Aal::aal0, aalgate::Aal::aal3,
       [](aalgate::Aal a) { return aalgate::to_string(a); });
  list(aalgate::RequiredAal::aal1, aalgate::RequiredAal::none,
       [](aalgate::RequiredAal a) { return aalgate::to_string(a); });
  // What js/ answers when the core fails (a trap): the core's decision for it, taken at load.
  const aalgate::Decision failure = aalgate::core_failure_decision();
  out.push_back('|');
  out.append(aalgate::to_string(failure.verdict));
  out.push_back(',');
  out.append(aalgate::to_string(failure.reason));
  out.push_back(',');
  out.append(std::to_string(aalgate::http_status(failure.verdict)));
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(aalgate) {
  emscripten::value_object<ConfigureResult>("ConfigureResult")
      .field("ok", &ConfigureResult::ok)
      .field("code", &ConfigureResult::code)
      .field("message", &ConfigureResult::message)
      .field("maxBodyBytes", &ConfigureResult::maxBodyBytes);
  emscripten::value_object<CompileResult>("CompileResult")
      .field("ok", &CompileResult::ok)
      .field("code", &CompileResult::code)
      .field("message", &CompileResult::message)
      .field("handle", &CompileResult::handle);
  emscripten::value_object<RouteValue>("RouteValue")
      .field("ok", &RouteValue::ok)
      .field("code", &RouteValue::code)
      .field("message", &RouteValue::message)
      .field("aal", &RouteValue::aal)
      .field("maxAge", &RouteValue::maxAge)
      .field("operation", &RouteValue::operation)
      .field("rule", &RouteValue::rule);
  emscripten::value_object<ChallengeValue>("ChallengeValue")
      .field("found", &ChallengeValue::found)
      .field("aal", &ChallengeValue::aal)
      .field("maxAge", &ChallengeValue::maxAge);
  emscripten::class_<Gate>("Gate")
      .constructor<>()
      .function("configure", &Gate::configure)
      .function("compile", &Gate::compile)
      .function("forget", &Gate::forget)
      .function("buffer", &Gate::buffer)
      .function("call", &Gate::call)
      .function("run", &Gate::run)
      .function("explanation", &Gate::explanation)
      .function("requirementFor", &Gate::requirementFor)
      .function("parseChallenge", &Gate::parseChallenge)
      .function("isSelfServiceUrl", &Gate::isSelfServiceUrl);
  emscripten::function("names", &names);
}
