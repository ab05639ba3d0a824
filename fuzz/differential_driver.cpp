// The native side of the Wasm/native differential (tests/differential/differential.mjs): reads
// calls as JSON lines on stdin and writes, for each, one JSON line with what the native core
// answered, in the shape the JS API gives (js/marshal.js), so that the Node side can compare it
// with what the Wasm core answered through the JS API for the same call. One process decides a
// whole run (batches of lines), never one process per input. Answers are flushed whenever stdin has
// nothing more buffered.
//
//   aalgate_differential <public-suffix-list.dat>    (build/<dir>/aalgate-public-suffix.dat)
//
// A call: {"config": "<JSON text>", "op": "decide" | "recover" | "decideRequest" |
//   "requirementFor" | "parseChallenge" | "isSelfServiceUrl", "kind": 0 nothing | 1 answer |
//   2 unreachable | 3 timeout, "status": N, "body": "<base64 of the UTF-8 bytes>", "format": 0
//   JSON text | 1 a session record | 2 a verified token's claims, "overLimit": true (a body its
//   caller left out, over the limit), "input":
//   "<requirement or request JSON text>", "method": "…", "url": "…", "header": "<base64>"}
// An answer: {"error": {"code", "message"}} (configuration, requirement or request refused), or
//   {"decision": {verdict, url, reason, aal, requiredAal, warnings, challenge},
//    "sessionExpiresAt": ms | null, "explanation": {…}} (the same call asked twice, with and
//   without an explanation: a different decision is reported as "explainChanged"), or
//   {"route": {aal, maxAge?, operation?, rule}}, {"challenge": {aal, maxAge?} | null},
//   {"selfService": bool}. A line that is not a call: {"bad": "why"}.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "aalgate/aalgate.hpp"
#include "api_json.hpp"

namespace {

using Json = nlohmann::json;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::optional<std::string> base64_decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char ch : text) {
    if (ch == '=') break;
    const std::size_t at = kAlphabet.find(ch);
    if (at == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(at);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFFU));
    }
  }
  return out;
}

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The configuration as js/index.js makes it: without the Public Suffix List, and with it when the
// core asks for it (a wildcard in allowedReturnUrls). The last one is kept: the Node side sends
// the calls of one configuration together.
class Configs {
 public:
  explicit Configs(std::optional<aalgate::PublicSuffixList> list) : list_(std::move(list)) {}

  const aalgate::Result<aalgate::Config>& get(const std::string& text) {
    if (!last_ || text != last_text_) {
      auto parsed = aalgate::parse_config(text);
      if (!parsed && parsed.error().code == aalgate::kPublicSuffixListRequired && list_) {
        parsed = aalgate::parse_config(text, &*list_);
      }
      last_.emplace(std::move(parsed));
      last_text_ = text;
    }
    return *last_;
  }

 private:
  std::optional<aalgate::PublicSuffixList> list_;
  std::optional<aalgate::Result<aalgate::Config>> last_;
  std::string last_text_;
};

Json error_json(const aalgate::Error& error) {
  return Json{{"error", {{"code", error.code}, {"message", error.message}}}};
}

using aalgate_test::challenge_json;
using aalgate_test::decision_json;
using aalgate_test::route_json;

// As wasm/bindings.cpp gives it: whole milliseconds (the nanoseconds cut), null for none.
Json expires_json(const aalgate::Decision& d) {
  if (!d.session_expires_at) return Json();
  return static_cast<double>(d.session_expires_at->seconds) * 1000.0 +
         static_cast<double>(d.session_expires_at->nanos / 1000000);
}

// Both decisions of a call (without and with an explanation) as one answer.
Json answer(const aalgate::Decision& plain, const aalgate::Decision& explained,
            const aalgate::Explanation& explanation) {
  Json out{{"decision", decision_json(plain)}, {"sessionExpiresAt", expires_json(plain)}};
  if (decision_json(explained) != out["decision"]) out["explainChanged"] = decision_json(explained);
  out["explanation"] = Json::parse(aalgate::to_json(explanation), nullptr, false);
  if (out["explanation"].is_discarded()) out["explanation"] = "to_json gave no JSON";
  return out;
}

