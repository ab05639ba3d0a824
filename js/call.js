// One Gate's calls into the core (wasm/bindings.cpp, "The Wasm boundary" in DESIGN.md): the
// arguments go into the Gate's call block and its reused buffer in the module's memory, one
// run() decides, and the answer is read back from the block. The body crosses once, as UTF-8
// written by TextEncoder.encodeInto (or as a session record, js/record.js); a requirement is
// compiled once per distinct requirement. Data only: every decision is the core's.
import { CoreFault, inModule } from './host.js';
import { coreError, decisionFrom, textAt } from './marshal.js';
import { writeSessionRecord, writeUtf8 } from './record.js';
import { requestToJson, requirementToJson, stringifyWhoami } from './normalize.js';

/** What run() does (wasm/bindings.cpp Op). */
const OP = Object.freeze({ decide: 1, decideRequest: 2, recover: 3, decideRequestJson: 4 });

// The call block's fields (wasm/bindings.cpp CallBlock), as indexes of its Int32 and Float64
// views from the block's start.
const F64_STATUS = 0;
const F64_NOW = 1;
const I32_OP = 4;
const I32_KIND = 5;
const I32_BODY_FORMAT = 6;
const I32_BODY_LENGTH = 7;
const I32_REQUIREMENT = 8;
const I32_RETURN_TO_LENGTH = 9;
const I32_METHOD_LENGTH = 10;
const I32_URL_LENGTH = 11;
const I32_EXPLAIN = 27;
const I32_BODY_OVER_LIMIT = 28;
const I32_TEXT = 24;
const I32_TEXT_LENGTH = 25;
const RUN_ERROR = 1;

const BODY_TEXT = 0;
const BODY_RECORD = 1;
const BODY_CLAIMS = 2; // a verified token's claims (js/tokens.js), as JSON text
// What #writeBodyText and writeSessionRecord answer for a body over the configuration's
// maxBodyBytes: nothing of it was written, and the core is told so (it decides).
const OVER_LIMIT = -2;
// A requirement with every field in its compiled JSON (the scratch slot).
const SCRATCH = -1;
// Distinct requirements kept compiled per Gate; past it the core forgets them all.
const MOST_REQUIREMENTS = 256;
const REQUIREMENT_KEYS = keySet(['aal', 'maxAge', 'operation', 'returnTo', 'now', 'loginChallenge', 'organization', 'via', 'rule']);
const REQUEST_KEYS = keySet(['method', 'url', 'returnTo', 'now']);
// In a requirement's cache key: a value that is not a plain string, number or nothing.
const NOT_PLAIN = '\u0000';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A Gate's channel into the core. */
export class CoreCall {
  #core;
  #handle;
  #names;
  #block;
  #buffer = 0;
  #capacity = 0;
  #requirements = new Map();
  // The configuration's maxBodyBytes as the core parsed it (its configure answer).
  #maxBodyBytes;
  #last = { url: null, challenge: null };
  // Views of the module's memory, made again when it grows (the old buffer is then detached).
  #u8;
  #i32;
  #f64;
  #space; // the buffer's bytes
  #recordSpace;
  // The requirement of the call being made (#requirement).
  #requirement = SCRATCH;
  // The plain values of the last requirement compiled or found, and its slot.
  #previous = { handle: SCRATCH, aal: undefined, maxAge: undefined, operation: undefined, loginChallenge: undefined, organization: undefined, via: undefined };
  #now = NaN;
  #returnTo = null;

