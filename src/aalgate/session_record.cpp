#include "aalgate/session_record.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "aalgate/explain.hpp"
#include "aalgate/session_fields.hpp"
#include "aalgate/timestamp.hpp"

namespace aalgate {
namespace {

constexpr std::size_t kSlotBytes = 3 * sizeof(double);
constexpr std::size_t kSessionSlots = 5;  // active .. authentication_methods
constexpr std::size_t kEntrySlots = 4;    // the entry, method, aal, completed_at

struct Slot {
  RecordType type = RecordType::other;
  double a = 0;
  double b = 0;
};

class RecordReader {
 public:
  explicit RecordReader(std::string_view record) : record_(record) {}

  [[nodiscard]] std::optional<Slot> slot(std::size_t index) const {
    if ((index + 1) * kSlotBytes > record_.size()) return std::nullopt;
    double values[3];
    std::memcpy(values, record_.data() + index * kSlotBytes, sizeof values);
    if (!(values[0] >= 0 && values[0] <= static_cast<double>(RecordType::object)) ||
        values[0] != static_cast<double>(static_cast<int>(values[0]))) {
      return std::nullopt;
    }
    return Slot{static_cast<RecordType>(static_cast<int>(values[0])), values[1], values[2]};
  }

  // The bytes a string slot names; nullopt when they lie outside the record.
  [[nodiscard]] std::optional<std::string_view> text(const Slot& slot) const {
    const double size = static_cast<double>(record_.size());
    if (!(slot.a >= 0 && slot.b >= 0 && slot.a <= size && slot.b <= size - slot.a)) {
      return std::nullopt;
    }
    return record_.substr(static_cast<std::size_t>(slot.a), static_cast<std::size_t>(slot.b));
  }