Json run(Configs& configs, const Json& call) {
  const std::string op = call.value("op", "");
  const auto& config = configs.get(call.value("config", ""));
  if (!config) return error_json(config.error());
  if (op == "parseChallenge") {
    const auto header = base64_decode(call.value("header", ""));
    if (!header) return {{"bad", "header is not base64"}};
    return {{"challenge", challenge_json(aalgate::parse_challenge(*header))}};
  }
  if (op == "requirementFor") {
    const auto route =
        aalgate::requirement_for(config.value(), call.value("method", ""), call.value("url", ""));
    if (!route) return error_json(route.error());
    return {{"route", route_json(route.value())}};
  }
  if (op == "isSelfServiceUrl") {
    return {{"selfService", aalgate::is_self_service_url(call.value("url", ""), config.value())}};
  }
  const auto body = base64_decode(call.value("body", ""));
  if (!body) return {{"bad", "body is not base64"}};
  const int kind = call.value("kind", 0);
  aalgate::WhoamiOutcome outcome;
  if (kind == 1) {
    outcome = {true, call.value("status", 0), *body};
    // As wasm/bindings.cpp body_format: 1 the session record js/record.js wrote for a Session
    // object, 2 the claims of a token js/tokens.js verified.
    const int format = call.value("format", 0);
    if (format == 1) outcome.format = aalgate::BodyFormat::session_record;
    if (format == 2) outcome.format = aalgate::BodyFormat::token_claims;
    // A body its caller measured over maxBodyBytes and left out (js/call.js, js/kratos.js).
    outcome.body_over_limit = call.value("overLimit", false);
  } else if (kind == 2 || kind == 3) {
    outcome.no_answer = kind == 2 ? aalgate::NoAnswer::unreachable : aalgate::NoAnswer::timeout;
  }
  const std::string input = call.value("input", "");
  aalgate::Explanation explanation;
  if (op == "decideRequest") {
    const auto plain = aalgate::decide_request(config.value(), outcome, input);
    if (!plain) return error_json(plain.error());
    const auto explained = aalgate::decide_request(config.value(), outcome, input, &explanation);
    if (!explained) return {{"bad", "decide_request refused the request once explained"}};
    return answer(plain.value(), explained.value(), explanation);
  }
  if (op != "decide" && op != "recover") return {{"bad", "unknown op " + op}};
  const auto requirement = aalgate::parse_requirement(input, config.value());
  if (!requirement) return error_json(requirement.error());
  if (op == "recover") {
    const auto plain = aalgate::recover(config.value(), outcome, requirement.value());
    const auto explained =
        aalgate::recover(config.value(), outcome, requirement.value(), &explanation);
    return answer(plain, explained, explanation);
  }
  const auto plain = aalgate::decide(config.value(), outcome, requirement.value());
  const auto explained =
      aalgate::decide(config.value(), outcome, requirement.value(), &explanation);
  return answer(plain, explained, explanation);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: aalgate_differential <aalgate-public-suffix.dat>\n";
    return 2;
  }
  auto list = aalgate::PublicSuffixList::parse(read_file(argv[1]));
  if (!list) {
    std::cerr << "aalgate_differential: cannot read the Public Suffix List " << argv[1] << "\n";
    return 2;
  }
  Configs configs(std::move(list).value());
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    const Json call = Json::parse(line, nullptr, false);
    std::cout << dump(call.is_object() ? run(configs, call) : Json{{"bad", "not a JSON object"}})
              << '\n';
    // Flushed whenever the calls read so far are answered, so that the Node side, which writes a
    // batch and then waits for its answers, gets them.
    if (std::cin.rdbuf()->in_avail() <= 0) std::cout.flush();
  }
  return 0;
}
