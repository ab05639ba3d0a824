// Deciding from whoami text, against the baseline of only parsing that text with nlohmann/json
// (the floor for a DOM-based decision). Run with `npm run bench`; read the ratio, not the time.
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "aalgate/aalgate.hpp"

namespace {

std::string fixture(const char* name) {
  std::ifstream in(std::string(AALGATE_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string& whoami_text() {
  static const std::string text = fixture("real-whoami-200-aal1-cookie.json");
  return text;
}

void BM_baseline_json_parse(benchmark::State& state) {
  const std::string& text = whoami_text();
  for (auto _ : state) {
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_baseline_json_parse);

void BM_decide_from_text(benchmark::State& state) {
  const std::string& text = whoami_text();
  const auto config = aalgate::parse_config(R"({"baseUrl":"https://auth.example.com"})");
  const auto requirement = aalgate::parse_requirement(
      R"({"aal":"aal2","maxAge":"10m","returnTo":"https://app.example.com/pay","now":1675440000000})",
      config.value());
  for (auto _ : state) {
    auto decision = aalgate::decide(config.value(), {true, 200, text}, requirement.value());
    benchmark::DoNotOptimize(decision);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_decide_from_text);

void BM_parse_requirement(benchmark::State& state) {
  const auto config = aalgate::parse_config(R"({"baseUrl":"https://auth.example.com"})");
  for (auto _ : state) {
    auto requirement = aalgate::parse_requirement(
        R"({"aal":"aal2","maxAge":"10m","returnTo":"https://app.example.com/pay","now":1675440000000})",
        config.value());
    benchmark::DoNotOptimize(requirement);
  }
}
BENCHMARK(BM_parse_requirement);

}  // namespace

BENCHMARK_MAIN();
