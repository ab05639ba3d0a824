// Runs every case of tests/conformance/*.json against the native core. The same files run
// through Wasm in tests/js/conformance.test.js: both must agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "aalgate/aalgate.hpp"
#include "aalgate/timestamp.hpp"
#include "api_json.hpp"

namespace {

using Json = nlohmann::json;

struct Case {
  Json raw;  // the whole case, for the fields of calls other than decide
  std::string file;
  Json config;
  Json whoami;
  Json requirement;
  Json expect;
  std::string name;
};

// Shown by GoogleTest for a failing case instead of the object's bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.file << ": " << c.name; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The vector files, sorted: one GoogleTest instance (and one ctest process) per file.
std::vector<std::string> vector_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(AALGATE_CONFORMANCE_DIR)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The cases of one file, each with the file's defaults applied; "unreadable_file" when the
// file is not a vector file.
std::vector<Case> load_cases(const std::string& file) {
  const std::filesystem::path path = std::filesystem::path(AALGATE_CONFORMANCE_DIR) / file;
  std::vector<Case> cases;
  const Json doc = Json::parse(read_file(path), nullptr, false);
  if (doc.is_discarded() || !doc.contains("cases")) {
    cases.push_back({{}, file, {}, {}, {}, {}, "unreadable_file"});
    return cases;
  }
  const Json defaults = doc.value("defaults", Json::object());
  for (const Json& c : doc["cases"]) {
    Case k;
    k.raw = c;
    k.file = file;
    k.name = c.value("name", std::string("unnamed"));
    k.config = c.contains("config") ? c["config"] : defaults.value("config", Json());
    k.requirement = c.contains("requirement") ? c["requirement"]
                                              : defaults.value("requirement", Json::object());
    k.whoami = c.contains("whoami") ? c["whoami"] : Json();
    k.expect = c.value("expect", Json::object());
    cases.push_back(std::move(k));
  }
  return cases;
}

// The whoami forms of tests/conformance/README.md, as the core takes them.
struct Whoami {
  bool present = false;
  int status = 0;
  std::string body;
  aalgate::NoAnswer no_answer = aalgate::NoAnswer::none;
  aalgate::BodyFormat format = aalgate::BodyFormat::json_text;
  // `"overLimit": true`: the caller measured the body over maxBodyBytes and left it out, as
  // js/call.js and js/kratos.js do (JS: a body one byte over the case's limit).
  bool body_over_limit = false;