 private:
  std::string_view record_;
};

// Records why the record is not a valid Session (when asked) and gives the invalid result;
// `got` names what the slot held, after `problem`.
bool fail(SessionProblem* why, std::string_view field, std::string_view problem,
          std::optional<RecordType> got = std::nullopt) {
  if (why == nullptr) return false;
  constexpr std::string_view kNames[] = {"nothing",  "a boolean", "a boolean",
                                         "a string", "a Date",    "a number or another value",
                                         "an array", "an object"};
  why->field = std::string(field);
  why->problem = std::string(problem);
  if (got) why->problem.append(kNames[static_cast<int>(*got)]);
  return false;
}

// Names the method entry `index` (and its `member`) as the problem's field, when the field was
// left empty (a bounds problem names "(record)" and stays).
void name_entry(SessionProblem* why, std::size_t index, std::string_view member) {
  if (why == nullptr || !why->field.empty()) return;
  why->field = "authentication_methods[" + std::to_string(index) + "]";
  why->field.append(member);
}

// A timestamp field as parse_session reads one: absent → none (true); a string must parse; a
// Date is the instant its toJSON() names (none outside years 0000-9999, where that text is not
// RFC 3339); anything else makes the session invalid (false).
bool read_time(const RecordReader& reader, const Slot& slot, std::optional<Timestamp>& out,
               SessionProblem* why, const char* field) {
  switch (slot.type) {
    case RecordType::absent:
      return true;
    case RecordType::string: {
      const std::optional<std::string_view> text = reader.text(slot);
      if (!text) return fail(why, "(record)", "names bytes outside itself");
      out = parse_rfc3339(*text);
      return out.has_value() || fail(why, field, "is not an RFC 3339 time");
    }
    case RecordType::date:
      out = timestamp_from_unix_ms(slot.a);
      return out.has_value() || fail(why, field, "is a Date outside the years 0000 to 9999");
    default:
      return fail(why, field, "must be an RFC 3339 time string or a Date, got ", slot.type);
  }
}

// An optional string field: absent → "" (true); a string → its bytes; anything else: invalid.
bool read_text(const RecordReader& reader, const Slot& slot, std::string_view& out,
               SessionProblem* why, const char* field) {
  if (slot.type == RecordType::absent) return true;
  if (slot.type != RecordType::string) {
    return fail(why, field, "must be a string, got ", slot.type);
  }
  const std::optional<std::string_view> text = reader.text(slot);
  if (!text) return fail(why, "(record)", "names bytes outside itself");
  out = *text;
  return true;
}

}  // namespace

std::optional<Session> read_session_record(std::string_view record, SessionProblem* why) {
  const RecordReader reader(record);
  std::optional<Slot> slots[kSessionSlots];
  for (std::size_t i = 0; i < kSessionSlots; ++i) {
    slots[i] = reader.slot(i);
    if (!slots[i]) return fail(why, "(record)", "is malformed"), std::nullopt;
  }
  SessionFields fields;
  const RecordType active = slots[0]->type;
  if (active != RecordType::true_value && active != RecordType::false_value) {
    if (active == RecordType::absent) return fail(why, "active", "is missing"), std::nullopt;
    return fail(why, "active", "must be a boolean, got ", active), std::nullopt;
  }
  fields.active = active == RecordType::true_value;
  std::optional<Timestamp> expires_at;
  if (!read_time(reader, *slots[1], expires_at, why, "expires_at")) return std::nullopt;
  if (!expires_at) return fail(why, "expires_at", "is missing"), std::nullopt;
  fields.expires_at = *expires_at;
  if (!read_time(reader, *slots[2], fields.authenticated_at, why, "authenticated_at")) {
    return std::nullopt;
  }

  // The methods before the level, in the order the JSON text is checked (explain.cpp
  // text_problem): a session wrong in both names the same field either way.
  const Slot& methods = *slots[4];
  if (methods.type == RecordType::array) {
    const double count = methods.a;
    // No more entries than the record has room for (whole entries only).
    const std::size_t room = record.size() / (kEntrySlots * kSlotBytes);
    const auto most = static_cast<double>(room);
    if (!(count >= 0 && count <= most) ||
        count != static_cast<double>(static_cast<std::size_t>(count))) {
      return fail(why, "(record)", "is malformed"), std::nullopt;
    }
    const auto entries = static_cast<std::size_t>(count);
    for (std::size_t i = 0; i < entries; ++i) {
      const std::size_t first = kSessionSlots + i * kEntrySlots;
      std::optional<Slot> entry_slots[kEntrySlots];
      for (std::size_t j = 0; j < kEntrySlots; ++j) {
        entry_slots[j] = reader.slot(first + j);
        if (!entry_slots[j]) return fail(why, "(record)", "is malformed"), std::nullopt;
      }
      if (entry_slots[0]->type != RecordType::object) {
        fail(why, "", "must be an object, got ", entry_slots[0]->type);
        name_entry(why, i, "");
        return std::nullopt;
      }
      MethodFields method;
      if (!read_text(reader, *entry_slots[1], method.name, why, "") ||
          !read_text(reader, *entry_slots[2], method.aal, why, "") ||
          !read_time(reader, *entry_slots[3], method.completed_at, why, "")) {
        // Which of the three: the entry's field is named after the fact (no strings built first).
        const Slot& name = *entry_slots[1];
        const Slot& aal = *entry_slots[2];
        name_entry(why, i,
                   name.type != RecordType::absent && name.type != RecordType::string ? ".method"
                   : aal.type != RecordType::absent && aal.type != RecordType::string
                       ? ".aal"
                       : ".completed_at");
        return std::nullopt;
      }
      fields.add_method(method);
    }
  } else if (methods.type != RecordType::absent) {
    return fail(why, "authentication_methods", "must be an array or null, got ", methods.type),
           std::nullopt;
  }
  if (!read_text(reader, *slots[3], fields.level, why, "authenticator_assurance_level")) {
    return std::nullopt;
  }
  std::optional<Session> session = fields.session();
  if (!session) fail(why, "authenticator_assurance_level", "is not a level (aal0 to aal3)");
  return session;
}

}  // namespace aalgate
