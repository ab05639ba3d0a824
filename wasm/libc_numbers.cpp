// The C library's number conversions for the Wasm module (libc_numbers.hpp says why and what).
// strtod follows Go's strconv (atof.go, decimal.go): Clinger's fast path when the digits and the
// power of ten are both exact doubles, otherwise an exact decimal of up to 800 digits shifted by
// powers of two and rounded once, to nearest-even (correct for any input: 800 digits are more
// than the 767 significant digits a double's halfway point can have, and a dropped non-zero
// digit is remembered for the halfway case).
#include "libc_numbers.hpp"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace aalgate::wasm_libc {

namespace {

bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
int lower(char c) { return static_cast<unsigned char>(c) | 0x20; }

// Whether `text` starts with `word` (lowercase letters), ignoring case.
bool starts_with(const char* text, const char* word) {
  for (; *word != '\0'; ++text, ++word) {
    if (lower(*text) != *word) return false;
  }
  return true;
}

// --- strtod ---

constexpr int kMaxDigits = 800;
constexpr int kMaxShift = 60;  // 9 << 60 and 10 << 60 fit in 64 bits

// 0.digits[0]digits[1]... × 10^point, digits as values 0-9, no trailing zeros.
struct Decimal {
  std::uint8_t digits[kMaxDigits];
  int count = 0;
  int point = 0;
  bool truncated = false;  // a non-zero digit after digits[kMaxDigits - 1] was dropped
};

void trim(Decimal& d) {
  while (d.count > 0 && d.digits[d.count - 1] == 0) --d.count;
  if (d.count == 0) d.point = 0;
}

// d /= 2^k, k <= kMaxShift (Go's rightShift).
void right_shift(Decimal& d, int k) {
  int r = 0;
  int w = 0;
  std::uint64_t n = 0;
  for (; (n >> k) == 0; ++r) {
    if (r >= d.count) {
      if (n == 0) {
        d.count = 0;
        return;
      }
      while ((n >> k) == 0) {
        n *= 10;
        ++r;
      }
      break;
    }
    n = n * 10 + d.digits[r];
  }
  d.point -= r - 1;
  const std::uint64_t mask = (std::uint64_t{1} << k) - 1;
  for (; r < d.count; ++r) {
    const std::uint64_t next = d.digits[r];
    d.digits[w++] = static_cast<std::uint8_t>(n >> k);
    n = (n & mask) * 10 + next;
  }
  while (n > 0) {
    const std::uint64_t digit = n >> k;
    n &= mask;
    if (w < kMaxDigits) {
      d.digits[w++] = static_cast<std::uint8_t>(digit);
    } else if (digit > 0) {
      d.truncated = true;
    }
    n *= 10;
  }
  d.count = w;
  trim(d);
}

// d *= 2^k, k <= kMaxShift: from the last digit up, the carry's digits in front.
void left_shift(Decimal& d, int k) {
  constexpr int kRoom = kMaxDigits + 20;  // a carry below 2^60 has at most 19 digits
  std::uint8_t out[kRoom];
  int w = kRoom;
  std::uint64_t carry = 0;
  for (int r = d.count - 1; r >= 0; --r) {
    const std::uint64_t n = (std::uint64_t{d.digits[r]} << k) + carry;
    out[--w] = static_cast<std::uint8_t>(n % 10);
    carry = n / 10;
  }
  for (; carry > 0; carry /= 10) out[--w] = static_cast<std::uint8_t>(carry % 10);
  const int total = kRoom - w;
  const int kept = total < kMaxDigits ? total : kMaxDigits;
  for (int i = kept; i < total; ++i) {
    if (out[w + i] != 0) d.truncated = true;
  }
  std::memcpy(d.digits, out + w, static_cast<std::size_t>(kept));
  d.point += total - d.count;
  d.count = kept;
  trim(d);
}

void shift(Decimal& d, int k) {
  if (d.count == 0) return;
  for (; k > kMaxShift; k -= kMaxShift) left_shift(d, kMaxShift);
  for (; k < -kMaxShift; k += kMaxShift) right_shift(d, kMaxShift);
  if (k > 0) left_shift(d, k);
  if (k < 0) right_shift(d, -k);
}

// Whether d rounds up at digit `at` (to nearest, ties to even; a truncated tie is above it).
bool should_round_up(const Decimal& d, int at) {
  if (at < 0 || at >= d.count) return false;
  if (d.digits[at] == 5 && at + 1 == d.count) {
    if (d.truncated) return true;
    return at > 0 && d.digits[at - 1] % 2 == 1;
  }
  return d.digits[at] >= 5;
}

std::uint64_t rounded_integer(const Decimal& d) {
  if (d.point > 20) return ~std::uint64_t{0};
  std::uint64_t n = 0;
  int i = 0;
  for (; i < d.point && i < d.count; ++i) n = n * 10 + d.digits[i];
  for (; i < d.point; ++i) n *= 10;
  if (should_round_up(d, d.point)) ++n;
  return n;
}

constexpr int kMantissaBits = 52;
constexpr int kExponentBits = 11;
constexpr int kBias = -1023;

// The double nearest to d (d.count > 0, -330 <= d.point <= 310), as Go's decimal.floatBits;
// *overflow when it is infinite.
std::uint64_t double_bits(Decimal& d, bool* overflow) {
  static constexpr int kPowers[] = {1, 3, 6, 9, 13, 16, 19, 23, 26};  // 10^i < 2^kPowers[i]
  constexpr int kTableSize = static_cast<int>(sizeof kPowers / sizeof kPowers[0]);
  int exponent = 0;
  // Scale by powers of two into [0.5, 1).
  while (d.point > 0) {
    const int n = d.point >= kTableSize ? 27 : kPowers[d.point];
    shift(d, -n);
    exponent += n;
  }
  while (d.point < 0 || (d.point == 0 && d.digits[0] < 5)) {
    const int n = -d.point >= kTableSize ? 27 : kPowers[-d.point];
    shift(d, n);
    exponent -= n;
  }
  --exponent;                  // [0.5, 1) to [1, 2)
  if (exponent < kBias + 1) {  // subnormal
    const int n = kBias + 1 - exponent;
    shift(d, -n);
    exponent += n;
  }
  constexpr int kMaxExponent = (1 << kExponentBits) - 1;
  *overflow = exponent - kBias >= kMaxExponent;
  std::uint64_t mantissa = 0;
  if (!*overflow) {
    shift(d, 1 + kMantissaBits);
    mantissa = rounded_integer(d);
    if (mantissa == std::uint64_t{2} << kMantissaBits) {  // rounding carried into a new bit
      mantissa >>= 1;
      ++exponent;
      *overflow = exponent - kBias >= kMaxExponent;
    }
    if ((mantissa & (std::uint64_t{1} << kMantissaBits)) == 0) exponent = kBias;  // subnormal
  }
  if (*overflow) {
    mantissa = 0;
    exponent = kMaxExponent + kBias;
  }
  return (mantissa & ((std::uint64_t{1} << kMantissaBits) - 1)) |
         (static_cast<std::uint64_t>(exponent - kBias) << kMantissaBits);
}

double from_bits(std::uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Clinger's fast path: m × 10^e when m < 2^53 and the product needs one rounding only.
bool exact_double(std::uint64_t m, int e, double* value) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if ((m >> 53) != 0) return false;
  double f = static_cast<double>(m);
  if (e >= 0 && e <= 15 + 22) {
    if (e > 22) {  // 123e30 = 123000000e22, exact while below 10^15
      f *= kPow10[e - 22];
      e = 22;
      if (f > 1e15) return false;
    }
    *value = f * kPow10[e];
    return true;
  }
  if (e < 0 && e >= -22) {
    *value = f / kPow10[-e];
    return true;
  }
  return false;
}

double signed_value(bool negative, double magnitude) { return negative ? -magnitude : magnitude; }

// --- strtoll, strtoull ---

int digit_value(char c) {
  if (is_digit(c)) return c - '0';
  const int letter = lower(c);
  if (letter >= 'a' && letter <= 'z') return letter - 'a' + 10;
  return 36;
}

// C's integer syntax: the magnitude (*overflow when it exceeds unsigned long long).
unsigned long long scan_integer(const char* text, char** end, int base, bool* negative,
                                bool* overflow) {
  const char* s = text;
  *negative = false;
  *overflow = false;
  if (base < 0 || base == 1 || base > 36) {
    errno = EINVAL;
    if (end != nullptr) *end = const_cast<char*>(text);
    return 0;
  }
  while (is_space(*s)) ++s;
  if (*s == '+' || *s == '-') *negative = *s++ == '-';
  if ((base == 0 || base == 16) && s[0] == '0' && lower(s[1]) == 'x' && digit_value(s[2]) < 16) {
    s += 2;
    base = 16;
  } else if (base == 0) {
    base = s[0] == '0' ? 8 : 10;
  }
  const auto radix = static_cast<unsigned long long>(base);
  unsigned long long value = 0;
  const char* digits = s;
  for (int digit; (digit = digit_value(*s)) < base; ++s) {
    const auto v = static_cast<unsigned long long>(digit);
    if (value > (ULLONG_MAX - v) / radix) {
      *overflow = true;
    } else {
      value = value * radix + v;
    }
  }
  if (end != nullptr) *end = const_cast<char*>(s == digits ? text : s);
  return value;
}

// --- snprintf ---

struct Output {
  char* out;
  std::size_t room;  // characters that fit before the terminating NUL
  std::size_t count = 0;
  void put(char c) {
    if (count < room) out[count] = c;
    ++count;
  }
  void repeat(char c, int n) {
    for (; n > 0; --n) put(c);
  }
};

enum Flag : unsigned { kLeft = 1, kPlus = 2, kSpace = 4, kAlternate = 8, kZero = 16 };

}  // namespace

