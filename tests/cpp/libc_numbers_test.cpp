// wasm/libc_numbers.cpp, the Wasm module's strtod/strtoll/strtoull/snprintf, against the C
// library's (glibc natively, musl in the Wasm test build): the same bits, the same end, ERANGE
// on overflow, on edge cases and on many generated inputs (fixed seeds).
#include "libc_numbers.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

namespace libc = aalgate::wasm_libc;

std::uint64_t bits_of(double value) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

double from_bits(std::uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Compares libc::strtod with std::strtod on `text`; a failure names the text.
void expect_same_strtod(const std::string& text) {
  char* expected_end = nullptr;
  errno = 0;
  const double expected = std::strtod(text.c_str(), &expected_end);
  const bool expected_overflow = errno == ERANGE && std::isinf(expected);
  char* end = nullptr;
  errno = 0;
  const double actual = libc::strtod(text.c_str(), &end);
  const bool overflow = errno == ERANGE && std::isinf(actual);
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << text;  // NaN payloads are not compared
#ifdef __GLIBC__  // musl's "-nan" is positive; these functions read the sign as glibc does
    EXPECT_EQ(std::signbit(expected), std::signbit(actual)) << text;
#endif
  } else {
    EXPECT_EQ(bits_of(expected), bits_of(actual))
        << text << "\n expected " << expected << ", got " << actual;
  }
  EXPECT_EQ(expected_end - text.c_str(), end - text.c_str()) << text;
  EXPECT_EQ(expected_overflow, overflow) << text;
}

// The exact decimal expansion of m × 2^exponent.
std::string exact_decimal(std::uint64_t m, int exponent) {
  std::vector<int> digits;  // least significant first
  for (; m != 0; m /= 10) digits.push_back(static_cast<int>(m % 10));
  if (digits.empty()) return "0";
  const auto multiply = [&digits](int factor) {
    int carry = 0;
    for (int& d : digits) {
      const int n = d * factor + carry;
      d = n % 10;
      carry = n / 10;
    }
    for (; carry != 0; carry /= 10) digits.push_back(carry % 10);
  };
  int fraction_digits = 0;
  for (int i = 0; i < exponent; ++i) multiply(2);
  for (int i = exponent; i < 0; ++i) {  // m / 2^k = m × 5^k / 10^k
    multiply(5);
    ++fraction_digits;
  }
  while (static_cast<int>(digits.size()) <= fraction_digits) digits.push_back(0);
  std::string text;
  for (auto i = digits.size(); i-- > 0;) {
    text += static_cast<char>('0' + digits[i]);
    if (fraction_digits > 0 && static_cast<int>(i) == fraction_digits) text += '.';
  }
  return text;
}

// The exact decimal of the point halfway between a finite positive double and the next one up.
std::string halfway_above(double value) {
  const std::uint64_t bits = bits_of(value);
  const int biased = static_cast<int>(bits >> 52);
  std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
  int exponent = -1074;
  if (biased != 0) {
    mantissa |= std::uint64_t{1} << 52;
    exponent = biased - 1075;
  }
  return exact_decimal(2 * mantissa + 1, exponent - 1);
}

