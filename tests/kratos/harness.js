// Starts and stops a real Ory Kratos v1.3.1 (built by tools/kratos.sh from tests/kratos/)
// for the tests of this folder. Not a test file itself.
//
// One Kratos per configuration: a temp folder with kratos.yml and the identity schema, loopback
// ports, SQLite in memory (migrated by Kratos at start) or in a temp file (a copy of a database
// migrated once by `kratos migrate sql`, for tests that read or write it), `serve --dev` (cookies
// without Secure, so plain-HTTP loopback works; bcrypt cost 4 allowed), stopped with its process
// group. The binary is found through `kratos.sh --path` and built through `kratos.sh` when missing
// (AALGATE_KRATOS_BIN names another binary).
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const KRATOS_SH = join(ROOT, 'tools/kratos.sh');

/** The app that Kratos sends users back to; nothing listens there, redirects are never followed. */
export const APP = 'https://app.example.com';

/** The identity schema: an email that is the password identifier and the TOTP account name. */
export const IDENTITY_SCHEMA = {
  $id: 'https://aalgate.test/identity.schema.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Person',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          title: 'E-Mail',
          'ory.sh/kratos': { credentials: { password: { identifier: true }, totp: { account_name: true } } },
        },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
};

let binaryPromise = null;

/** The Kratos binary: built (minutes, once per go.sum) when the cache does not have it yet. */
export function kratosBinary() {
  binaryPromise ??= (async () => {
    if (process.env.AALGATE_KRATOS_BIN) return process.env.AALGATE_KRATOS_BIN;
    const { stdout } = await run('bash', [KRATOS_SH, '--path']);
    const bin = stdout.trim();
    if (existsSync(bin)) return bin;
    const started = Date.now();
    try {
      const built = await run('bash', [KRATOS_SH], { maxBuffer: 1 << 24 });
      process.stderr.write(built.stderr);
    } catch (err) {
      throw new Error(`tools/kratos.sh could not build Kratos:\n${err.stderr ?? err.message}`);
    }
    process.stderr.write(`harness: Kratos built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return bin;
  })();
  return binaryPromise;
}

/**
 * An empty database migrated by `kratos migrate sql` (5 s or more), made once next to the binary
 * and copied for each file-database Kratos; in the temp folder when the binary's is read-only.
 */
async function migratedTemplate(bin, configFile) {
  const file = join(dirname(bin), 'migrated.sqlite');
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  const env = { ...process.env, DSN: `sqlite://${tmp}?_fk=true`, SQA_OPT_OUT: 'true' };
  try {
    await run(bin, ['migrate', 'sql', '-e', '--yes', '-c', configFile], { env });
  } catch (err) {
    if (err.code !== undefined && /permission|read-only/i.test(err.stderr ?? '')) {
      const own = join(dirname(configFile), 'migrated.sqlite');
      await run(bin, ['migrate', 'sql', '-e', '--yes', '-c', configFile], { env: { ...env, DSN: `sqlite://${own}?_fk=true` } });
      return own;
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  renameSync(tmp, file); // atomic: a parallel test file sees the whole file or none
  return file;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The kratos.yml of one configuration, as an object (JSON is YAML).
 * @param {object} o
 * @param {'aal1'|'highest_available'} o.whoamiAal       session.whoami.required_aal
 * @param {'aal1'|'highest_available'} o.settingsAal     selfservice.flows.settings.required_aal
 * @param {string} o.privilegedMaxAge                     selfservice.flows.settings.privileged_session_max_age
 * @param {string[]} o.allowedReturnUrls                  selfservice.allowed_return_urls
 * @param {string} o.defaultReturnUrl                     selfservice.default_browser_return_url
 * @param {string} o.loginLifespan                        selfservice.flows.login.lifespan
 * @param {object} [o.tokenizer]                          session.whoami.tokenizer (templates), when given
 */
export function kratosConfig({ publicPort, adminPort, dsn, schemaUrl, whoamiAal, settingsAal, privilegedMaxAge, allowedReturnUrls, defaultReturnUrl, loginLifespan, tokenizer }) {
  return {
    version: 'v1.3.1',
    dsn,
    serve: {
      public: { base_url: `http://127.0.0.1:${publicPort}/`, host: '127.0.0.1', port: publicPort },
      admin: { base_url: `http://127.0.0.1:${adminPort}/`, host: '127.0.0.1', port: adminPort },
    },
    selfservice: {
      default_browser_return_url: defaultReturnUrl,
      allowed_return_urls: allowedReturnUrls,
      methods: {
        password: { enabled: true, config: { haveibeenpwned_enabled: false } },
        totp: { enabled: true, config: { issuer: 'aalgate-test' } },
        lookup_secret: { enabled: true },
      },
      flows: {
        settings: { required_aal: settingsAal, privileged_session_max_age: privilegedMaxAge },
        login: { lifespan: loginLifespan },
      },
    },
    session: { whoami: { required_aal: whoamiAal, ...(tokenizer ? { tokenizer } : {}) } },
    secrets: {
      cookie: ['aalgate-test-cookie-secret-0123456789'],
      cipher: ['aalgate-test-cipher-secret-01234'],
    },
    // The lowest cost `--dev` allows: hashing stays out of the suite's time.
    hashers: { algorithm: 'bcrypt', bcrypt: { cost: 4 } },
    identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: schemaUrl }] },
    // Never used (no courier runs), but the schema wants a URI.
    courier: { smtp: { connection_uri: 'smtp://127.0.0.1:1/' } },
    log: { level: 'warning', format: 'json', leak_sensitive_values: false },
  };
}

/**
 * Starts one Kratos. Options as kratosConfig, plus `database: 'memory' | 'file'`.
 * Returns { url, adminUrl, config, options, dir, dbFile, sql(statement, ...args), stop(), log() }.
 */
export async function startKratos(options = {}) {
  const o = {
    whoamiAal: 'highest_available',
    settingsAal: 'highest_available',
    privilegedMaxAge: '3s',
    allowedReturnUrls: [`${APP}/`],
    defaultReturnUrl: `${APP}/`,
    loginLifespan: '10m',
    database: 'memory',
    ...options,
  };
  const bin = await kratosBinary();
  const dir = mkdtempSync(join(tmpdir(), 'aalgate-kratos-'));
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const schemaFile = join(dir, 'identity.schema.json');
  writeFileSync(schemaFile, JSON.stringify(IDENTITY_SCHEMA));
  const dbFile = o.database === 'file' ? join(dir, 'db.sqlite') : null;
  const dsn = dbFile ? `sqlite://${dbFile}?_fk=true&_busy_timeout=5000` : 'memory';
  const config = kratosConfig({ ...o, publicPort, adminPort, dsn, schemaUrl: `file://${schemaFile}` });
  const configFile = join(dir, 'kratos.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const env = { ...process.env, DSN: dsn, SQA_OPT_OUT: 'true' };

  if (dbFile) {
    try {
      copyFileSync(await migratedTemplate(bin, configFile), dbFile);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`kratos migrate sql failed:\n${err.stderr ?? err.message}`);
    }
  }

  const logFile = join(dir, 'kratos.log');
  const out = openSync(logFile, 'a');
  const child = spawn(bin, ['serve', '-c', configFile, '--dev', '--sqa-opt-out'], {
    env,
    detached: true, // its own process group, killed as a whole
    stdio: ['ignore', out, out],
  });
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', kill);

  const url = `http://127.0.0.1:${publicPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`Kratos exited at start (${JSON.stringify(exited)}):\n${log()}`);
    try {
      const res = await fetch(`${adminUrl}/admin/health/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      kill();
      throw new Error(`Kratos not ready after 30 s:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url,
    adminUrl,
    config,
    options: o,
    dir,
    dbFile,
    log,
    /** One SQL statement on the file database (our `kratos aalgate-sql`): the rows, parsed. */
    async sql(statement, ...args) {
      if (!dbFile) throw new Error('sql() needs database: "file"');
      const { stdout } = await run(bin, ['aalgate-sql', dbFile, statement, ...args.map(String)]);
      return stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    async stop() {
      process.removeListener('exit', kill);
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        kill();
        let timer;
        await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 5000)))]);
        clearTimeout(timer); // a pending timer would hold the test process for 5 s
        if (!exited) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
      }
      if (!process.env.AALGATE_KEEP_KRATOS) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a Kratos for a test suite (node:test `before`) and stops it after (`after`). */
export function kratosFor(t, options) {
  return startKratos(options).then((k) => {
    t.after(() => k.stop());
    return k;
  });
}
