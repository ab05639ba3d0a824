// The session record (src/aalgate/session_record.hpp, DESIGN.md "The session record"): a Session
// object's deciding fields, written field by field into the core's buffer so that an object
// never goes through JSON text. Shape only: what each field means is the core's. Anything this
// writer does not know how JSON.stringify would treat (a toJSON method, a class instance, a
// wrapper object, a throwing getter) makes it give up, and the caller sends the object as JSON
// text instead.

// Slot types, as src/aalgate/session_record.hpp's RecordType numbers them.
const ABSENT = 0;
const FALSE = 1;
const TRUE = 2;
const STRING = 3;
const DATE = 4;
const OTHER = 5;
const ARRAY = 6;
const OBJECT = 7;

const SLOT_BYTES = 24;
const SESSION_SLOTS = 5;
const ENTRY_SLOTS = 4;
// More method entries than this: the text path (JSON.stringify) judges the object instead.
const MOST_METHODS = 256;

// writeSessionRecord's answer for a record longer than the space's limit (js/call.js OVER_LIMIT).
const OVER_LIMIT = -2;

/**
 * Where a record is written: the module's memory and a buffer in it that can grow, and the
 * longest record the core takes (the configuration's maxBodyBytes).
 * @typedef {{ u8: Uint8Array, f64: Float64Array, base: number, capacity: number, limit: number,
 *   reserve(bytes: number): void }} RecordSpace
 */

/**
 * Writes the session record of `session` at `space.base` (8-byte aligned), each property read
 * once. Returns its length in bytes, -1 when the object is not one a record can stand for
 * (the caller then sends it as JSON text), or -2 when the record would be longer than
 * `space.limit` (no string that would pass the limit is written; the core then decides).
 * @param {object} session
 * @param {RecordSpace} space `reserve` may move the buffer and make new views
 * @param {TextEncoder} encoder
 * @returns {number}
 */
export function writeSessionRecord(session, space, encoder) {
  try {
    if (!isPlainObject(session)) return -1;
    const methods = session.authentication_methods;
    const list = isArray(methods);
    const count = list ? methods.length : 0;
    if (count > MOST_METHODS) return -1;
    const slotBytes = (SESSION_SLOTS + count * ENTRY_SLOTS) * SLOT_BYTES;
    if (slotBytes > space.limit) return OVER_LIMIT;
    const writer = new Writer(space, encoder, slotBytes);
    if (!writer.field(0, session.active, false)) return -1;
    if (!writer.field(1, session.expires_at, true)) return -1;
    if (!writer.field(2, session.authenticated_at, true)) return -1;
    if (!writer.field(3, session.authenticator_assurance_level, false)) return -1;
    if (list) writer.slot(4, ARRAY, count);
    else if (!writer.field(4, methods, false)) return -1;
    for (let i = 0; i < count; i += 1) {
      const entry = methods[i];
      const slot = SESSION_SLOTS + i * ENTRY_SLOTS;
      if (isPlainObject(entry)) {
        writer.slot(slot, OBJECT, 0);
        if (!writer.field(slot + 1, entry.method, false)) return -1;
        if (!writer.field(slot + 2, entry.aal, false)) return -1;
        if (!writer.field(slot + 3, entry.completed_at, true)) return -1;
      } else {
        // In an array JSON has null for undefined: a null, a primitive or an object, no method.
        if (!writer.field(slot, entry, false)) return -1;
        writer.slot(slot, OTHER, 0);
        writer.slot(slot + 1, ABSENT, 0);
        writer.slot(slot + 2, ABSENT, 0);
        writer.slot(slot + 3, ABSENT, 0);
      }
    }
    return writer.over ? OVER_LIMIT : writer.end;
  } catch {
    return -1; // a getter or Proxy trap threw: the text path marks the whole body
  }
}

class Writer {
  constructor(space, encoder, slotBytes) {
    this.space = space;
    this.encoder = encoder;
    this.end = slotBytes; // strings go after the slots
    this.over = false; // a string would have passed space.limit: the rest are not written
    space.reserve(slotBytes + 256);
  }