TEST(LibcNumbers, strtod_matches_on_edge_cases) {
  const char* const cases[] = {
      "0",
      "-0",
      "0.0",
      "-0.0",
      "0e0",
      "0e-999999999999",
      "0e999999999999",
      "000.000e5",
      "1",
      "-1",
      "1.0",
      "10",
      "1e0",
      "1E+2",
      "1e-2",
      "0.1",
      "0.2",
      "0.3",
      "0.7",
      "3.14159",
      "100",
      "123456789",
      "1e22",
      "1e23",
      "1e-22",
      "1e-23",
      "9007199254740992",
      "9007199254740993",
      "9007199254740994",
      "9007199254740995",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775809",
      "123456789012345678",
      "1234567890123456789",
      "12345678901234567890",
      "99999999999999999999",
      "0.000000000000000000001",
      "1.7976931348623157e308",
      "1.7976931348623158e308",
      "1.7976931348623159e308",
      "-1.7976931348623159e308",
      "1e308",
      "1e309",
      "1e400",
      "-1e400",
      "1e999999999999999999999",
      "2.2250738585072011e-308",
      "2.2250738585072012e-308",
      "2.2250738585072014e-308",
      "2.2250738585072009e-308",
      "4.9406564584124654e-324",
      "4.9e-324",
      "5e-324",
      "3e-324",
      "2.4703282292062327e-324",
      "2.4703282292062328e-324",
      "2.5e-324",
      "1e-324",
      "1e-400",
      "-1e-400",
      "1e-999999999999999999999",
      "8.98846567431158e307",
      "4.940656458412e-324",
      "1.00000000000000011102230246251565404236316680908203125",
      "1.00000000000000011102230246251565404236316680908203124",
      "1.00000000000000011102230246251565404236316680908203126",
      "0.500000000000000166533453693773481063544750213623046875",
      "7.3177701707893310e+15",
      "1.448997445238699",
      // C's syntax around the digits (nlohmann never passes these; strtod reads them).
      "",
      " ",
      "-",
      "+",
      ".",
      "-.",
      ".5",
      "5.",
      "+5",
      " \t\n\v\f\r42",
      "1e",
      "1e+",
      "1e-",
      "1ex",
      "1.5.5",
      "1..5",
      "..5",
      "1e5e5",
      "12abc",
      "inf",
      "-inf",
      "INF",
      "Infinity",
      "-infinity",
      "infinit",
      "infx",
      "nan",
      "-nan",
      "NaN",
      "nan()",
      "nan(abc_1)",
      "nan(",
      "nan(a b)",
      "in",
      "na",
      "x1",
      "\xC2\xA0"
      "1",
  };
  for (const char* text : cases) expect_same_strtod(text);
  // 2^1024 - 2^970, halfway between the largest double and 2^1024: overflows, as does anything
  // above it; anything below rounds to the largest double.
  const std::string overflow_tie = exact_decimal((std::uint64_t{1} << 54) - 1, 970);
  expect_same_strtod(overflow_tie);
  expect_same_strtod(overflow_tie + ".0000000000000000000000000000001");
  expect_same_strtod(overflow_tie.substr(0, overflow_tie.size() - 1) + "1");
  expect_same_strtod(overflow_tie.substr(0, 30) + "e" + std::to_string(overflow_tie.size() - 30));
}

TEST(LibcNumbers, strtod_matches_on_halfway_points_and_neighbours) {
  std::mt19937_64 random(20261204);
  std::vector<double> values = {1.0,
                                0.5,
                                3.0,
                                1e22,
                                1e23,
                                9007199254740992.0,
                                from_bits(1),                    // the smallest subnormal
                                from_bits(0x000FFFFFFFFFFFFF),   // the largest subnormal
                                from_bits(0x0010000000000000),   // the smallest normal
                                from_bits(0x7FEFFFFFFFFFFFFE),   // below the largest
                                from_bits(0x7FEFFFFFFFFFFFFF)};  // the largest
  for (int i = 0; i < 300; ++i) {
    double value;
    do {
      value = from_bits(random() & 0x7FFFFFFFFFFFFFFF);
    } while (!std::isfinite(value));
    values.push_back(value);
  }
  for (int i = 0; i < 60; ++i) values.push_back(from_bits(random() % 0x0010000000000000));
  const std::string zeros(1000, '0');
  for (const double value : values) {
    const std::string half = halfway_above(value);
    const std::string fraction_of_half = half.find('.') == std::string::npos ? "." : "";
    expect_same_strtod(half);  // a tie: to even
    expect_same_strtod(half + fraction_of_half + zeros +
                       "1");  // just above, the 1 beyond 800 digits
    expect_same_strtod("-" + half + fraction_of_half + zeros);
    // Truncated (just below) at a few lengths, and as x.yyyyE-n.
    for (std::size_t length : {2, 10, 17, 18, 19, 20, 21, 40, 100, 400, 767, 768, 800, 801}) {
      if (length < half.size()) expect_same_strtod(half.substr(0, length));
    }
    const std::size_t point = half.find('.');
    if (point != std::string::npos) {
      // Leading zeros moved into the exponent: "0.000123" -> "123e-6".
      std::string digits = half.substr(0, point) + half.substr(point + 1);
      const std::size_t first = digits.find_first_not_of('0');
      const auto fraction = static_cast<long>(half.size() - point - 1);
      expect_same_strtod(digits.substr(first) + "e-" + std::to_string(fraction));
      expect_same_strtod(digits.substr(first) + "9e-" + std::to_string(fraction + 1));
    }
  }
}