double strtod(const char* text, char** end) noexcept {
  const char* s = text;
  while (is_space(*s)) ++s;
  bool negative = false;
  if (*s == '+' || *s == '-') negative = *s++ == '-';
  if (starts_with(s, "inf")) {
    s += starts_with(s + 3, "inity") ? 8 : 3;
    if (end != nullptr) *end = const_cast<char*>(s);
    return signed_value(negative, std::numeric_limits<double>::infinity());
  }
  if (starts_with(s, "nan")) {
    s += 3;
    if (*s == '(') {
      const char* p = s + 1;
      while (is_digit(*p) || (lower(*p) >= 'a' && lower(*p) <= 'z') || *p == '_') ++p;
      if (*p == ')') s = p + 1;
    }
    if (end != nullptr) *end = const_cast<char*>(s);
    return signed_value(negative, std::numeric_limits<double>::quiet_NaN());
  }

  Decimal d;
  bool saw_digit = false;
  bool saw_point = false;
  std::int64_t significant = 0;  // digits from the first non-zero one, stored or not
  std::int64_t point = 0;
  for (;; ++s) {
    if (*s == '.' && !saw_point) {
      saw_point = true;
      point = significant;
      continue;
    }
    if (!is_digit(*s)) break;
    saw_digit = true;
    if (*s == '0' && significant == 0) {  // a leading zero
      if (saw_point) --point;
      continue;
    }
    if (d.count < kMaxDigits) {
      d.digits[d.count++] = static_cast<std::uint8_t>(*s - '0');
    } else if (*s != '0') {
      d.truncated = true;
    }
    ++significant;
  }
  if (!saw_digit) {
    if (end != nullptr) *end = const_cast<char*>(text);
    return 0;
  }
  if (!saw_point) point = significant;
  if (lower(*s) == 'e') {
    const char* p = s + 1;
    const bool negative_exponent = *p == '-';
    if (*p == '+' || *p == '-') ++p;
    if (is_digit(*p)) {
      std::int64_t exponent = 0;
      for (; is_digit(*p); ++p) {
        if (exponent < 100000000000000000) exponent = exponent * 10 + (*p - '0');  // saturates
      }
      point += negative_exponent ? -exponent : exponent;
      s = p;
    }
  }
  if (end != nullptr) *end = const_cast<char*>(s);

  trim(d);
  if (d.count == 0) return signed_value(negative, 0.0);
  if (point > 310) {
    errno = ERANGE;
    return signed_value(negative, std::numeric_limits<double>::infinity());
  }
  if (point < -330) {
    errno = ERANGE;
    return signed_value(negative, 0.0);
  }
  d.point = static_cast<int>(point);
  if (!d.truncated && d.count <= 19) {
    std::uint64_t m = 0;
    for (int i = 0; i < d.count; ++i) m = m * 10 + d.digits[i];
    double value;
    if (exact_double(m, d.point - d.count, &value)) return signed_value(negative, value);
  }
  bool overflow = false;
  const double value = from_bits(double_bits(d, &overflow));
  if (overflow || value == 0) errno = ERANGE;
  return signed_value(negative, value);
}

