// The playground's state: every input of the page as a string, and its compact form in the URL
// hash (`#s=` + base64url of the JSON of the fields that differ from the defaults, deflated when
// the runtime has CompressionStream). Shared by the page (main.js) and by Node (the demo prints a
// link with the demo's Kratos URL in it). No decision here: the page asks the core.

/** Every field, its default; all strings (the form's values as they are). */
export const DEFAULTS = Object.freeze({
  // Configuration (createGate), contract §1.1
  baseUrl: 'https://auth.example.com',
  flow: 'browser',
  whoamiAal: '', // '' = Kratos's default, highest_available (Strict)
  settingsAal: '', // '' = highest_available
  privilegedMaxAge: '', // '' = 1h
  defaultReturnUrl: '',
  allowedReturnUrls: '', // one per line
  redirectOrigins: '', // one per line
  leeway: '',
  // Requirement, contract §1.3
  aal: 'aal2',
  maxAge: '',
  operation: '',
  returnTo: '',
  now: '', // '' = this browser's clock at each decision
  loginChallenge: '',
  organization: '',
  via: '',
  // What Kratos answered, contract §1.2 (or a Kratos error for recover)
  kind: 'response', // whoami | response | recover | none | unreachable | timeout
  status: '403',
  body: '{"error":{"id":"session_aal2_required","code":403}}',
  // Live fetch (the session token is never kept in the state)
  liveUrl: '',
  liveAuth: 'cookie', // cookie | token
});

export const FIELDS = Object.freeze(Object.keys(DEFAULTS));

export const KINDS = Object.freeze(['whoami', 'response', 'recover', 'none', 'unreachable', 'timeout']);

/** Above this many characters of hash, the link leaves the body out (and says how long it was). */
export const MAX_HASH = 48_000;

const VERSION = 1;
const PREFIX = '#s=';

function base64url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function through(bytes, stream) {
  const piped = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

const canDeflate = () => typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';

async function pack(object) {
  const json = new TextEncoder().encode(JSON.stringify(object));
  if (canDeflate()) return `z${base64url(await through(json, new CompressionStream('deflate-raw')))}`;
  return `j${base64url(json)}`;
}

/**
 * The hash for `state` (a partial state is completed with DEFAULTS): `#s=z…` (deflated) or
 * `#s=j…`. When it would be longer than `maxLength`, the body is left out and its length kept.
 * @param {Record<string, string>} state
 * @returns {Promise<{ hash: string, bodyOmitted: boolean }>}
 */
export async function encodeState(state, { maxLength = MAX_HASH } = {}) {
  const changed = { v: VERSION };
  for (const field of FIELDS) {
    const value = state[field] ?? DEFAULTS[field];
    if (value !== DEFAULTS[field]) changed[field] = String(value);
  }
  const hash = `${PREFIX}${await pack(changed)}`;
  if (hash.length <= maxLength || !Object.hasOwn(changed, 'body')) return { hash, bodyOmitted: false };
  const { body, ...rest } = changed;
  return { hash: `${PREFIX}${await pack({ ...rest, bodyOmitted: body.length })}`, bodyOmitted: true };
}

/**
 * The state a hash carries, completed with DEFAULTS. An empty hash is the defaults; a hash the
 * page did not write is an error (and the defaults), never a guess.
 * @param {string} hash `location.hash`
 * @returns {Promise<{ state: Record<string, string>, error: string | null, bodyOmitted: number | null, ignored: string[] }>}
 */
export async function decodeState(hash) {
  const state = { ...DEFAULTS };
  if (hash === '' || hash === '#') return { state, error: null, bodyOmitted: null, ignored: [] };
  if (!hash.startsWith(PREFIX)) return { state, error: `the hash does not start with ${PREFIX}`, bodyOmitted: null, ignored: [] };
  let object;
  try {
    const packed = hash.slice(PREFIX.length);
    let bytes = fromBase64url(packed.slice(1));
    if (packed[0] === 'z') {
      if (!canDeflate()) throw new Error('this browser cannot inflate it (no DecompressionStream)');
      bytes = await through(bytes, new DecompressionStream('deflate-raw'));
    } else if (packed[0] !== 'j') {
      throw new Error(`unknown format "${packed[0] ?? ''}"`);
    }
    object = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    return { state, error: `the hash could not be read: ${error?.message ?? error}`, bodyOmitted: null, ignored: [] };
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object) || object.v !== VERSION) {
    return { state, error: `the hash is not a version ${VERSION} playground state`, bodyOmitted: null, ignored: [] };
  }
  const ignored = [];
  for (const [key, value] of Object.entries(object)) {
    if (key === 'v' || key === 'bodyOmitted') continue;
    if (Object.hasOwn(DEFAULTS, key) && typeof value === 'string') state[key] = value;
    else ignored.push(key);
  }
  if (!KINDS.includes(state.kind)) {
    ignored.push('kind');
    state.kind = DEFAULTS.kind;
  }
  const omitted = Number.isSafeInteger(object.bodyOmitted) ? object.bodyOmitted : null;
  if (omitted !== null) state.body = '';
  return { state, error: null, bodyOmitted: omitted, ignored };
}