TEST(LibcNumbers, strtod_matches_on_random_decimals) {
  std::mt19937_64 random(42);
  const auto pick = [&random](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  char buffer[64];
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    if (pick(0, 1) == 0) text += '-';
    const int count = pick(1, 25);
    for (int d = 0; d < count; ++d) text += static_cast<char>('0' + pick(d == 0 ? 1 : 0, 9));
    if (pick(0, 2) == 0) text.insert(static_cast<std::size_t>(pick(1, count)), ".");
    if (pick(0, 3) != 0) text += "e" + std::to_string(pick(-360, 330));
    expect_same_strtod(text);
    // What a printer writes for a random double, with 1 to 20 digits.
    double value;
    do {
      value = from_bits(random());
    } while (!std::isfinite(value));
    std::snprintf(buffer, sizeof buffer, "%.*e", pick(0, 19), value);
    expect_same_strtod(buffer);
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    expect_same_strtod(buffer);
    if (::testing::Test::HasFailure()) return;
  }
}

void expect_same_integers(const std::string& text, int base) {
  char* expected_end = nullptr;
  errno = 0;
  const long long expected = std::strtoll(text.c_str(), &expected_end, base);
  const int expected_errno = errno;
  char* end = nullptr;
  errno = 0;
  const long long actual = libc::strtoll(text.c_str(), &end, base);
  EXPECT_EQ(expected, actual) << text << " base " << base;
  EXPECT_EQ(expected_end - text.c_str(), end - text.c_str()) << text << " base " << base;
  EXPECT_EQ(expected_errno == ERANGE, errno == ERANGE) << text << " base " << base;

  errno = 0;
  const unsigned long long expected_unsigned = std::strtoull(text.c_str(), &expected_end, base);
  const int expected_unsigned_errno = errno;
  errno = 0;
  const unsigned long long actual_unsigned = libc::strtoull(text.c_str(), &end, base);
  EXPECT_EQ(expected_unsigned, actual_unsigned) << text << " base " << base;
  EXPECT_EQ(expected_end - text.c_str(), end - text.c_str()) << text << " base " << base;
  EXPECT_EQ(expected_unsigned_errno == ERANGE, errno == ERANGE) << text << " base " << base;
}