  aalgate::WhoamiOutcome outcome() const {
    aalgate::WhoamiOutcome out{present, status, body, no_answer, format};
    out.body_over_limit = body_over_limit;
    return out;
  }
};

// The two forms whoami and recover's error share: a fixture (its status, else `fixture_status`),
// else {status, body} (status 0 when not given; a body that is no string is its JSON text).
Whoami fixture_or_body(const Json& j, int fixture_status) {
  if (j.value("overLimit", false)) {
    Whoami over{true, j.value("status", fixture_status), ""};
    over.body_over_limit = true;
    return over;
  }
  if (j.contains("fixture")) {
    return {
        true, j.value("status", fixture_status),
        read_file(std::filesystem::path(AALGATE_FIXTURES_DIR) / j["fixture"].get<std::string>())};
  }
  const Json& body = j.contains("body") ? j["body"] : Json();
  return {true, j.value("status", 0),
          body.is_string() ? body.get<std::string>() : (body.is_null() ? "" : body.dump())};
}

Whoami to_whoami(const Json& w) {
  if (w.is_null()) return {};
  if (w.contains("failure")) {
    // Only the two kinds the API names; anything else is a Session-like object (JS reads it so).
    if (w["failure"] == "unreachable") return {false, 0, "", aalgate::NoAnswer::unreachable};
    if (w["failure"] == "timeout") return {false, 0, "", aalgate::NoAnswer::timeout};
    return {true, 200, w.dump()};
  }
  if (w.contains("session")) return {true, 200, w["session"].dump()};
  // A tokenized session's verified claims (JS: signed and verified with a test key first).
  if (w.contains("claims")) {
    return {true, 200, w["claims"].dump(), aalgate::NoAnswer::none,
            aalgate::BodyFormat::token_claims};
  }
  if (w.contains("text")) return {true, 200, w["text"].get<std::string>()};
  return fixture_or_body(w, 200);
}

// The error forms of recover: text, object, {status, body}, fixture (status 0 when not given).
Whoami to_error(const Json& e) {
  if (e.is_null()) return {};
  if (e.contains("text")) return {true, 0, e["text"].get<std::string>()};
  if (e.contains("object")) return {true, 0, e["object"].dump()};
  return fixture_or_body(e, 0);
}

// `now` as an RFC 3339 string becomes whole milliseconds, as JS's Date.parse gives.
Json to_requirement(Json requirement) {
  if (requirement.is_object() && requirement.contains("now") && requirement["now"].is_string()) {
    const auto t = aalgate::parse_rfc3339(requirement["now"].get<std::string>());
    if (t) requirement["now"] = t->seconds * 1000 + t->nanos / 1000000;
  }
  return requirement;
}

// The Public Suffix List the build generated, loaded once, as js/index.js does when the core
// asks for it (a wildcard in allowedReturnUrls).
const aalgate::PublicSuffixList* public_suffixes() {
  static const auto* list = [] {
    auto parsed = aalgate::PublicSuffixList::parse(read_file(AALGATE_PUBLIC_SUFFIX_FILE));
    return parsed ? new aalgate::PublicSuffixList(std::move(parsed).value()) : nullptr;
  }();
  return list;
}

aalgate::Result<aalgate::Config> configure(const Json& config) {
  auto parsed = aalgate::parse_config(config.dump());
  if (!parsed && parsed.error().code == aalgate::kPublicSuffixListRequired) {
    if (public_suffixes() == nullptr) {
      return aalgate::Error{"test", "cannot read " AALGATE_PUBLIC_SUFFIX_FILE};
    }
    parsed = aalgate::parse_config(config.dump(), public_suffixes());
  }
  return parsed;
}

// The core's answers as the JS API shapes them (js/marshal.js): the runners compare the same
// objects.
using aalgate_test::challenge_json;
using aalgate_test::decision_json;
using aalgate_test::route_json;

// What every explanation must be (DESIGN.md "Explanations"), and what a case's
// `expect.explanation` pins (tests/conformance/README.md): `steps` as rule ids with "!" on the
// one that applied, `check` the text of the last step, `problem` exactly, `session` and `inputs`
// field by field.
void check_explanation(const Json& why, const Json& decision, const Json& expected) {
  const Json& steps = why["steps"];
  ASSERT_TRUE(steps.is_array() && !steps.empty()) << why.dump();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i]["applies"].get<bool>(), i + 1 == steps.size())
        << "only the last step applies: " << why.dump();
    EXPECT_FALSE(steps[i]["check"].get<std::string>().empty()) << why.dump();
  }
  const bool invalid = decision["reason"] == "invalid_session" ||
                       decision["reason"].get<std::string>().rfind("claim_", 0) == 0;
  EXPECT_EQ(why["problem"].is_object(), invalid) << why.dump();
  if (invalid) {
    EXPECT_NE(why["problem"]["problem"], "no problem found") << why.dump();
  }
  if (decision["aal"].is_string() && why["session"].is_object()) {
    EXPECT_EQ(why["session"]["aal"], decision["aal"]) << why.dump();
  }
  if (expected.is_null()) return;
  for (const auto& [field, value] : expected.items()) {
    if (field == "steps") {
      Json ids = Json::array();
      for (const Json& step : steps) {
        ids.push_back(step["rule"].get<std::string>() + (step["applies"].get<bool>() ? "!" : ""));
      }
      EXPECT_EQ(ids, value) << why.dump();
    } else if (field == "check") {
      EXPECT_EQ(steps.back()["check"], value) << why.dump();
    } else if (field == "problem") {
      EXPECT_EQ(why["problem"], value) << why.dump();
    } else if (field == "session" || field == "inputs") {
      for (const auto& [key, pinned] : value.items()) {
        EXPECT_EQ(why[field][key], pinned) << field << "." << key << ": " << why.dump();
      }
    } else {
      ADD_FAILURE() << "unknown expect.explanation field " << field;
    }
  }
}