  slot(index, type, value) {
    const at = (this.space.base >> 3) + index * 3;
    const f64 = this.space.f64;
    f64[at] = type;
    f64[at + 1] = value;
    f64[at + 2] = 0;
  }

  // One field as JSON.stringify would carry it. `time`: a timestamp field, where a Date is read
  // as its instant (JSON.stringify would write its toJSON() text, which the core reads back).
  field(index, value, time) {
    switch (typeof value) {
      case 'undefined':
      case 'function':
      case 'symbol':
        this.slot(index, ABSENT, 0); // left out of an object by JSON.stringify
        return true;
      case 'boolean':
        this.slot(index, value ? TRUE : FALSE, 0);
        return true;
      case 'string':
        // A lone surrogate: JSON.stringify escapes it and the core refuses the text; not here.
        if (!value.isWellFormed()) return false;
        this.string(index, value);
        return true;
      case 'number':
        this.slot(index, Number.isFinite(value) ? OTHER : ABSENT, 0); // NaN and ±Infinity are null
        return true;
      case 'bigint':
        this.slot(index, OTHER, 0); // JSON.stringify throws: the text path's body is empty
        return true;
      default:
        break;
    }
    if (value === null) {
      this.slot(index, ABSENT, 0);
      return true;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Date.prototype && time && !Object.hasOwn(value, 'toJSON')) {
      const ms = Date.prototype.getTime.call(value);
      if (Number.isFinite(ms)) this.slot(index, DATE, ms);
      else this.slot(index, OTHER, 0);
      return true;
    }
    if ((proto === Object.prototype || proto === null || proto === Array.prototype) && value.toJSON === undefined) {
      this.slot(index, OTHER, 0); // a JSON object or array where the core wants a scalar
      return true;
    }
    return false;
  }

  // UTF-8 of `text` after the slots (no lone surrogates: checked by the caller), unless the
  // record would then pass space.limit.
  string(index, text) {
    const space = this.space;
    let bytes = text.length * 3; // room for the worst case, or the exact length near the limit
    if (this.over || this.end + text.length > space.limit) {
      this.over = true;
      return;
    }
    if (this.end + bytes > space.limit) {
      bytes = utf8Length(text);
      if (this.end + bytes > space.limit) {
        this.over = true;
        return;
      }
    }
    space.reserve(this.end + bytes);
    const written = writeUtf8(text, space.u8, space.base + this.end, space.base + this.end + bytes, this.encoder);
    const f64 = space.f64;
    const slot = (space.base >> 3) + index * 3;
    f64[slot] = STRING;
    f64[slot + 1] = this.end;
    f64[slot + 2] = written;
    this.end += written;
  }
}

/**
 * Writes the UTF-8 of `text` into `u8` from `at`, before `end` (room the caller made: three bytes
 * a unit); returns the bytes written. Short ASCII strings (levels, method names, timestamps,
 * URLs) byte by byte, which is cheaper than a view and encodeInto; anything else through
 * encodeInto, which writes a lone surrogate as U+FFFD.
 * @param {string} text
 * @param {Uint8Array} u8
 * @param {number} at
 * @param {number} end
 * @param {TextEncoder} encoder
 * @returns {number}
 */
export function writeUtf8(text, u8, at, end, encoder) {
  const length = text.length;
  if (length <= 128) {
    let i = 0;
    for (; i < length; i += 1) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) break;
      u8[at + i] = unit;
    }
    if (i === length) return length;
  }
  return encoder.encodeInto(text, u8.subarray(at, end)).written;
}

// The UTF-8 length of a well-formed string, without encoding it.
function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4; // a pair (well-formed): four bytes for both units
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

function isPlainObject(value) {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && value.toJSON === undefined;
}

function isArray(value) {
  return (
    Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype && value.toJSON === undefined
  );
}
