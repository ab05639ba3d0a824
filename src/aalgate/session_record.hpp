#pragma once
/// @file session_record.hpp
/// @brief The session record: a Session object's deciding fields as js/ reads them, field by
/// field, so an object never goes through JSON text (DESIGN.md, "The session record").
///
/// Layout (little-endian, the record starts 8-byte aligned): a run of slots of three doubles
/// `[type, a, b]`, then the bytes of the strings they name.
///   slots 0-3: `active`, `expires_at`, `authenticated_at`, `authenticator_assurance_level`
///   slot 4:    `authentication_methods`: absent, other, or an array of `a` entries
///   then per entry: the entry's slot (an object, or other), then `method`, `aal`, `completed_at`
/// A field's slot types (RecordType): absent (undefined, null, or a value JSON.stringify leaves
/// out of an object), false, true, a string (`a` = its offset from the record's start, `b` = its
/// UTF-8 length), a Date (`a` = its milliseconds since the epoch), or other (any value JSON would
/// carry as a number, an object, an invalid Date: wrong for every field the record holds).

#include <optional>
#include <string_view>

#include "aalgate/session.hpp"

namespace aalgate {

struct SessionProblem;

/// @brief The types of a record slot; js/normalize.js writes the same numbers.
enum class RecordType {
  absent = 0,
  false_value = 1,
  true_value = 2,
  string = 3,
  date = 4,
  other = 5,
  array = 6,
  object = 7
};

/// @brief Reads a session record; nullopt when it is malformed or when the fields are not a
/// valid Session by the rules parse_session applies to JSON text (the same fields, types and
/// timestamps; a Date reads as the instant its `toJSON()` text names). Never throws.
/// @param why when given and the record is not a valid Session: which field and why (explain.hpp).
[[nodiscard]] std::optional<Session> read_session_record(std::string_view record,
                                                         SessionProblem* why = nullptr);

}  // namespace aalgate
