#include "aalgate/session_record.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

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

// A timestamp field as parse_session reads one: absent → none (true); a string must parse; a
// Date is the instant its toJSON() names (none outside years 0000-9999, where that text is not
// RFC 3339); anything else makes the session invalid (false).
bool read_time(const RecordReader& reader, const Slot& slot, std::optional<Timestamp>& out) {
  switch (slot.type) {
    case RecordType::absent:
      return true;
    case RecordType::string: {
      const std::optional<std::string_view> text = reader.text(slot);
      if (!text) return false;
      out = parse_rfc3339(*text);
      return out.has_value();
    }
    case RecordType::date:
      out = timestamp_from_unix_ms(slot.a);
      return out.has_value();
    default:
      return false;
  }
}

// An optional string field: absent → "" (true); a string → its bytes; anything else: invalid.
bool read_text(const RecordReader& reader, const Slot& slot, std::string_view& out) {
  if (slot.type == RecordType::absent) return true;
  if (slot.type != RecordType::string) return false;
  const std::optional<std::string_view> text = reader.text(slot);
  if (!text) return false;
  out = *text;
  return true;
}

}  // namespace

std::optional<Session> read_session_record(std::string_view record) {
  const RecordReader reader(record);
  std::optional<Slot> slots[kSessionSlots];
  for (std::size_t i = 0; i < kSessionSlots; ++i) {
    slots[i] = reader.slot(i);
    if (!slots[i]) return std::nullopt;
  }
  SessionFields fields;
  const RecordType active = slots[0]->type;
  if (active != RecordType::true_value && active != RecordType::false_value) return std::nullopt;
  fields.active = active == RecordType::true_value;
  std::optional<Timestamp> expires_at;
  if (!read_time(reader, *slots[1], expires_at) || !expires_at) return std::nullopt;
  fields.expires_at = *expires_at;
  if (!read_time(reader, *slots[2], fields.authenticated_at)) return std::nullopt;
  if (!read_text(reader, *slots[3], fields.level)) return std::nullopt;

  const Slot& methods = *slots[4];
  if (methods.type == RecordType::array) {
    const double count = methods.a;
    // No more entries than the record has room for (whole entries only).
    const std::size_t room = record.size() / (kEntrySlots * kSlotBytes);
    const auto most = static_cast<double>(room);
    if (!(count >= 0 && count <= most) ||
        count != static_cast<double>(static_cast<std::size_t>(count))) {
      return std::nullopt;
    }
    const auto entries = static_cast<std::size_t>(count);
    for (std::size_t i = 0; i < entries; ++i) {
      const std::size_t first = kSessionSlots + i * kEntrySlots;
      std::optional<Slot> entry_slots[kEntrySlots];
      for (std::size_t j = 0; j < kEntrySlots; ++j) {
        entry_slots[j] = reader.slot(first + j);
        if (!entry_slots[j]) return std::nullopt;
      }
      if (entry_slots[0]->type != RecordType::object) return std::nullopt;
      MethodFields method;
      if (!read_text(reader, *entry_slots[1], method.name) ||
          !read_text(reader, *entry_slots[2], method.aal) ||
          !read_time(reader, *entry_slots[3], method.completed_at)) {
        return std::nullopt;
      }
      fields.add_method(method);
    }
  } else if (methods.type != RecordType::absent) {
    return std::nullopt;
  }
  return fields.session();
}

}  // namespace aalgate