  /**
   * @param {object} core the loaded Emscripten module
   * @param {object} handle the core's configured Gate
   * @param {object} names the core's enum names (marshal.js namesOf)
   * @param {number} maxBodyBytes the configuration's limit, from the core's configure answer
   */
  constructor(core, handle, names, maxBodyBytes) {
    this.#core = core;
    this.#handle = handle;
    this.#names = names;
    this.#maxBodyBytes = maxBodyBytes;
    this.#block = inModule(() => handle.call());
    this.#views();
    // The buffer as js/record.js writes a session record into it (kept in step by #views).
    const call = this;
    this.#recordSpace = {
      u8: this.#u8,
      f64: this.#f64,
      base: this.#buffer,
      limit: maxBodyBytes,
      reserve(bytes) {
        call.#reserve(bytes);
      },
    };
  }

  /**
   * decide (`op` 'decide') or recover ('recover'): the answer's decision and server fields.
   * @param {'decide' | 'recover'} op
   * @param {{ kind: number, status: number, body: string, session: object | undefined }} outcome
   * @param {unknown} requirement
   * @param {boolean} [explain] also ask the core why (the decision gets `explanation`)
   */
  decide(op, outcome, requirement, explain = false) {
    // Another Gate's call may have grown the memory since this one's last: views of the old,
    // detached buffer would drop every write (and run() would answer the previous call).
    this.#views();
    this.#requirementOf(requirement);
    const returnTo = this.#returnTo;
    const length = this.#writeBody(outcome, returnTo === null ? 0 : returnTo.length);
    const i32 = this.#i32;
    const b = this.#block >> 2;
    i32[b + I32_OP] = op === 'recover' ? OP.recover : OP.decide;
    i32[b + I32_REQUIREMENT] = this.#requirement;
    i32[b + I32_RETURN_TO_LENGTH] = returnTo === null ? -1 : this.#writeText(returnTo, length);
    this.#f64[(this.#block >> 3) + F64_NOW] = this.#now;
    return this.#run(explain);
  }

  /**
   * decideRequest: the route's requirement from the configuration's policy.
   * @param {{ kind: number, status: number, body: string, session: object | undefined }} outcome
   * @param {unknown} request
   * @param {boolean} [explain] also ask the core why (the decision gets `explanation`)
   */
  decideRequest(outcome, request, explain = false) {
    this.#views(); // as in decide: the memory may have grown under another Gate
    const fields = requestFields(request);
    if (fields === null) {
      const json = requestToJson(request);
      const length = this.#writeBody(outcome, json.length);
      const i32 = this.#i32;
      const b = this.#block >> 2;
      i32[b + I32_OP] = OP.decideRequestJson;
      i32[b + I32_RETURN_TO_LENGTH] = -1;
      i32[b + I32_METHOD_LENGTH] = this.#writeText(json, length);
      return this.#run(explain);
    }
    const { method, url, returnTo, now } = fields;
    const extra = method.length + url.length + (returnTo === null ? 0 : returnTo.length);
    let at = this.#writeBody(outcome, extra);
    const returnToLength = returnTo === null ? -1 : this.#writeText(returnTo, at);
    at += Math.max(returnToLength, 0);
    const methodLength = this.#writeText(method, at);
    const urlLength = this.#writeText(url, at + methodLength);
    const i32 = this.#i32;
    const b = this.#block >> 2;
    i32[b + I32_OP] = OP.decideRequest;
    i32[b + I32_RETURN_TO_LENGTH] = returnToLength;
    i32[b + I32_METHOD_LENGTH] = methodLength;
    i32[b + I32_URL_LENGTH] = urlLength;
    this.#f64[(this.#block >> 3) + F64_NOW] = now;
    return this.#run(explain);
  }

  /** The configuration's maxBodyBytes (aalgate/worker and aalgate/browser read no more). */
  get maxBodyBytes() {
    return this.#maxBodyBytes;
  }

  /** The size of the module's memory in bytes (the benchmark watches it stay flat). */
  get memoryBytes() {
    this.#views();
    return this.#u8.byteLength;
  }

  // Makes the views again when the memory grew (a call into the module may grow it).
  #views() {
    if (this.#u8 !== undefined && this.#u8.byteLength !== 0) return;
    const core = this.#core;
    this.#u8 = core.HEAPU8;
    this.#i32 = core.HEAP32;
    this.#f64 = core.HEAPF64;
    this.#space = this.#u8.subarray(this.#buffer, this.#buffer + this.#capacity);
    const record = this.#recordSpace;
    if (record !== undefined) {
      record.u8 = this.#u8;
      record.f64 = this.#f64;
      record.base = this.#buffer;
    }
  }

  #run(explain) {
    this.#i32[(this.#block >> 2) + I32_EXPLAIN] = explain ? 1 : 0;
    let answer;
    try {
      answer = this.#handle.run();
    } catch (cause) {
      throw new CoreFault(cause); // a trap or an abort in the module (js/host.js)
    }
    this.#views();
    if (answer === RUN_ERROR) {
      const i32 = this.#i32;
      const b = this.#block >> 2;
      const text = textAt(this.#u8, i32, b + I32_TEXT, decoder) ?? '';
      const split = text.indexOf('\n');
      throw coreError({ code: text.slice(0, split), message: text.slice(split + 1) });
    }
    const decided = decisionFrom(this.#u8, this.#i32, this.#f64, this.#block, this.#names, decoder, this.#last);
    if (!explain) return decided;
    // The core's explanation (explain.hpp to_json): parsed and frozen, beside the decision.
    const explanation = deepFreeze(JSON.parse(inModule(() => this.#handle.explanation())));
    return { ...decided, decision: Object.freeze({ ...decided.decision, explanation }) };
  }

  // Writes the body at the buffer's start with room for `extra` UTF-16 units of strings after
  // it; fills the block's outcome fields; returns the body's length in bytes. A body over the
  // configuration's maxBodyBytes is not written: the block says so (and its length is 0).
  #writeBody(outcome, extra) {
    let format = BODY_TEXT;
    let length = 0;
    const session = outcome.session;
    if (outcome.overLimit) {
      length = OVER_LIMIT; // cut off at the limit while it was read (js/kratos.js)
    } else if (session !== undefined) {
      length = writeSessionRecord(session, this.#recordSpace, encoder);
      if (length >= 0) format = BODY_RECORD;
      else if (length !== OVER_LIMIT) length = this.#writeBodyText(stringifyWhoami(session), extra);
    } else if (outcome.body.length > 0) {
      length = this.#writeBodyText(outcome.body, extra);
      if (outcome.claims) format = BODY_CLAIMS;
    }
    const over = length === OVER_LIMIT;
    if (over) length = 0;
    this.#reserve(length + extra * 3);
    this.#f64[(this.#block >> 3) + F64_STATUS] = outcome.status;
    const i32 = this.#i32;
    const b = this.#block >> 2;
    i32[b + I32_KIND] = outcome.kind;
    i32[b + I32_BODY_FORMAT] = format;
    i32[b + I32_BODY_LENGTH] = length;
    i32[b + I32_BODY_OVER_LIMIT] = over ? 1 : 0;
    return length;
  }

  // The UTF-8 of `text` at the buffer's start, or OVER_LIMIT when it would be more than
  // maxBodyBytes: then at most maxBodyBytes of it were written, never the whole.
  #writeBodyText(text, extra) {
    const limit = this.#maxBodyBytes;
    if (text.length > limit) return OVER_LIMIT; // at least one byte a UTF-16 unit
    // Most bodies are ASCII: room for that first, for the worst case (3 bytes a unit, but no
    // more than the limit) only when encodeInto ran out of room.
    this.#reserve(text.length + extra * 3);
    let room = Math.min(this.#capacity, limit);
    let result = encoder.encodeInto(text, room === this.#capacity ? this.#space : this.#space.subarray(0, room));
    if (result.read < text.length) {
      // encodeInto stops before a character that does not fit: at the limit, the text is over.
      if (room === limit) return OVER_LIMIT;
      room = Math.min(text.length * 3, limit);
      this.#reserve(room + extra * 3);
      result = encoder.encodeInto(text, this.#space.subarray(0, room));
      if (result.read < text.length) return OVER_LIMIT;
    }
    return result.written;
  }

  // Writes `text` at byte `at` of the buffer (room reserved by #writeBody); returns its length.
  #writeText(text, at) {
    return writeUtf8(text, this.#space, at, this.#capacity, encoder);
  }

  #reserve(bytes) {
    if (bytes <= this.#capacity) return;
    const capacity = Math.max(bytes, this.#capacity * 2, 4096);
    this.#buffer = inModule(() => this.#handle.buffer(capacity));
    this.#capacity = capacity;
    this.#u8 = undefined;
    this.#views();
  }

  // Sets #requirement, #now and #returnTo. A requirement of plain values: its compiled slot
  // (cached per distinct aal, maxAge, operation, loginChallenge, organization, via) with this
  // call's now and returnTo. Anything else: the whole requirement compiled as JSON for this call
  // into the scratch slot, errors included.
  #requirementOf(requirement) {
    this.#now = NaN;
    this.#returnTo = null;
    if (requirement === undefined || requirement === null) {
      const handle = this.#compiled('', '{}');
      if (handle === undefined) return this.#slow({}); // never refused: the core names why
      this.#requirement = handle;
      return;
    }
    if (typeof requirement !== 'object' || !isPlain(requirement)) return this.#slow(requirement);
    let aal, maxAge, operation, returnTo, now, loginChallenge, organization, via;
    try {
      for (const name in requirement) if (REQUIREMENT_KEYS[name] !== true) return this.#slow(requirement);
      ({ aal, maxAge, operation, returnTo, now, loginChallenge, organization, via } = requirement);
    } catch {
      return this.#slow(requirement); // a getter or Proxy trap threw: the core names the field
    }
    // now and returnTo go with each call; anything but plain values goes as JSON.
    const nowMs = nowOf(now);
    const target = returnToOf(returnTo);
    if (nowMs === undefined || target === undefined) return this.#slow(requirement);
    this.#now = nowMs;
    this.#returnTo = target;
    // The same values as the previous call's requirement: the same slot, without a key.
    const previous = this.#previous;
    if (
      previous.handle !== SCRATCH && previous.aal === aal && previous.maxAge === maxAge && previous.operation === operation &&
      previous.loginChallenge === loginChallenge && previous.organization === organization && previous.via === via
    ) {
      this.#requirement = previous.handle;
      return;
    }
    const key =
      keyPart(aal) + keyPart(operation) + keyPart(maxAge) + keyPart(loginChallenge) + keyPart(organization) + keyPart(via);
    if (key.includes(NOT_PLAIN)) return this.#slow(requirement);
    let handle = this.#requirements.get(key);
    if (handle === undefined) {
      handle = this.#compiled(key, specJson(aal, maxAge, operation, loginChallenge, organization, via));
      // Refused: the whole requirement as JSON names the field, in the core's order (a wrong
      // `now` before a wrong loginChallenge, organization or via), as the native core does.
      if (handle === undefined) return this.#slow(requirement);
    }
    this.#requirement = handle;
    Object.assign(previous, { handle, aal, maxAge, operation, loginChallenge, organization, via });
  }

  // The slot of a requirement's JSON, compiled now if it is not yet; undefined when the core
  // refuses it.
  #compiled(key, json) {
    let handle = this.#requirements.get(key);
    if (handle === undefined) {
      if (this.#requirements.size >= MOST_REQUIREMENTS) {
        inModule(() => this.#handle.forget());
        this.#requirements.clear();
        this.#previous.handle = SCRATCH;
      }
      const answer = inModule(() => this.#handle.compile(json, true));
      this.#views();
      if (!answer.ok) return undefined;
      handle = answer.handle;
      this.#requirements.set(key, handle);
    }
    return handle;
  }

  #slow(requirement) {
    const requirementJson = requirementToJson(requirement);
    const answer = inModule(() => this.#handle.compile(requirementJson, false));
    this.#views();
    if (!answer.ok) throw coreError(answer);
    this.#requirement = SCRATCH;
    this.#now = NaN;
    this.#returnTo = null;
  }
}

// The JSON of a requirement's compiled part (no now, no returnTo): plain values only.
function specJson(aal, maxAge, operation, loginChallenge, organization, via) {
  return JSON.stringify({ aal, maxAge, operation, loginChallenge, organization, via });
}

// A request of plain values, or null (the JSON path: errors named by the core).
function requestFields(request) {
  if (typeof request !== 'object' || request === null || !isPlain(request)) return null;
  let method, url, returnTo, now;
  try {
    for (const name in request) if (REQUEST_KEYS[name] !== true) return null;
    ({ method, url, returnTo, now } = request);
  } catch {
    return null;
  }
  if (typeof method !== 'string' || !method.isWellFormed()) return null;
  if (typeof url !== 'string' || !url.isWellFormed()) return null;
  const target = returnToOf(returnTo);
  const nowMs = nowOf(now);
  if (target === undefined || nowMs === undefined) return null;
  return { method, url, returnTo: target, now: nowMs };
}

// `returnTo` as a string, null when not given, undefined when the JSON path must judge it (a
// lone surrogate, another type).
function returnToOf(returnTo) {
  if (returnTo === undefined || returnTo === null) return null;
  return typeof returnTo === 'string' && returnTo.isWellFormed() ? returnTo : undefined;
}

// A requirement field in the cache key: its type and value, or NOT_PLAIN. Strings are
// length-prefixed so that no two requirements share a key.
function keyPart(value) {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'string') return value.isWellFormed() ? `s${value.length}:${value}` : NOT_PLAIN;
  if (typeof value === 'number') return Number.isFinite(value) ? `n${value}|` : NOT_PLAIN;
  return NOT_PLAIN;
}

// `now` as milliseconds: NaN when not given (the core reads the clock), undefined when it is
// something the JSON path must judge (an invalid Date, a string, NaN...).
function nowOf(now) {
  if (now === undefined || now === null) return NaN;
  if (typeof now === 'number') return Number.isFinite(now) ? now : undefined;
  if (typeof now === 'object' && Object.getPrototypeOf(now) === Date.prototype) {
    const ms = Date.prototype.getTime.call(now);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

function keySet(names) {
  const set = Object.create(null);
  for (const name of names) set[name] = true;
  return set;
}

function isPlain(value) {
  try {
    const proto = Object.getPrototypeOf(value);
    return (proto === Object.prototype || proto === null) && value.toJSON === undefined;
  } catch {
    return false;
  }
}


function deepFreeze(value) {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