// One case; a failed ASSERT ends this case only.
void run_case(const Case& c) {
  ASSERT_NE(c.name, "unreadable_file") << c.file << " is not a vector file";
  const std::string expected_error = c.expect.value("throws", std::string());

  const auto config = configure(c.config);
  if (!expected_error.empty() && expected_error.rfind("config", 0) == 0) {
    ASSERT_FALSE(config.has_value()) << "config accepted, expected " << expected_error;
    EXPECT_EQ(config.error().code, expected_error) << config.error().message;
    return;
  }
  ASSERT_TRUE(config.has_value()) << config.error().code << ": " << config.error().message;

  const std::string call = c.raw.value("call", std::string("decide"));
  aalgate::Decision d;
  aalgate::Decision explained;  // the same call with an explanation asked for
  aalgate::Explanation explanation;
  if (call == "parseChallenge") {
    EXPECT_EQ(challenge_json(aalgate::parse_challenge(c.raw["header"].get<std::string>())),
              c.expect["requirement"]);
    return;
  }
  if (call == "requirementFor" || call == "decideRequest") {
    const Json request = to_requirement(c.raw.value("request", Json::object()));
    if (call == "requirementFor") {
      const auto route = aalgate::requirement_for(config.value(), request.value("method", ""),
                                                  request.value("url", ""));
      if (!expected_error.empty()) {
        ASSERT_FALSE(route.has_value()) << "request accepted, expected " << expected_error;
        EXPECT_EQ(route.error().code, expected_error);
        return;
      }
      ASSERT_TRUE(route.has_value()) << route.error().code << ": " << route.error().message;
      EXPECT_EQ(route_json(route.value()), c.expect["requirement"]);
      return;
    }
    const Whoami whoami = to_whoami(c.whoami);
    const aalgate::WhoamiOutcome outcome = whoami.outcome();
    const auto decision = aalgate::decide_request(config.value(), outcome, request.dump());
    if (!expected_error.empty()) {
      ASSERT_FALSE(decision.has_value()) << "request accepted, expected " << expected_error;
      EXPECT_EQ(decision.error().code, expected_error);
      return;
    }
    ASSERT_TRUE(decision.has_value()) << decision.error().code << ": " << decision.error().message;
    d = decision.value();
    const auto again =
        aalgate::decide_request(config.value(), outcome, request.dump(), &explanation);
    ASSERT_TRUE(again.has_value());
    explained = again.value();
  } else {
    const auto requirement =
        aalgate::parse_requirement(to_requirement(c.requirement).dump(), config.value());
    if (!expected_error.empty()) {
      ASSERT_FALSE(requirement.has_value()) << "requirement accepted, expected " << expected_error;
      EXPECT_EQ(requirement.error().code, expected_error) << requirement.error().message;
      return;
    }
    ASSERT_TRUE(requirement.has_value())
        << requirement.error().code << ": " << requirement.error().message;
    if (call == "recover") {
      const Whoami error = to_error(c.raw.value("error", Json()));
      const aalgate::WhoamiOutcome outcome = error.outcome();
      d = aalgate::recover(config.value(), outcome, requirement.value());
      explained = aalgate::recover(config.value(), outcome, requirement.value(), &explanation);
    } else {
      const Whoami whoami = to_whoami(c.whoami);
      const aalgate::WhoamiOutcome outcome = whoami.outcome();
      d = aalgate::decide(config.value(), outcome, requirement.value());
      explained = aalgate::decide(config.value(), outcome, requirement.value(), &explanation);
    }
  }
  // The Decision in the shape the JS API gives it (js/marshal.js): null for none, warnings as
  // a list; every field the vector names must equal it.
  const Json got = decision_json(d);
  for (const auto& [field, expected] : c.expect.items()) {
    if (field == "explanation") continue;
    ASSERT_TRUE(got.contains(field)) << "unknown expect field " << field;
    EXPECT_EQ(got[field], expected) << field;
  }
  // Every case, explained: the same decision, and the explanation's shape (explain_shape).
  EXPECT_EQ(decision_json(explained), got) << "asking for an explanation changed the decision";
  const Json why = Json::parse(aalgate::to_json(explanation), nullptr, false);
  ASSERT_FALSE(why.is_discarded()) << "to_json gave no JSON: " << aalgate::to_json(explanation);
  check_explanation(why, got, c.expect.value("explanation", Json()));
  // contract §2: url is empty exactly when the verdict is allow or error.
  EXPECT_EQ(d.url.empty(),
            d.verdict == aalgate::Verdict::allow || d.verdict == aalgate::Verdict::error);
}

class ConformanceFile : public testing::TestWithParam<std::string> {};

TEST_P(ConformanceFile, EveryCaseMatches) {
  const std::vector<Case> cases = load_cases(GetParam());
  ASSERT_FALSE(cases.empty()) << GetParam() << " holds no case";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file + ": " + c.name);
    run_case(c);
  }
}

// `aal_derivation.json` → `aal_derivation_json`: the name ctest filters on
// (tests/cpp/CMakeLists.txt).
std::string file_test_name(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vectors, ConformanceFile, testing::ValuesIn(vector_files()),
                         file_test_name);

TEST(ConformanceFiles, HoldAtLeastEightyCases) {
  std::size_t total = 0;
  for (const std::string& file : vector_files()) total += load_cases(file).size();
  EXPECT_GE(total, 80U);
}

}  // namespace
