// The session record (src/aalgate/session_record.hpp) as js/record.js writes it: valid records
// give the Session their JSON text gives; malformed ones (a JS bug or stray bytes) give nothing.
#include "aalgate/session_record.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "aalgate/session.hpp"

namespace aalgate {
namespace {

// Builds a record: slots of [type, a, b], then the strings they name.
class Record {
 public:
  Record& slot(RecordType type, double a = 0, double b = 0) {
    slots_.push_back({static_cast<double>(type), a, b});
    return *this;
  }
  Record& text(std::string_view value) {
    pending_.push_back({slots_.size(), std::string(value)});
    return slot(RecordType::string);
  }
  Record& date(double ms) { return slot(RecordType::date, ms); }

  [[nodiscard]] std::string bytes() const {
    std::vector<Slot> slots = slots_;
    std::string strings;
    const std::size_t start = slots.size() * sizeof(Slot);
    for (const auto& [index, value] : pending_) {
      slots[index].a = static_cast<double>(start + strings.size());
      slots[index].b = static_cast<double>(value.size());
      strings += value;
    }
    std::string out(start, '\0');
    std::memcpy(out.data(), slots.data(), start);
    return out + strings;
  }

 private:
  struct Slot {
    double type;
    double a;
    double b;
  };
  std::vector<Slot> slots_;
  std::vector<std::pair<std::size_t, std::string>> pending_;
};

// 2026-08-01T10:00:00Z in ms.
constexpr double kAuthenticated = 1785578400000.0;

Record aal2_session() {
  Record r;
  r.slot(RecordType::true_value)
      .text("2026-08-02T10:00:00Z")
      .date(kAuthenticated)
      .slot(RecordType::absent)  // level: derived
      .slot(RecordType::array, 2);
  r.slot(RecordType::object).text("password").text("aal1").date(kAuthenticated);
  r.slot(RecordType::object).text("totp").text("aal2").text("2026-08-01T10:00:05Z");
  return r;
}

TEST(SessionRecord, ReadsWhatTheSameJsonTextGives) {
  const std::optional<Session> from_record = read_session_record(aal2_session().bytes());
  const std::optional<Session> from_text = parse_session(
      R"({"active":true,"expires_at":"2026-08-02T10:00:00Z","authenticated_at":"2026-08-01T10:00:00.000Z",)"
      R"("authentication_methods":[{"method":"password","aal":"aal1","completed_at":"2026-08-01T10:00:00.000Z"},)"
      R"({"method":"totp","aal":"aal2","completed_at":"2026-08-01T10:00:05Z"}]})");
  ASSERT_TRUE(from_record);
  ASSERT_TRUE(from_text);
  EXPECT_EQ(from_record->aal, Aal::aal2);
  EXPECT_EQ(from_record->aal, from_text->aal);
  EXPECT_EQ(from_record->active, from_text->active);
  EXPECT_EQ(from_record->expires_at.seconds, from_text->expires_at.seconds);
  EXPECT_EQ(from_record->authenticated_at->seconds, from_text->authenticated_at->seconds);
  EXPECT_EQ(from_record->aal2_completed_at->seconds, from_text->aal2_completed_at->seconds);
  EXPECT_EQ(from_record->aal2_from_upstream_only, from_text->aal2_from_upstream_only);
}

TEST(SessionRecord, EveryTruncationIsRefused) {
  const std::string bytes = aal2_session().bytes();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    // Cut inside the slots or the strings: never a crash, and a cut string never reads past.
    const std::optional<Session> cut = read_session_record(std::string_view(bytes).substr(0, size));
    EXPECT_FALSE(cut) << "cut at " << size;
  }
}

TEST(SessionRecord, MalformedSlotsAreRefused) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double type : {-1.0, 8.0, 2.5, nan, inf, 1e300}) {
    Record r;
    r.slot(RecordType::true_value).text("2026-08-02T10:00:00Z").slot(RecordType::absent);
    r.slot(RecordType::absent).slot(RecordType::absent);
    std::string bytes = r.bytes();
    std::memcpy(bytes.data() + 2 * 3 * sizeof(double), &type, sizeof type);  // slot 2's type
    EXPECT_FALSE(read_session_record(bytes)) << type;
  }
  for (const double count : {-1.0, 1.5, 3.0, 1e9, nan, inf}) {
    Record r;
    r.slot(RecordType::true_value).text("2026-08-02T10:00:00Z").slot(RecordType::absent);
    r.slot(RecordType::absent).slot(RecordType::array, count);
    r.slot(RecordType::object).text("password").text("aal1").slot(RecordType::absent);
    EXPECT_FALSE(read_session_record(r.bytes())) << count;
  }
  for (const double offset : {-1.0, 1e9, nan, 0.5}) {
    Record r;
    r.slot(RecordType::true_value).slot(RecordType::string, offset, 4).slot(RecordType::absent);
    r.slot(RecordType::absent).slot(RecordType::absent);
    EXPECT_FALSE(read_session_record(r.bytes())) << offset;
  }
}

TEST(SessionRecord, WrongTypesAreInvalidAsInJson) {
  const auto with = [](RecordType active, RecordType level) {
    Record r;
    r.slot(active).text("2026-08-02T10:00:00Z").slot(RecordType::absent);
    r.slot(level).slot(RecordType::absent);
    return read_session_record(r.bytes());
  };
  EXPECT_TRUE(with(RecordType::true_value, RecordType::absent));
  EXPECT_TRUE(with(RecordType::false_value, RecordType::absent));
  EXPECT_FALSE(with(RecordType::absent, RecordType::absent));  // active is required
  EXPECT_FALSE(with(RecordType::other, RecordType::absent));
  EXPECT_FALSE(with(RecordType::true_value, RecordType::other));
  EXPECT_FALSE(with(RecordType::true_value, RecordType::date));
  EXPECT_FALSE(with(RecordType::true_value, RecordType::object));
  // A Date outside years 0000-9999 has no RFC 3339 text: invalid, as its toJSON() text would be.
  Record far;
  far.slot(RecordType::true_value).date(253402300800000.0).slot(RecordType::absent);
  far.slot(RecordType::absent).slot(RecordType::absent);
  EXPECT_FALSE(read_session_record(far.bytes()));
}

}  // namespace
}  // namespace aalgate
