#include "aalgate/whoami_reader.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "aalgate/session_fields.hpp"
#include "aalgate/timestamp.hpp"

namespace aalgate {
namespace {

// json_fields::parse refuses a key named twice when its parser callback's depth is <= 3; a key's
// callback depth is its object's container depth + 1 (the root value is at depth 0).
constexpr std::size_t kDeepestCheckedObject = 2;

// The digits of 2^1024 - 2^970, halfway between DBL_MAX and 2^1024: strtod rounds a magnitude
// from there up (to even) to infinity, and nlohmann refuses a number that reads as infinite.
constexpr std::string_view kInfiniteFrom =
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977"
    "587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845"
    "817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559"
    "699508093042880177904174497792";
constexpr std::int64_t kInfiniteFromExponent = 308;  // kInfiniteFrom is 1.797...e308
constexpr std::int64_t kExponentCap = 1000000000;    // |exponents| read beyond this saturate

// What a byte starts inside a JSON string (nlohmann's lexer, scan_string: Unicode's
// well-formed UTF-8, no control character).
enum ByteClass : unsigned char {
  kPlain,      // 0x20..0x7F but '"' and '\\'
  kQuote,      // the closing '"'
  kBackslash,  // an escape
  kRefused,    // a control character, a continuation byte, C0, C1, F5..FF
  kLead2,      // C2..DF: one continuation byte
  kLeadE0,     // E0: A0..BF, then one continuation byte
  kLead3,      // E1..EC, EE, EF: two continuation bytes
  kLeadED,     // ED: 80..9F (no surrogates), then one continuation byte
  kLeadF0,     // F0: 90..BF, then two continuation bytes
  kLead4,      // F1..F3: three continuation bytes
  kLeadF4,     // F4: 80..8F (nothing above U+10FFFF), then two continuation bytes
};

constexpr std::array<unsigned char, 256> make_byte_classes() {
  std::array<unsigned char, 256> classes{};
  for (std::size_t b = 0; b < 256; ++b) {
    unsigned char c = kRefused;
    if (b >= 0x20 && b <= 0x7F) c = kPlain;
    if (b >= 0xC2 && b <= 0xDF) c = kLead2;
    if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) c = kLead3;
    if (b >= 0xF1 && b <= 0xF3) c = kLead4;
    classes[b] = c;
  }
  classes['"'] = kQuote;
  classes['\\'] = kBackslash;
  classes[0xE0] = kLeadE0;
  classes[0xED] = kLeadED;
  classes[0xF0] = kLeadF0;
  classes[0xF4] = kLeadF4;
  return classes;
}
constexpr std::array<unsigned char, 256> kByteClasses = make_byte_classes();

// How many of the 8 bytes of `word` (in memory order) continue a run of plain string bytes: none
// below 0x20, at or above 0x80, '"' or '\\'. The has-zero-byte tests never miss such a byte and
// flag none before the first (borrows only run upwards), so on a little-endian machine the lowest
// flag is the first; elsewhere a flagged word is read byte by byte.
unsigned plain_prefix(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const std::uint64_t quote = word ^ (kOnes * '"');
  const std::uint64_t backslash = word ^ (kOnes * '\\');
  const std::uint64_t flags = (((word - kOnes * 0x20) & ~word) | ((quote - kOnes) & ~quote) |
                               ((backslash - kOnes) & ~backslash) | word) &
                              kHighs;
  if (flags == 0) return 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return static_cast<unsigned>(__builtin_ctzll(flags)) / 8;
#else
  return 0;
#endif
}

template <typename Word>
Word load(const char* p) {
  Word word = 0;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// A hash of a key for the repeated-key table, 8 bytes at a time (the last word overlapping the
// one before: the length is in the seed); `object` tells the objects apart.
std::uint32_t key_hash(std::string_view key, std::uint32_t object) {
  constexpr std::uint64_t kMultiplier = 0xFF51AFD7ED558CCDULL;
  const char* p = key.data();
  const std::size_t n = key.size();
  std::uint64_t hash = (object + 1) * 0x9E3779B97F4A7C15ULL ^ n;
  const auto mix = [&hash](std::uint64_t word) {
    hash = (hash ^ word) * kMultiplier;
    hash ^= hash >> 32;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) mix(load<std::uint64_t>(p + i));
    mix(load<std::uint64_t>(p + n - 8));
  } else if (n >= 4) {
    mix(load<std::uint32_t>(p) | std::uint64_t{load<std::uint32_t>(p + n - 4)} << 32);
  } else if (n > 0) {
    const auto byte = [p](std::size_t i) {
      return std::uint64_t{static_cast<unsigned char>(p[i])};
    };
    mix(byte(0) << 16 | byte(n / 2) << 8 | byte(n - 1));
  }
  return static_cast<std::uint32_t>(hash ^ (hash >> 29));
}

bool is_digit(unsigned char c) { return static_cast<unsigned char>(c - '0') < 10; }

int hex_value(unsigned char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The member names either object reads; anything else is skipped.
enum class Field {
  other,
  active,
  expires_at,
  authenticated_at,
  authenticator_assurance_level,
  authentication_methods,
  method,
  aal,
  completed_at,
  error,
  id,
};

Field field_of(std::string_view key) {
  static constexpr std::pair<std::string_view, Field> kFields[] = {
      {"active", Field::active},
      {"expires_at", Field::expires_at},
      {"authenticated_at", Field::authenticated_at},
      {"authenticator_assurance_level", Field::authenticator_assurance_level},
      {"authentication_methods", Field::authentication_methods},
      {"method", Field::method},
      {"aal", Field::aal},
      {"completed_at", Field::completed_at},
      {"error", Field::error},
      {"id", Field::id},
  };
  for (const auto& [name, field] : kFields) {
    if (key == name) return field;
  }
  return Field::other;
}

// Text the reader found: a slice of the body, or of Scratch::unescaped for a string with escapes.
struct TextRef {
  std::size_t offset = 0;
  std::size_t size = 0;
  bool unescaped = false;
};

struct KeyEntry {
  TextRef key;
  std::uint32_t hash;
  std::uint32_t object;  ///< the checked object holding it, numbered in order of opening
};

// Buffers kept from one body to the next on a thread: once grown, a read allocates nothing.
struct Scratch {
  std::vector<unsigned char> open;   ///< containers open inside a skipped value: 1 object, 0 array
  std::string unescaped;             ///< the strings with escapes read so far, decoded
  std::vector<KeyEntry> keys;        ///< the keys of the checked objects read so far
  std::vector<std::uint32_t> slots;  ///< hash table over `keys`: index + 1, 0 when free
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

class Reader {
 public:
  Reader(std::string_view text, Scratch& scratch)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), s_(scratch) {
    s_.open.clear();
    s_.unescaped.clear();
    s_.keys.clear();
  }

  std::optional<Session> session();
  bool aal2_required_error();
  bool readable() {
    start();
    return skip_value(0) && finish();
  }
  /// Bytes read so far: after a failed read, where reading stopped.
  [[nodiscard]] std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }

 private:
  // The byte at p_, or 0 at the end: a NUL is refused wherever it stands, as the end is.
  [[nodiscard]] unsigned char cur() const {
    return p_ < end_ ? static_cast<unsigned char>(*p_) : 0;
  }
  [[nodiscard]] std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  [[nodiscard]] std::string_view view(const TextRef& text) const {
    return {(text.unescaped ? s_.unescaped.data() : begin_) + text.offset, text.size};
  }

  void skip_whitespace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  void start() {
    if (left() >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;  // as nlohmann does
    skip_whitespace();
  }
  bool finish() {
    skip_whitespace();
    return p_ == end_;
  }

  bool scan_literal(std::string_view word);
  bool scan_number();
  bool scan_string(TextRef* decoded);
  bool scan_escape(bool decode);
  bool scan_utf8(unsigned char byte_class);
  void append_utf8(std::uint32_t code_point);
  bool add_key(std::uint32_t object, const TextRef& key);
  void rehash(std::size_t slot_count);
  bool member_key(std::size_t object_depth, const std::uint32_t* checked_objects);
  bool skip_value(std::size_t depth);
  template <typename ReadMember>
  bool read_object(ReadMember&& read_member);
  bool read_string_or_null(TextRef& out);
  bool read_timestamp_or_null(std::optional<Timestamp>& out);
  bool read_methods(SessionFields& fields);

  const char* begin_;
  const char* p_;
  const char* end_;
  Scratch& s_;
  std::uint32_t objects_ = 0;  ///< checked objects opened so far
  std::size_t mask_ = 0;       ///< slots in use - 1; 0 until the first key
};

bool Reader::scan_literal(std::string_view word) {
  if (left() < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
  p_ += word.size();
  return true;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, refused when strtod would read it as infinite
// (nlohmann reads an integer beyond 64 bits as a double too).
bool Reader::scan_number() {
  if (cur() == '-') ++p_;
  const char* int_begin = p_;
  if (cur() == '0') {
    ++p_;
  } else if (is_digit(cur())) {
    while (is_digit(cur())) ++p_;
  } else {
    return false;
  }
  const char* int_end = p_;
  const char* frac_begin = p_;
  const char* frac_end = p_;
  if (cur() == '.') {
    ++p_;
    frac_begin = p_;
    if (!is_digit(cur())) return false;
    while (is_digit(cur())) ++p_;
    frac_end = p_;
  }
  std::int64_t exponent = 0;
  if (cur() == 'e' || cur() == 'E') {
    ++p_;
    const bool negative = cur() == '-';
    if (cur() == '+' || cur() == '-') ++p_;
    if (!is_digit(cur())) return false;
    while (is_digit(cur())) {
      if (exponent < kExponentCap) exponent = exponent * 10 + (cur() - '0');
      ++p_;
    }
    if (negative) exponent = -exponent;
  }
  // The power of ten of the first significant digit, then its digits against kInfiniteFrom's.
  const char* first = int_begin;
  std::int64_t power = 0;
  if (*int_begin != '0') {
    power = static_cast<std::int64_t>(int_end - int_begin) - 1 + exponent;
  } else {
    if (exponent <= kInfiniteFromExponent) return true;  // below 10^308
    first = frac_begin;
    while (first < frac_end && *first == '0') ++first;
    if (first == frac_end) return true;  // zero
    power = exponent - 1 - static_cast<std::int64_t>(first - frac_begin);
  }
  if (power != kInfiniteFromExponent) return power < kInfiniteFromExponent;
  const char* digit = first;
  for (const char bound : kInfiniteFrom) {
    if (digit == int_end) digit = frac_begin;
    const char d = digit < frac_end ? *digit++ : '0';
    if (d != bound) return d < bound;
  }
  return false;  // from 2^1024 - 2^970 on: infinite
}

// The string at p_ (its opening quote); with `decoded`, where its text is: the body's bytes, or,
// when it has escapes, their decoding appended to Scratch::unescaped.
bool Reader::scan_string(TextRef* decoded) {
  const char* const start = p_ + 1;
  const char* p = start;  // p_ while in the string (a local the compiler keeps in a register)
  const char* run = p;    // bytes not yet copied to `unescaped` (once an escape was seen)
  bool escaped = false;
  std::size_t decoded_start = 0;
  for (;;) {
    while (end_ - p >= 8) {
      const unsigned plain = plain_prefix(load<std::uint64_t>(p));
      p += plain;
      if (plain < 8) break;
    }
    if (p == end_) return false;
    const unsigned char byte_class = kByteClasses[static_cast<unsigned char>(*p)];
    if (byte_class == kPlain) {
      ++p;
      continue;
    }
    if (byte_class == kQuote) {
      if (decoded != nullptr) {
        if (escaped) {
          s_.unescaped.append(run, p);
          *decoded = {decoded_start, s_.unescaped.size() - decoded_start, true};
        } else {
          *decoded = {static_cast<std::size_t>(start - begin_), static_cast<std::size_t>(p - start),
                      false};
        }
      }
      p_ = p + 1;
      return true;
    }
    if (byte_class == kRefused) return false;
    p_ = p;
    if (byte_class == kBackslash) {
      if (decoded != nullptr) {
        if (!escaped) decoded_start = s_.unescaped.size();
        escaped = true;
        s_.unescaped.append(run, p);
      }
      if (!scan_escape(decoded != nullptr)) return false;
      run = p_;
    } else if (!scan_utf8(byte_class)) {
      return false;
    }
    p = p_;
  }
}

// The escape at p_ (its backslash), as nlohmann's lexer reads it: \uD800-\uDBFF must be followed
// by an escaped \uDC00-\uDFFF, which may not stand alone; \u0000 is a character like any other.
bool Reader::scan_escape(bool decode) {
  ++p_;
  char simple = 0;
  switch (cur()) {
    case '"':
    case '\\':
    case '/':
      simple = *p_;
      break;
    case 'b':
      simple = '\b';
      break;
    case 'f':
      simple = '\f';
      break;
    case 'n':
      simple = '\n';
      break;
    case 'r':
      simple = '\r';
      break;
    case 't':
      simple = '\t';
      break;
    case 'u':
      break;
    default:
      return false;
  }
  if (*p_ != 'u') {
    ++p_;
    if (decode) s_.unescaped.push_back(simple);
    return true;
  }
  // p_ at a 'u': its four hex digits.
  const auto read_hex4 = [this](std::uint32_t& out) {
    if (left() < 5) return false;
    out = 0;
    for (std::size_t i = 1; i <= 4; ++i) {
      const int digit = hex_value(static_cast<unsigned char>(p_[i]));
      if (digit < 0) return false;
      out = out << 4 | static_cast<std::uint32_t>(digit);
    }
    p_ += 5;
    return true;
  };
  std::uint32_t code_point = 0;
  if (!read_hex4(code_point)) return false;
  if (code_point >= 0xDC00 && code_point <= 0xDFFF) return false;
  if (code_point >= 0xD800 && code_point <= 0xDBFF) {
    std::uint32_t low = 0;
    if (left() < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
    ++p_;
    if (!read_hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
    code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
  }
  if (decode) append_utf8(code_point);
  return true;
}

void Reader::append_utf8(std::uint32_t code_point) {
  std::string& out = s_.unescaped;
  const auto byte = [](std::uint32_t value) { return static_cast<char>(value); };
  if (code_point < 0x80) {
    out.push_back(byte(code_point));
  } else if (code_point < 0x800) {
    out.push_back(byte(0xC0 | code_point >> 6));
    out.push_back(byte(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(byte(0xE0 | code_point >> 12));
    out.push_back(byte(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(byte(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(byte(0xF0 | code_point >> 18));
    out.push_back(byte(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(byte(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(byte(0x80 | (code_point & 0x3F)));
  }
}

// The multi-byte character at p_, whose first byte is of `byte_class`.
bool Reader::scan_utf8(unsigned char byte_class) {
  std::size_t tail = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  switch (byte_class) {
    case kLead2:
      tail = 1;
      break;
    case kLeadE0:
      tail = 2;
      low = 0xA0;
      break;
    case kLead3:
      tail = 2;
      break;
    case kLeadED:
      tail = 2;
      high = 0x9F;
      break;
    case kLeadF0:
      tail = 3;
      low = 0x90;
      break;
    case kLead4:
      tail = 3;
      break;
    default:  // kLeadF4
      tail = 3;
      high = 0x8F;
      break;
  }
  if (left() <= tail) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(p_);
  if (bytes[1] < low || bytes[1] > high) return false;
  for (std::size_t i = 2; i <= tail; ++i) {
    if ((bytes[i] & 0xC0) != 0x80) return false;
  }
  p_ += tail + 1;
  return true;
}

// Records `key` in checked object `object`; false when the object already named it.
bool Reader::add_key(std::uint32_t object, const TextRef& key) {
  const std::string_view text = view(key);
  const std::uint32_t hash = key_hash(text, object);
  if (mask_ == 0) {
    rehash(64);
  } else if ((s_.keys.size() + 1) * 2 > mask_ + 1) {
    rehash((mask_ + 1) * 2);
  }
  for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const std::uint32_t slot = s_.slots[i];
    if (slot == 0) {
      s_.keys.push_back({key, hash, object});
      s_.slots[i] = static_cast<std::uint32_t>(s_.keys.size());
      return true;
    }
    const KeyEntry& seen = s_.keys[slot - 1];
    if (seen.hash == hash && seen.object == object && view(seen.key) == text) return false;
  }
}

// Empties the first `slot_count` slots (a power of two) and puts the keys read so far in them.
void Reader::rehash(std::size_t slot_count) {
  if (s_.slots.size() < slot_count) s_.slots.resize(slot_count);
  std::fill(s_.slots.begin(), s_.slots.begin() + static_cast<std::ptrdiff_t>(slot_count), 0U);
  mask_ = slot_count - 1;
  for (std::size_t k = 0; k < s_.keys.size(); ++k) {
    std::size_t i = s_.keys[k].hash & mask_;
    while (s_.slots[i] != 0) i = (i + 1) & mask_;
    s_.slots[i] = static_cast<std::uint32_t>(k + 1);
  }
}

// A member's key, its colon and the whitespace before its value, inside a skipped value.
bool Reader::member_key(std::size_t object_depth, const std::uint32_t* checked_objects) {
  if (cur() != '"') return false;
  if (object_depth <= kDeepestCheckedObject) {
    TextRef key;
    if (!scan_string(&key) || !add_key(checked_objects[object_depth], key)) return false;
  } else if (!scan_string(nullptr)) {
    return false;
  }
  skip_whitespace();
  if (cur() != ':') return false;
  ++p_;
  skip_whitespace();
  return true;
}

// Validates the value at p_, at container depth `depth`, with an explicit stack (nesting depth
// is not limited); its objects down to kDeepestCheckedObject have their keys checked.
bool Reader::skip_value(std::size_t depth) {
  std::vector<unsigned char>& open = s_.open;  // empty: skip_value does not nest
  std::uint32_t checked_objects[kDeepestCheckedObject + 1] = {};
  for (;;) {
    // A value; `opened` when it is a non-empty container, whose first member or element follows.
    bool opened = false;
    switch (cur()) {
      case '{': {
        ++p_;
        const std::size_t object_depth = depth + open.size();
        if (object_depth <= kDeepestCheckedObject) checked_objects[object_depth] = objects_++;
        skip_whitespace();
        if (cur() == '}') {
          ++p_;
          break;
        }
        open.push_back(1);
        if (!member_key(object_depth, checked_objects)) return false;
        opened = true;
        break;
      }
      case '[':
        ++p_;
        skip_whitespace();
        if (cur() == ']') {
          ++p_;
          break;
        }
        open.push_back(0);
        opened = true;
        break;
      case '"':
        if (!scan_string(nullptr)) return false;
        break;
      case 't':
        if (!scan_literal("true")) return false;
        break;
      case 'f':
        if (!scan_literal("false")) return false;
        break;
      case 'n':
        if (!scan_literal("null")) return false;
        break;
      default:
        if (!scan_number()) return false;
        break;
    }
    if (opened) continue;
    // After a value: close what it ends, up to the next member or element.
    for (;;) {
      if (open.empty()) return true;
      skip_whitespace();
      const bool in_object = open.back() != 0;
      if (cur() == ',') {
        ++p_;
        skip_whitespace();
        if (in_object && !member_key(depth + open.size() - 1, checked_objects)) return false;
        break;
      }
      const unsigned char close = in_object ? '}' : ']';
      if (cur() != close) return false;
      ++p_;
      open.pop_back();
    }
  }
}

// The object at p_ (its '{'), a checked one: each key recorded, each value read by
// `read_member(field)` from p_ (after the colon and whitespace).
template <typename ReadMember>
bool Reader::read_object(ReadMember&& read_member) {
  ++p_;
  const std::uint32_t object = objects_++;
  skip_whitespace();
  if (cur() == '}') {
    ++p_;
    return true;
  }
  for (;;) {
    TextRef key;
    if (cur() != '"' || !scan_string(&key) || !add_key(object, key)) return false;
    skip_whitespace();
    if (cur() != ':') return false;
    ++p_;
    skip_whitespace();
    if (!read_member(field_of(view(key)))) return false;
    skip_whitespace();
    if (cur() == ',') {
      ++p_;
      skip_whitespace();
      continue;
    }
    if (cur() != '}') return false;
    ++p_;
    return true;
  }
}

// A string member, or null (absent: ""); anything else is refused.
bool Reader::read_string_or_null(TextRef& out) {
  if (cur() == '"') return scan_string(&out);
  out = TextRef{};
  return scan_literal("null");
}

// A timestamp member, or null (absent); a string that is not a timestamp is refused.
bool Reader::read_timestamp_or_null(std::optional<Timestamp>& out) {
  out.reset();
  if (cur() != '"') return scan_literal("null");
  TextRef text;
  if (!scan_string(&text)) return false;
  out = parse_rfc3339(view(text));
  return out.has_value();
}

// `authentication_methods` (at depth 1): null, or an array of objects, each folded into `fields`.
bool Reader::read_methods(SessionFields& fields) {
  if (cur() != '[') return scan_literal("null");
  ++p_;
  skip_whitespace();
  if (cur() == ']') {
    ++p_;
    return true;
  }
  for (;;) {
    if (cur() != '{') return false;
    TextRef name;
    TextRef aal;
    std::optional<Timestamp> completed_at;
    const bool read = read_object([&](Field field) {
      switch (field) {
        case Field::method:
          return read_string_or_null(name);
        case Field::aal:
          return read_string_or_null(aal);
        case Field::completed_at:
          return read_timestamp_or_null(completed_at);
        default:
          return skip_value(3);
      }
    });
    if (!read) return false;
    fields.add_method({view(name), view(aal), completed_at});
    skip_whitespace();
    if (cur() == ',') {
      ++p_;
      skip_whitespace();
      continue;
    }
    if (cur() != ']') return false;
    ++p_;
    return true;
  }
}

// A whoami body stops being read at the first thing that makes it invalid: nothing after it
// could make it valid again.
std::optional<Session> Reader::session() {
  start();
  if (cur() != '{') return std::nullopt;
  SessionFields fields;
  bool has_active = false;
  bool has_expires_at = false;
  TextRef level;
  const bool read = read_object([&](Field field) {
    switch (field) {
      case Field::active:
        has_active = true;
        fields.active = cur() == 't';
        return scan_literal(fields.active ? "true" : "false");
      case Field::expires_at: {
        std::optional<Timestamp> at;
        if (!read_timestamp_or_null(at)) return false;
        has_expires_at = at.has_value();
        if (at) fields.expires_at = *at;
        return true;
      }
      case Field::authenticated_at:
        return read_timestamp_or_null(fields.authenticated_at);
      case Field::authenticator_assurance_level:
        return read_string_or_null(level);
      case Field::authentication_methods:
        return read_methods(fields);
      default:
        return skip_value(1);
    }
  });
  if (!read || !has_active || !has_expires_at || !finish()) return std::nullopt;
  fields.level = view(level);
  return fields.session();
}

bool Reader::aal2_required_error() {
  start();
  if (cur() != '{') return false;  // not an object: no `error`
  bool required = false;
  const bool read = read_object([&](Field field) {
    if (field != Field::error) return skip_value(1);
    if (cur() != '{') return false;  // null or not an object: no `error.id`
    const bool read_error = read_object([&](Field member) {
      if (member != Field::id) return skip_value(2);
      TextRef id;
      if (cur() != '"' || !scan_string(&id)) return false;
      required = view(id) == "session_aal2_required";
      return required;
    });
    return read_error && required;
  });
  return read && required && finish();
}

}  // namespace

std::optional<Session> read_whoami_session(std::string_view json_text) {
  return Reader(json_text, thread_scratch()).session();
}

bool read_aal2_required_error(std::string_view json_text) {
  return Reader(json_text, thread_scratch()).aal2_required_error();
}

bool is_readable_json(std::string_view json_text, std::size_t* stopped_at) {
  Reader reader(json_text, thread_scratch());
  const bool readable = reader.readable();
  if (!readable && stopped_at != nullptr) *stopped_at = reader.offset();
  return readable;
}

}  // namespace aalgate
