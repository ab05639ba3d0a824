// aalgate: step-up authentication decisions for Ory Kratos sessions.
// This module loads the WebAssembly core, turns arguments into the strings it takes and turns
// its answers into plain objects or AalgateErrors. Every decision is the core's.
import { loadCore } from '#load-core';

import { AalgateError } from './errors.js';
import { CoreCall } from './call.js';
import { CoreFault, hostOf, inModule } from './host.js';
import { readBody } from './kratos.js';
import { isResponse } from './loader/instantiate.js';
import { INTERNAL, challengeOf, checkAnswer, namesOf, routeOf } from './marshal.js';
import {
  BODY_OVER_LIMIT,
  configToJson,
  coreString,
  normalizeKratosError,
  normalizeWhoami,
  wellFormedText,
} from './normalize.js';

export { AalgateError };

// The options of decide, recover and decideRequest: `{ explain?: boolean }`, or none.
function explainOption(options) {
  if (options === undefined || options === null) return false;
  if (typeof options !== 'object') {
    throw new AalgateError('options', `must be an object { explain?: boolean }, got ${typeof options}`);
  }
  const { explain } = options;
  if (explain === undefined) return false;
  if (typeof explain !== 'boolean') {
    throw new AalgateError('options.explain', `must be a boolean, got ${typeof explain}`);
  }
  return explain;
}

// Deletes the core's object when a Gate is collected without dispose().
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((handle) => {
        try {
          handle.delete();
        } catch {
          // already deleted or the module is gone: nothing left to free
        }
      })
    : null;

const constructing = Symbol('aalgate.Gate');

/**
 * A configured gate. Make one with {@link createGate}, reuse it for every decision, and
 * {@link Gate.dispose} it when done (a garbage-collected Gate frees its memory too).
 */
export class Gate {
  #handle;
  #call;
  // The core instance this Gate is configured on (js/host.js), and what to configure a new one
  // with after a failure inside the module.
  #host;
  #generation;
  #configJson;
  #suffixes;
  // The core's answer for when it has failed and cannot be asked (marshal.js namesOf), taken
  // from the instance this Gate was made on.
  #failure;

  /**
   * Not for direct use: call {@link createGate}.
   * @param {symbol} token
   * @param {{ host: CoreHost, core: object, handle: object, configJson: string, suffixes: string }} made
   */
  constructor(token, made) {
    if (token !== constructing) {
      throw new AalgateError('gate.constructor', 'make a Gate with: await createGate(config)');
    }
    this.#host = made.host;
    this.#failure = namesOf(made.core).failure;
    this.#configJson = made.configJson;
    this.#suffixes = made.suffixes;
    this.#adopt(made.core, made.handle, made.answer.maxBodyBytes);
  }

