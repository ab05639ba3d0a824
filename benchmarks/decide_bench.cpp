// Native benchmarks of issue 10 (Google Benchmark, Release build: `bash tools/build.sh --release`).
// `npm run bench` (benchmarks/bench.mjs) runs them with --benchmark_format=json and reports the
// ratios in BENCHMARKS.md; read the ratios, not the times.
//   json_parse/<body>     nlohmann::json::parse of a whoami body: the baseline (bytes/s)
//   decide_text/<body>    aalgate::decide from the same body as text (bytes/s)
//   login_url/step_up     build_login_url with a return_to to escape
//   policy_match/100_rules  requirement_for through a 100-rule policy whose last rule matches
// Bodies: every *.json file of --bodies=DIR (bench.mjs writes its 1.9, 16 and 64 KB ASCII and
// non-ASCII bodies there, benchmarks/bodies.mjs); without it, the 1.9 KB fixture alone.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aalgate/aalgate.hpp"
#include "aalgate/flow_url.hpp"

namespace {

// The gate and requirement of bench.mjs's text rows: a Lax server (an aal1 session asked for aal2
// steps up), the time inside the fixture session's lifetime (2023-02-03T16:00:00Z).
constexpr std::string_view kConfig =
    R"({"baseUrl":"https://auth.example.com","kratos":{"session.whoami.required_aal":"aal1"}})";
constexpr std::string_view kRequirement =
    R"({"aal":"aal2","maxAge":600,"returnTo":"https://app.example.com/pay","now":1675440000000})";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Body {
  std::string name;
  std::string text;
};

std::vector<Body> read_bodies(const std::string& dir) {
  std::vector<Body> bodies;
  if (dir.empty()) {
    bodies.push_back({"1.9KB-ascii", read_file(std::filesystem::path(AALGATE_FIXTURES_DIR) /
                                               "real-whoami-200-aal1-cookie.json")});
    return bodies;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") {
      bodies.push_back({entry.path().stem().string(), read_file(entry.path())});
    }
  }
  std::sort(bodies.begin(), bodies.end(), [](const Body& a, const Body& b) {
    return std::make_pair(a.text.size(), a.name) < std::make_pair(b.text.size(), b.name);
  });
  return bodies;
}

const aalgate::Config& config() {
  static const aalgate::Config parsed = aalgate::parse_config(kConfig).value();
  return parsed;
}

void json_parse(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}

void decide_text(benchmark::State& state, const std::string& text) {
  const auto requirement = aalgate::parse_requirement(kRequirement, config());
  const aalgate::WhoamiOutcome whoami{true, 200, text};
  // Checked before timing: the body must be a valid Session that decides.
  const aalgate::Decision first = aalgate::decide(config(), whoami, requirement.value());
  if (first.verdict == aalgate::Verdict::error) {
    state.SkipWithError(("the body does not decide: " + aalgate::reason_code(first)).c_str());
    return;
  }
  for (auto _ : state) {
    auto decision = aalgate::decide(config(), whoami, requirement.value());
    benchmark::DoNotOptimize(decision);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}

void login_url(benchmark::State& state) {
  auto requirement = aalgate::parse_requirement(
      R"({"aal":"aal2","returnTo":"https://app.example.com/billing/pay?invoice=4711&currency=EUR#summary","now":1675440000000})",
      config());
  for (auto _ : state) {
    auto url = aalgate::build_login_url(config(), requirement.value(),
                                        aalgate::LoginUrlOptions::step_up());
    benchmark::DoNotOptimize(url);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// 100 rules of the shapes a real app writes (literal segments, `*` within a segment, `**`,
// methods, aal, maxAge); the request matches only the last one, so every rule is tried.
std::string hundred_rule_config() {
  std::string rules;
  for (int i = 0; i < 100; ++i) {
    if (i > 0) rules += ',';
    switch (i % 4) {
      case 0:
        rules += R"({"path":"/api/v1/service-)" + std::to_string(i) +
                 R"(/**","methods":["POST","PUT","DELETE"],"aal":"aal2","maxAge":"10m"})";
        break;
      case 1:
        rules += R"({"path":"/app/section-)" + std::to_string(i) + R"(/*/edit","aal":"aal1"})";
        break;
      case 2:
        rules += R"({"path":"/reports/)" + std::to_string(i) +
                 R"(/*.csv","methods":["GET"],"aal":"aal1","maxAge":3600})";
        break;
      default:
        rules += R"({"path":"/public/page-)" + std::to_string(i) + R"(","aal":"none"})";
        break;
    }
  }
  return R"({"baseUrl":"https://auth.example.com","policy":{"rules":[)" + rules +
         R"(],"default":{"aal":"aal1"}}})";
}

void policy_match(benchmark::State& state) {
  const auto parsed = aalgate::parse_config(hundred_rule_config());
  if (!parsed) {
    state.SkipWithError(("the 100-rule config is invalid: " + parsed.error().code).c_str());
    return;
  }
  const aalgate::Config& routed = parsed.value();
  constexpr std::string_view url = "https://app.example.com/public/page-99?from=newsletter";
  const auto first = aalgate::requirement_for(routed, "GET", url);
  if (!first || first.value().rule != std::optional<std::size_t>(99)) {
    state.SkipWithError("the request does not match the last rule");
    return;
  }
  for (auto _ : state) {
    auto route = aalgate::requirement_for(routed, "GET", url);
    benchmark::DoNotOptimize(route);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::string bodies_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, 9) == "--bodies=") {
      bodies_dir = std::string(arg.substr(9));
    } else {
      std::fprintf(stderr, "aalgate_bench: unknown argument %s (expected --bodies=DIR)\n", argv[i]);
      return 2;
    }
  }
  const std::vector<Body> bodies = read_bodies(bodies_dir);
  if (bodies.empty()) {
    std::fprintf(stderr, "aalgate_bench: no *.json body in %s\n", bodies_dir.c_str());
    return 2;
  }
  for (const Body& body : bodies) {
    benchmark::RegisterBenchmark(("json_parse/" + body.name).c_str(), json_parse, body.text);
    benchmark::RegisterBenchmark(("decide_text/" + body.name).c_str(), decide_text, body.text);
  }
  benchmark::RegisterBenchmark("login_url/step_up", login_url);
  benchmark::RegisterBenchmark("policy_match/100_rules", policy_match);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