TEST(LibcNumbers, strtoll_and_strtoull_match) {
  const char* const cases[] = {"0",
                               "-0",
                               "+0",
                               "1",
                               "-1",
                               "42",
                               "007",
                               "9223372036854775807",
                               "9223372036854775808",
                               "-9223372036854775808",
                               "-9223372036854775809",
                               "18446744073709551615",
                               "18446744073709551616",
                               "-18446744073709551615",
                               "-18446744073709551616",
                               "99999999999999999999999999",
                               "-99999999999999999999999999",
                               "",
                               " ",
                               "-",
                               "+",
                               "+-1",
                               " \t\n42",
                               "12abc",
                               "0x1F",
                               "0X1f",
                               "-0x10",
                               "077",
                               "08",
                               "z",
                               "Zz",
                               "1e5",
                               "1.5"};
  for (const char* text : cases) {
    for (int base : {10, 0, 16, 8, 2, 36}) expect_same_integers(text, base);
  }
#ifdef __GLIBC__  // musl ends "0x" after the x; these functions after the 0, as glibc does
  for (const char* text : {"0x", "0xg", "-0x"}) {
    for (int base : {0, 16}) expect_same_integers(text, base);
  }
#endif
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text = (random() % 2 == 0) ? "-" : "";
    const auto count = 1 + random() % 21;
    for (std::uint64_t d = 0; d < count; ++d) text += static_cast<char>('0' + random() % 10);
    expect_same_integers(text, 10);
    if (::testing::Test::HasFailure()) return;
  }
}

template <typename... Args>
void expect_same_snprintf(std::size_t size, const char* format, Args... args) {
  char expected[128];
  char actual[128];
  std::memset(expected, 'x', sizeof expected);
  std::memset(actual, 'x', sizeof actual);
  const int expected_length = std::snprintf(expected, size, format, args...);
  const int actual_length = libc::snprintf(actual, size, format, args...);
  EXPECT_EQ(expected_length, actual_length) << format;
  EXPECT_EQ(0, std::memcmp(expected, actual, sizeof expected))
      << format << ": \"" << std::string(expected, size > 0 ? std::strlen(expected) : 0)
      << "\" != \"" << std::string(actual, size > 0 ? std::strlen(actual) : 0) << "\"";
}

TEST(LibcNumbers, snprintf_matches_on_integer_conversions) {
  // nlohmann's lexer: get_token_string's control characters.
  for (int c = 0; c <= 0x1F; ++c)
    expect_same_snprintf(9, "<U+%.4X>", static_cast<unsigned char>(c));
  expect_same_snprintf(100, "%d|%i|%u", INT_MIN, INT_MAX, UINT_MAX);
  expect_same_snprintf(100, "[%5d][%-5d][%05d][%+d][% d][%+05d][%-+5d]", 42, 42, -42, 42, 42, -7,
                       7);
  expect_same_snprintf(100, "[%x][%X][%#x][%#X][%#x][%o][%#o][%#o]", 255u, 255u, 255u, 255u, 0u, 8u,
                       8u, 0u);
  expect_same_snprintf(100, "[%.0d][%.0x][%#.0o][%.3d][%8.3d][%-8.3d][%08.3d]", 0, 0u, 0u, 7, -7, 7,
                       7);
  expect_same_snprintf(100, "[%lld][%llu][%llx][%ld][%lu]", LLONG_MIN, ULLONG_MAX, ULLONG_MAX,
                       LONG_MIN, ULONG_MAX);
  expect_same_snprintf(100, "[%hhd][%hhu][%hd][%hu][%zu][%td][%jd]", 300, 300, 70000, 70000,
                       static_cast<std::size_t>(123), static_cast<std::ptrdiff_t>(-5),
                       static_cast<std::intmax_t>(-9));
  expect_same_snprintf(100, "[%s][%.3s][%10s][%-10s][%c][%3c][%-3c][%%]", "text", "abcdef", "r",
                       "l", 'a', 'b', 'c');
  expect_same_snprintf(100, "[%*d][%-*d][%*d][%.*d][%.*d]", 6, 1, 6, 2, -6, 3, 4, 5, -1, 6);
  expect_same_snprintf(5, "%d and more", 123456);  // truncated: the full length is returned
  expect_same_snprintf(1, "%s", "abc");
  expect_same_snprintf(0, "%s", "abc");
}

TEST(LibcNumbersDeathTest, snprintf_refuses_floating_point) {
  char buffer[32];
  EXPECT_DEATH_IF_SUPPORTED(static_cast<void>(libc::snprintf(buffer, sizeof buffer, "%f", 1.5)),
                            "");
}

}  // namespace