  // Uses `handle`, configured on `core` (with `maxBodyBytes`, the core's limit), from now on.
  #adopt(core, handle, maxBodyBytes) {
    this.#handle = handle;
    this.#call = new CoreCall(core, handle, namesOf(core), maxBodyBytes);
    this.#generation = this.#host.generation;
    registry?.register(this, handle, this);
  }

  /**
   * Decides whether an operation may go on and, if not, where to send the user.
   *
   * Never throws on whoami content: malformed or hostile input gives verdict `error` (or
   * `login`), never `allow`.
   *
   * @param {unknown} whoami what `GET /sessions/whoami` gave: a Session object (parsed JSON or
   *   an `@ory/client-fetch` Session), the JSON text of a 200 body, `{ status, body }`, or
   *   `null`/`undefined` for no session.
   * @param {object} [requirement] `{ aal, maxAge, operation, returnTo, now, loginChallenge,
   *   organization, via }`, all optional; left out or null, it is `{}`.
   * @param {{ explain?: boolean }} [options] `explain: true` adds `explanation` to the decision:
   *   the rules the core considered, in order, with the values it read (DESIGN.md,
   *   "Explanations"). The verdict is the same with or without it.
   * @returns {Readonly<{ verdict: string, url: string | null, reason: string, aal: string | null,
   *   requiredAal: string, warnings: readonly string[], challenge: string | null }>} a frozen
   *   decision; `url` is null exactly when `verdict` is `allow` or `error`; `challenge` is an
   *   RFC 9470 `WWW-Authenticate` value for `step_up` and `refresh`, null otherwise.
   * @throws {AalgateError} with the field's code (e.g. `requirement.aal`) for an invalid
   *   requirement, `whoami` for a fetch `Response` (or `@ory/client-fetch`'s `ResponseError`),
   *   whose body cannot be read synchronously: pass `{ status, body: await response.text() }` or
   *   use {@link Gate.decideResponse}; or `gate.disposed` after {@link Gate.dispose}.
   */
  decide(whoami, requirement, options) {
    return this.#decide('requirement', whoami, requirement, explainOption(options)).decision;
  }

  /**
   * {@link Gate.decide} for a whoami answer as fetch gives it: reads the body as text, then
   * decides on `{ status, body }`. Takes a `Response`, or `@ory/client-fetch`'s `ResponseError`
   * (its `.response`: the 401 / 403 of `toSession()`), or its `FetchError` (no answer: the
   * decision for `{ failure: 'unreachable' }`). A body that fails while being read is no answer
   * too.
   *
   * @param {unknown} response
   * @param {object} [requirement] as for {@link Gate.decide}.
   * @returns {Promise<Readonly<object>>} a frozen decision, as {@link Gate.decide} returns.
   * @throws {AalgateError} (as a rejection) `whoami` when `response` is none of those or its body
   *   was already read, the requirement's code, or `gate.disposed`.
   */
  async decideResponse(response, requirement) {
    return this.decide(await readWhoamiResponse(response, this.#call.maxBodyBytes), requirement);
  }

  /**
   * Turns an error a Kratos endpoint answered (a settings or login flow, whoami) into what to do
   * next: the same decision shape as {@link Gate.decide}, with Kratos's error id as the reason
   * (`session_aal2_required`, `session_refresh_required`, …, `kratos_<id>` for others).
   *
   * Never throws on error content: anything that is not a Kratos error gives verdict `error`.
   *
   * @param {unknown} error the body as JSON text, the parsed body, or `{ status, body }` (body as
   *   text or parsed). Without a status, the body's `error.code` is used.
   * @param {object} [requirement] as for {@link Gate.decide}; its `returnTo` wins over the one
   *   in Kratos's own redirect.
   * @param {{ explain?: boolean }} [options] as for {@link Gate.decide}.
   * @returns {Readonly<object>} a frozen decision, as {@link Gate.decide} returns.
   * @throws {AalgateError} for an invalid requirement, or `gate.disposed`.
   */
  recover(error, requirement, options) {
    this.#live();
    const explain = explainOption(options);
    const outcome = normalizeKratosError(error);
    return this.#inCore((call) => call.decide('recover', outcome, requirement, explain), this.#failed).decision;
  }

  /**
   * Decides for one HTTP request with the configuration's per-route `policy`: the requirement
   * of the first matching rule (or the default), with `returnTo` defaulting to `url` when `url`
   * is absolute, then as {@link Gate.decide}.
   *
   * @param {unknown} whoami as for {@link Gate.decide}.
   * @param {{ method: string, url: string, returnTo?: string, now?: number | Date }} request
   * @param {{ explain?: boolean }} [options] as for {@link Gate.decide}.
   * @returns {Readonly<object>} a frozen decision, as {@link Gate.decide} returns.
   * @throws {AalgateError} `request.method`, `request.url`, … for an invalid request, `whoami`
   *   for a fetch `Response` (as {@link Gate.decide}), or `gate.disposed`.
   */
  decideRequest(whoami, request, options) {
    return this.#decide('request', whoami, request, explainOption(options)).decision;
  }

  /**
   * The requirement the configuration's `policy` gives a request: `{ aal, maxAge?, operation?,
   * rule }`, `maxAge` in seconds, `rule` the index of the matching rule or null for the default.
   * It can be passed to {@link Gate.decide} as is.
   *
   * @param {string} method the HTTP method, e.g. `'POST'`.
   * @param {string} url an absolute URL or a path (query and fragment are ignored).
   * @returns {Readonly<{ aal: string, maxAge?: number, operation?: string, rule: number | null }>}
   * @throws {AalgateError} `request.method` or `request.url` when they are not a method and a
   *   URL, or `gate.disposed`.
   */
  requirementFor(method, url) {
    this.#live();
    // Anything but a well-formed string reaches the core as "", which it rejects with the
    // argument's code.
    const methodText = coreString(method) ?? '';
    const urlText = coreString(url) ?? '';
    return routeOf(this.#inCore((_, handle) => inModule(() => handle.requirementFor(methodText, urlText)), throwCoreFailure));
  }

  /**
   * Reads an RFC 9470 `WWW-Authenticate` challenge (`Bearer error="insufficient_user_authentication",
   * acr_values="aal2", max_age="300"`) back into a requirement for {@link Gate.decide}.
   *
   * @param {unknown} header the header's value.
   * @returns {Readonly<{ aal: string, maxAge?: number }> | null} null when the header holds no
   *   such challenge (or is not a string).
   * @throws {AalgateError} `gate.disposed`.
   */
  parseChallenge(header) {
    this.#live();
    if (typeof header !== 'string') return null;
    const text = wellFormedText(header);
    return challengeOf(this.#inCore((_, handle) => inModule(() => handle.parseChallenge(text)), throwCoreFailure));
  }

  // The core's answer for decide (`kind` 'requirement') or decideRequest ('request').
  #decide(kind, whoami, input, explain = false) {
    if (kind !== 'request' && kind !== 'requirement') {
      throw new TypeError(`aalgate: unknown decision kind ${String(kind)}`);
    }
    this.#live();
    refuseUnreadResponse(whoami);
    const outcome = normalizeWhoami(whoami);
    return this.#inCore(
      (call) =>
        kind === 'request'
          ? call.decideRequest(outcome, input, explain)
          : call.decide('decide', outcome, input, explain),
      this.#failed,
    );
  }

  // What decide, recover and decideRequest answer when the core failed (a trap, an abort, or no
  // instance while a new one is made): the core's own decision for it (error, core_failure),
  // never a pass; servers answer it with 503.
  #failed = () => this.#failure;

  // Runs `use(call, handle)` on this Gate's instance of the core, configuring itself on a new
  // instance first when the one it had failed (js/host.js). A failure inside the module (a trap,
  // an abort: a CoreFault) replaces the instance for every Gate and gives `failed(cause)`;
  // `failed(null)` while no instance is in place. Other exceptions (an AalgateError for a wrong
  // argument) go through.
  #inCore(use, failed) {
    const host = this.#host;
    if (this.#generation !== host.generation && !this.#reconfigure()) return failed(null);
    try {
      return use(this.#call, this.#handle);
    } catch (cause) {
      if (!(cause instanceof CoreFault)) throw cause;
      host.replace();
      return failed(cause);
    }
  }

  // Configures this Gate on the host's current instance, as createGate did on the first; false
  // when there is none yet (being made) or the new one failed too.
  #reconfigure() {
    const host = this.#host;
    const core = host.core;
    if (core === null) {
      host.retry();
      return false;
    }
    registry?.unregister(this);
    try {
      const handle = inModule(() => new core.Gate());
      const answer = inModule(() => handle.configure(this.#configJson, this.#suffixes));
      checkAnswer(answer); // accepted before: the same core accepts it again
      this.#adopt(core, handle, answer.maxBodyBytes);
      return true;
    } catch (cause) {
      if (cause instanceof CoreFault) host.replace();
      return false;
    }
  }

  /**
   * For aalgate/worker and aalgate/browser only (keyed by a symbol the package root does not
   * export): the decision with what a server needs of it, and the core's own-URL check.
   * @returns {{ decide(whoami: unknown, input: object, kind: 'request' | 'requirement'):
   *   { decision: Readonly<object>, sessionExpiresAt: number | null, httpStatus: number },
   *   isSelfServiceUrl(url: unknown): boolean, memoryBytes(): number, maxBodyBytes: number }}
   */
  get [INTERNAL]() {
    return {
      decide: (whoami, input, kind) => this.#decide(kind, whoami, input),
      memoryBytes: () => this.#call.memoryBytes,
      maxBodyBytes: this.#call.maxBodyBytes,
      isSelfServiceUrl: (url) => {
        this.#live();
        const text = coreString(url);
        // Fails closed: no instance, no redirect.
        return text !== null && this.#inCore((_, handle) => inModule(() => handle.isSelfServiceUrl(text)), () => false);
      },
    };
  }

  #live() {
    const handle = this.#handle;
    if (handle === null) {
      throw new AalgateError('gate.disposed', 'this Gate was disposed; create a new one');
    }
    return handle;
  }

  /**
   * Frees the gate's memory in the WebAssembly core now. Later calls of its methods throw
   * `AalgateError` with code `gate.disposed`; disposing again does nothing.
   * @returns {void}
   */
  dispose() {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    registry?.unregister(this);
    // On an instance that failed, nothing is freed: it is never called again.
    if (this.#generation === this.#host.generation) deleteHandle(handle);
  }
}

/**
 * Creates a gate for one Kratos / Ory Network deployment. Loads the WebAssembly core on first
 * use (once per process, page or isolate) and validates the configuration.
 *
 * @example
 * ```js
 * const gate = await createGate({ baseUrl: 'https://auth.example.com' });
 * const d = gate.decide(session, { aal: 'aal2', maxAge: '10m', returnTo: location.href });
 * if (d.url) location.assign(d.url);
 * ```
 *
 * @param {object} config `{ baseUrl, flow, allowedReturnUrls, kratos, leeway, policy }`.
 * @param {{ wasm?: unknown }} [options] `wasm`: where the core's `.wasm` comes from instead of
 *   the file next to the glue (for bundlers): a URL or URL string, a `Response` or a promise of
 *   one, the bytes (`ArrayBuffer` or a typed array / `DataView`), or a compiled
 *   `WebAssembly.Module`. The core loads once per process, page or isolate: the first
 *   `createGate` that loads it uses its `wasm`; once it is loaded (or loading), a later `wasm` is
 *   checked but not used. A load that failed is tried again by the next call, with its `wasm`.
 * @returns {Promise<Gate>}
 * @throws {AalgateError} (as a rejection) with the field's code, e.g. `config.baseUrl`, for an
 *   invalid configuration, `options` / `options.<key>` / `options.wasm` for invalid options, or
 *   `core.load` when the WebAssembly core cannot be loaded (its message says when a
 *   Content-Security-Policy without `'wasm-unsafe-eval'` refused the compilation).
 */
export async function createGate(config, options) {
  // Serialised before any await: later changes to `config` do not leak into the gate.
  const configJson = configToJson(config);
  const source = wasmSource(options);
  let core;
  try {
    core = await loadCore(source);
  } catch (cause) {
    if (cause instanceof AalgateError) throw cause;
    throw new AalgateError('core.load', `the aalgate WebAssembly core could not be loaded: ${describe(cause)}${refusalHint(cause)}`, {
      cause,
    });
  }
  const host = hostOf(core);
  const made = await configured(host, configJson, '');
  if (!made.answer.ok && made.answer.code === PUBLIC_SUFFIX_LIST_REQUIRED) {
    // A wildcard in allowedReturnUrls is judged against the Public Suffix List, a separate
    // file loaded only for such a configuration (the default core stays small).
    deleteHandle(made.handle);
    const suffixes = await loadPublicSuffixList();
    return gateFrom(await configured(host, configJson, suffixes));
  }
  return gateFrom(made);
}

// A core Gate configured with `configJson` on the host's instance (made again first if one
// failed); `answer` is the core's.
async function configured(host, configJson, suffixes) {
  for (let attempt = 0; ; attempt += 1) {
    const core = await host.ready().catch((cause) => {
      throw new AalgateError('core.load', `the aalgate WebAssembly core could not be loaded: ${describe(cause)}`, { cause });
    });
    try {
      const handle = inModule(() => new core.Gate());
      try {
        return { host, core, handle, configJson, suffixes, answer: inModule(() => handle.configure(configJson, suffixes)) };
      } catch (error) {
        if (!(error instanceof CoreFault)) deleteHandle(handle);
        throw error;
      }
    } catch (error) {
      if (!(error instanceof CoreFault) || attempt > 0) throw coreFailure(error);
      host.replace(); // configuring failed inside the module: once more on a new instance
    }
  }
}

function gateFrom(made) {
  try {
    checkAnswer(made.answer);
  } catch (error) {
    deleteHandle(made.handle);
    throw error;
  }
  return new Gate(constructing, made);
}

function coreFailure(cause) {
  if (cause instanceof AalgateError) return cause;
  return new AalgateError('core.failure', `the aalgate core failed: ${describe(cause?.cause ?? cause)}`, { cause });
}

function throwCoreFailure(cause) {
  throw cause === null
    ? new AalgateError('core.failure', 'the aalgate core failed and is being instantiated again; try again')
    : coreFailure(cause);
}

// The core's answer when a configuration needs the Public Suffix List it was not given.
const PUBLIC_SUFFIX_LIST_REQUIRED = 'publicSuffixList';

let publicSuffixList;
function loadPublicSuffixList() {
  publicSuffixList ??= import('./core/aalgate-public-suffix.js').then(
    (module) => module.default,
    (cause) => {
      publicSuffixList = undefined;
      throw new AalgateError(
        'core.load',
        `the Public Suffix List (aalgate/core/aalgate-public-suffix.js), needed for a wildcard in allowedReturnUrls, could not be loaded: ${describe(cause)}`,
        { cause },
      );
    },
  );
  return publicSuffixList;
}

/**
 * The `wasm` option as the loaders take it (js/loader/instantiate.js `compileSource`), or
 * undefined for the runtime's default. Checked before any await.
 * @param {unknown} options createGate's second argument
 * @returns {{ module: WebAssembly.Module } | { bytes: ArrayBuffer | ArrayBufferView } | { url: URL }
 *   | { response: unknown } | undefined}
 * @throws {AalgateError} `options`, `options.<key>`, `options.wasm`
 */
function wasmSource(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new AalgateError('options', 'options must be an object: { wasm }');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'wasm') throw new AalgateError(`options.${key}`, `options.${key} is not an option (wasm)`);
  }
  const { wasm } = options;
  if (wasm === undefined || wasm === null) return undefined;
  const tag = Object.prototype.toString.call(wasm);
  if (wasm instanceof WebAssembly.Module || tag === '[object WebAssembly.Module]') return { module: wasm };
  if (wasm instanceof ArrayBuffer || tag === '[object ArrayBuffer]' || ArrayBuffer.isView(wasm)) {
    return { bytes: wasm };
  }
  if (wasm instanceof URL || typeof wasm === 'string') {
    let url;
    try {
      url = new URL(String(wasm), pageBase());
    } catch {
      url = null;
    }
    if (url !== null) return { url };
  } else if (isResponse(wasm)) {
    return { response: wasm };
  } else if (typeof wasm.then === 'function') {
    return { response: wasm };
  }
  throw new AalgateError(
    'options.wasm',
    'options.wasm must be the URL of aalgate-core.wasm (a URL or an absolute URL string, relative in a page), a Response or a promise of one, its bytes (ArrayBuffer, typed array) or a compiled WebAssembly.Module',
  );
}

// A page's base URL for a relative `wasm` string; undefined elsewhere (the URL must be absolute).
function pageBase() {
  try {
    return globalThis.document?.baseURI ?? globalThis.location?.href;
  } catch {
    return undefined;
  }
}

// What a refused compilation (a page's Content-Security-Policy, a runtime that forbids code
// generation) looks like in Chromium, Firefox, Safari and workerd: an EvalError, or a CompileError
// naming the policy.
const REFUSED = /unsafe-eval|wasm-eval|content.security.policy|\bCSP\b|code generation|disallowed by embedder/i;

function refusalHint(cause) {
  let refused = false;
  try {
    refused = cause instanceof EvalError || (cause instanceof Error && REFUSED.test(cause.message));
  } catch {
    refused = false;
  }
  if (!refused) return '';
  return ". WebAssembly compilation was refused: a page with a Content-Security-Policy needs 'wasm-unsafe-eval' in script-src (no 'unsafe-eval' needed); a runtime that compiles nothing at run time (workerd) needs the .wasm imported as a module, or a compiled WebAssembly.Module as createGate's { wasm }";
}

// A fetch Response (or `@ory/client-fetch`'s ResponseError holding one) given where a whoami
// outcome is taken: its body can only be read asynchronously, so it would be judged as nothing.
function refuseUnreadResponse(whoami) {
  if (unreadResponseOf(whoami) === null) return;
  throw new AalgateError(
    'whoami',
    'whoami is a fetch Response (or a ResponseError holding one), whose body is not read yet: pass { status: response.status, body: await response.text() }, or use await gate.decideResponse(response, requirement)',
  );
}

// The Response `value` is or holds (`.response` of a ResponseError), else null. A Response looks
// like one: a numeric `status`, `headers.get`, and `text()` or `json()`.
function unreadResponseOf(value) {
  if (typeof value !== 'object' || value === null) return null;
  try {
    if (looksLikeResponse(value)) return value;
    const held = value instanceof Error || value.name === 'ResponseError' ? value.response : undefined;
    return looksLikeResponse(held) ? held : null;
  } catch {
    return null;
  }
}

function looksLikeResponse(value) {
  if (typeof Response === 'function' && value instanceof Response) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof value.status === 'number' &&
    typeof value.headers?.get === 'function' &&
    (typeof value.text === 'function' || typeof value.json === 'function')
  );
}

