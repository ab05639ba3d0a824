#pragma once
/// @file libc_numbers.hpp
/// @brief The C library's number conversions that nlohmann/json's lexer calls, written for the
/// Wasm module's size (DESIGN.md, "Size"): musl's strtod reads through long double (software
/// 128-bit arithmetic in Wasm) and its snprintf links the floating-point printf, about 15 KB of
/// code for a lexer that reads JSON numbers and writes one "<U+%.4X>" into an error message.
///
/// aalgate_core links wasm/libc_numbers.cpp with `-Wl,--wrap=strtod,--wrap=strtoll,...`
/// (CMakeLists.txt): every reference to these libc functions in the module (nlohmann's lexer;
/// libc++'s std::stod/std::to_string(double), which nothing calls) resolves to the `__wrap_`
/// functions below, so musl's versions are never linked. Natively and in the Wasm test build
/// nothing is wrapped: tests/cpp/libc_numbers_test.cpp compares these functions with the C
/// library's (glibc natively, musl in Wasm) bit for bit.
///
/// What they read:
/// - strtod: C's syntax (leading white space, a sign, decimal digits with an optional point and
///   exponent, "inf", "infinity", "nan", "nan(chars)"), correctly rounded to nearest-even as glibc
///   and musl round, any number of digits and any exponent; ±HUGE_VAL and ERANGE on overflow, ±0
///   and ERANGE when a non-zero number underflows to zero. Hexadecimal floats ("0x1p3") are not
///   recognised: the "0" before the x is read, as C89's strtod reads it (nlohmann never passes
///   one: it calls strtod on JSON numbers only).
/// - strtoll/strtoull: C's, every base (0, 2 to 36).
/// - snprintf: the integer conversions only (flags "-+ #0", width and precision, also as `*`,
///   length modifiers hh h l ll j z t; d i u o x X c s p %). A floating-point conversion (f e g a)
///   or an unknown one traps: the module never formats a floating-point number with printf.

#include <cstdarg>
#include <cstddef>

namespace aalgate::wasm_libc {

[[nodiscard]] double strtod(const char* text, char** end) noexcept;
[[nodiscard]] long long strtoll(const char* text, char** end, int base) noexcept;
[[nodiscard]] unsigned long long strtoull(const char* text, char** end, int base) noexcept;
int vsnprintf(char* out, std::size_t size, const char* format, std::va_list args) noexcept;
int snprintf(char* out, std::size_t size, const char* format, ...) noexcept;

}  // namespace aalgate::wasm_libc