unsigned long long strtoull(const char* text, char** end, int base) noexcept {
  bool negative;
  bool overflow;
  const unsigned long long value = scan_integer(text, end, base, &negative, &overflow);
  if (overflow) {
    errno = ERANGE;
    return ULLONG_MAX;
  }
  return negative ? 0 - value : value;
}

long long strtoll(const char* text, char** end, int base) noexcept {
  bool negative;
  bool overflow;
  const unsigned long long value = scan_integer(text, end, base, &negative, &overflow);
  const auto limit = static_cast<unsigned long long>(LLONG_MAX) + (negative ? 1 : 0);
  if (overflow || value > limit) {
    errno = ERANGE;
    return negative ? LLONG_MIN : LLONG_MAX;
  }
  if (!negative) return static_cast<long long>(value);
  return value == limit ? LLONG_MIN : -static_cast<long long>(value);
}

int vsnprintf(char* out, std::size_t size, const char* format, std::va_list args) noexcept {
  Output o{out, size > 0 ? size - 1 : 0};
  for (const char* f = format; *f != '\0'; ++f) {
    if (*f != '%') {
      o.put(*f);
      continue;
    }
    ++f;
    unsigned flags = 0;
    for (;; ++f) {
      if (*f == '-') {
        flags |= kLeft;
      } else if (*f == '+') {
        flags |= kPlus;
      } else if (*f == ' ') {
        flags |= kSpace;
      } else if (*f == '#') {
        flags |= kAlternate;
      } else if (*f == '0') {
        flags |= kZero;
      } else {
        break;
      }
    }
    int width = 0;
    if (*f == '*') {
      width = va_arg(args, int);
      if (width < 0) {
        flags |= kLeft;
        width = -width;
      }
      ++f;
    }
    for (; is_digit(*f); ++f) width = width * 10 + (*f - '0');
    int precision = -1;
    if (*f == '.') {
      ++f;
      precision = 0;
      if (*f == '*') {
        precision = va_arg(args, int);
        if (precision < 0) precision = -1;
        ++f;
      }
      for (; is_digit(*f); ++f) precision = precision * 10 + (*f - '0');
    }
    // The argument's size: 'H' char, 'h' short, 'i' int, 'l' long, 'L' long long, 'j' intmax_t,
    // 'z' size_t, 't' ptrdiff_t.
    char size_of = 'i';
    if (*f == 'h') {
      size_of = *++f == 'h' ? (++f, 'H') : 'h';
    } else if (*f == 'l') {
      size_of = *++f == 'l' ? (++f, 'L') : 'l';
    } else if (*f == 'j' || *f == 'z' || *f == 't') {
      size_of = *f++;
    }
    const char conversion = *f;
    if (conversion == '%') {
      o.put('%');
      continue;
    }
    if (conversion == 'c' || conversion == 's') {
      char c = 0;
      const char* text = &c;
      std::size_t length = 1;
      if (conversion == 'c') {
        c = static_cast<char>(va_arg(args, int));
      } else {
        text = va_arg(args, const char*);
        if (text == nullptr) text = "(null)";
        length = 0;
        while ((precision < 0 || length < static_cast<std::size_t>(precision)) &&
               text[length] != '\0') {
          ++length;
        }
      }
      const int padding = width - static_cast<int>(length);
      if ((flags & kLeft) == 0) o.repeat(' ', padding);
      for (std::size_t i = 0; i < length; ++i) o.put(text[i]);
      if ((flags & kLeft) != 0) o.repeat(' ', padding);
      continue;
    }
    unsigned base = 10;
    bool is_signed = false;
    const char* digit_chars = "0123456789abcdef";
    if (conversion == 'd' || conversion == 'i') {
      is_signed = true;
    } else if (conversion == 'o') {
      base = 8;
    } else if (conversion == 'x' || conversion == 'p') {
      base = 16;
    } else if (conversion == 'X') {
      base = 16;
      digit_chars = "0123456789ABCDEF";
    } else if (conversion != 'u') {
      __builtin_trap();  // a floating-point or unknown conversion (libc_numbers.hpp)
    }
    std::uintmax_t value = 0;
    bool negative = false;
    if (conversion == 'p') {
      value = reinterpret_cast<std::uintptr_t>(va_arg(args, void*));
      // musl's %p: %#x with at least 2 × sizeof(void*) digits.
      flags |= kAlternate;
      if (precision < static_cast<int>(2 * sizeof(void*))) {
        precision = static_cast<int>(2 * sizeof(void*));
      }
    } else if (is_signed) {
      std::intmax_t v = 0;
      switch (size_of) {
        case 'H':
          v = static_cast<signed char>(va_arg(args, int));
          break;
        case 'h':
          v = static_cast<short>(va_arg(args, int));
          break;
        case 'l':
          v = va_arg(args, long);
          break;
        case 'L':
          v = va_arg(args, long long);
          break;
        case 'j':
          v = va_arg(args, std::intmax_t);
          break;
        case 'z':
        case 't':
          v = va_arg(args, std::ptrdiff_t);
          break;
        default:
          v = va_arg(args, int);
          break;
      }
      negative = v < 0;
      value = negative ? 0 - static_cast<std::uintmax_t>(v) : static_cast<std::uintmax_t>(v);
    } else {
      switch (size_of) {
        case 'H':
          value = static_cast<unsigned char>(va_arg(args, unsigned));
          break;
        case 'h':
          value = static_cast<unsigned short>(va_arg(args, unsigned));
          break;
        case 'l':
          value = va_arg(args, unsigned long);
          break;
        case 'L':
          value = va_arg(args, unsigned long long);
          break;
        case 'j':
          value = va_arg(args, std::uintmax_t);
          break;
        case 'z':
        case 't':
          value = va_arg(args, std::size_t);
          break;
        default:
          value = va_arg(args, unsigned);
          break;
      }
    }
    char digits[32];
    int count = 0;
    for (std::uintmax_t v = value; v != 0; v /= base) digits[count++] = digit_chars[v % base];
    if (precision < 0)
      precision = 1;  // "0" for zero, nothing for %.0d of zero
    else
      flags &= ~static_cast<unsigned>(kZero);
    if (base == 8 && (flags & kAlternate) != 0 && precision <= count) precision = count + 1;
    const int zeros = precision > count ? precision - count : 0;
    char prefix[2];
    int prefix_length = 0;
    if (negative) {
      prefix[prefix_length++] = '-';
    } else if (is_signed && (flags & kPlus) != 0) {
      prefix[prefix_length++] = '+';
    } else if (is_signed && (flags & kSpace) != 0) {
      prefix[prefix_length++] = ' ';
    } else if (base == 16 && (flags & kAlternate) != 0 && value != 0) {
      prefix[prefix_length++] = '0';
      prefix[prefix_length++] = conversion == 'X' ? 'X' : 'x';
    }
    const int padding = width - prefix_length - zeros - count;
    if ((flags & (kLeft | kZero)) == 0) o.repeat(' ', padding);
    for (int i = 0; i < prefix_length; ++i) o.put(prefix[i]);
    if ((flags & (kLeft | kZero)) == kZero) o.repeat('0', padding);
    o.repeat('0', zeros);
    while (count > 0) o.put(digits[--count]);
    if ((flags & kLeft) != 0) o.repeat(' ', padding);
  }
  if (size > 0) out[o.count < o.room ? o.count : o.room] = '\0';
  return o.count > INT_MAX ? -1 : static_cast<int>(o.count);
}

int snprintf(char* out, std::size_t size, const char* format, ...) noexcept {
  std::va_list args;
  va_start(args, format);
  const int length = vsnprintf(out, size, format, args);
  va_end(args);
  return length;
}

}  // namespace aalgate::wasm_libc

// The module's libc functions, through -Wl,--wrap (CMakeLists.txt); unused elsewhere.
extern "C" {
double __wrap_strtod(const char* text, char** end) { return aalgate::wasm_libc::strtod(text, end); }
long long __wrap_strtoll(const char* text, char** end, int base) {
  return aalgate::wasm_libc::strtoll(text, end, base);
}
unsigned long long __wrap_strtoull(const char* text, char** end, int base) {
  return aalgate::wasm_libc::strtoull(text, end, base);
}
int __wrap_snprintf(char* out, std::size_t size, const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  const int length = aalgate::wasm_libc::vsnprintf(out, size, format, args);
  va_end(args);
  return length;
}
int __wrap_siprintf(char* out, const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  const int length = aalgate::wasm_libc::vsnprintf(out, INT_MAX, format, args);
  va_end(args);
  return length;
}
}