// What decideResponse decides on: `{ status, body }` from a Response (or a ResponseError's), the
// no-answer outcome for `@ory/client-fetch`'s FetchError or a body that broke off. The body is
// read no further than maxBodyBytes (js/kratos.js readBody).
async function readWhoamiResponse(value, maxBodyBytes) {
  const response = unreadResponseOf(value);
  if (response === null) {
    let fetchFailed = false;
    try {
      fetchFailed = value instanceof Error && value.name === 'FetchError';
    } catch {
      fetchFailed = false;
    }
    if (fetchFailed) return NO_ANSWER;
    throw new AalgateError('whoami', 'decideResponse takes a fetch Response, or @ory/client-fetch\'s ResponseError or FetchError');
  }
  if (response.bodyUsed === true) {
    throw new AalgateError('whoami', 'the Response body was already read: pass response.clone() before reading it, or { status, body }');
  }
  const { status } = response;
  let body;
  try {
    // A Response-like object with neither a stream nor text(): its json(), measured after by
    // the core (js/call.js) like any text.
    body =
      typeof response.text === 'function' || typeof response.body?.getReader === 'function'
        ? await readBody(response, maxBodyBytes)
        : JSON.stringify(await response.json());
  } catch {
    return NO_ANSWER;
  }
  return { status, body: typeof body === 'string' || body === BODY_OVER_LIMIT ? body : '' };
}

const NO_ANSWER = Object.freeze({ failure: 'unreachable' });

// Frees a core Gate: a failure inside the module (inModule's CoreFault) is core.failure.
function deleteHandle(handle) {
  try {
    inModule(() => handle.delete());
  } catch (error) {
    throw coreFailure(error);
  }
}

function describe(error) {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unknown error';
  }
}
