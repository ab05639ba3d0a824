// allowed_return_urls as Kratos loads them (driver/config/config.go
// SelfServiceBrowserAllowedReturnToDomains: oryx/corsx/check_origin.go ClassifyOrigin drops unsafe
// wildcards, Go's x/net/publicsuffix EffectiveTLDPlusOne decides the base) and return_to as
// x/redir/secure_redirect.go SecureRedirectTo checks it.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  classifyOrigin,
  effectiveTldPlusOne,
  isUnsafeWildcard,
  loadPublicSuffixList,
  parsePublicSuffixList,
  publicSuffix,
} from '../../tools/kratos-emulator/publicsuffix.mjs';
import { BOB, HTML, emulator, http } from './helpers.js';

const PSL = loadPublicSuffixList();
const allowed = async (kratos, rt) => {
  const r = await http(kratos, `/self-service/login/api?return_to=${encodeURIComponent(rt)}`);
  if (r.status === 200) return true;
  assert.equal(r.status, 400, `${rt}: ${r.text}`);
  return r.json().error.id === 'self_service_flow_return_to_forbidden' ? false : r.json().error.reason;
};

test('the Public Suffix List algorithm: rules, wildcards, exceptions, the default rule, punycode', { skip: PSL === null && 'no /usr/share/publicsuffix/public_suffix_list.dat' }, () => {
  assert.equal(publicSuffix('www.example.com', PSL), 'com');
  assert.equal(publicSuffix('a.b.example.co.uk', PSL), 'co.uk');
  assert.equal(publicSuffix('my.app.vercel.app', PSL), 'vercel.app'); // PRIVATE section
  assert.equal(publicSuffix('x.github.io', PSL), 'github.io');
  assert.equal(publicSuffix('foo.bar.ck', PSL), 'bar.ck'); // *.ck
  assert.equal(publicSuffix('www.ck', PSL), 'ck'); // !www.ck
  assert.equal(publicSuffix('a.b.nonexistent-tld', PSL), 'nonexistent-tld'); // the default rule *
  assert.equal(publicSuffix('example.公司.cn', PSL), 'xn--55qx5d.cn'); // compared in punycode
  assert.equal(effectiveTldPlusOne('a.b.example.co.uk', PSL), 'example.co.uk');
  assert.equal(effectiveTldPlusOne('co.uk', PSL), null);
  assert.equal(effectiveTldPlusOne('www.ck', PSL), 'www.ck');
  assert.equal(effectiveTldPlusOne('.example.com', PSL), null);
  assert.equal(effectiveTldPlusOne('example..com', PSL), null);
  const tiny = parsePublicSuffixList('// ===BEGIN ICANN DOMAINS===\ncom\n*.kawasaki.jp\n!city.kawasaki.jp\n// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n');
  assert.equal(publicSuffix('x.blogspot.com', tiny), 'blogspot.com');
  assert.equal(publicSuffix('a.b.kawasaki.jp', tiny), 'b.kawasaki.jp');
  assert.equal(publicSuffix('city.kawasaki.jp', tiny), 'kawasaki.jp');
  for (const [p, unsafe, base] of [
    ['*.vercel.app', true, 'vercel.app'],
    ['*.co.uk', true, 'co.uk'],
    ['*.com', true, 'com'],
    ['*foo.com', true, 'com'],
    ['www.ory.*', true, ''],
    ['*', true, ''],
    ['foo.*.com', true, 'com'],
    ['*.example.com', false, 'example.com'],
    ['*.EXAMPLE.com:8443', false, 'example.com'],
    ['exact.example.com', false, ''],
  ]) {
    const c = classifyOrigin(p, PSL);
    assert.equal(isUnsafeWildcard(c), unsafe, p);
    assert.equal(c.base, base, p);
  }
});

test('unsafe wildcards are dropped at load time (not an error); *.example.com is kept', async (t) => {
  const entries = [
    'https://*.vercel.app',
    'https://*.co.uk',
    'https://*.com',
    'https://*foo.com',
    'https://www.ory.*',
    'https://*',
    'https://*.example.com',
    'not a url',
  ];
  const kratos = await emulator(t, { allowedReturnUrls: entries });
  const state = (await http(kratos, '/__emulator/state')).json();
  assert.deepEqual(state.config.ignoredReturnUrls, entries.filter((e) => e !== 'https://*.example.com'));
  assert.equal(state.config.publicSuffixList, '/usr/share/publicsuffix/public_suffix_list.dat');
  for (const [rt, ok] of [
    ['https://a.example.com/', true],
    ['https://a.b.example.com/any?x=1', true],
    ['https://A.Example.COM/', true],
    ['https://example.com/', false],
    ['https://evilexample.com/', false],
    ['https://a.example.com:8443/', false], // the port is part of the host
    ['http://a.example.com/', false],
    ['https://my-app.vercel.app/', false],
    ['https://shop.co.uk/', false],
    ['https://evil.com/', false],
    ['https://evilfoo.com/', false],
    ['https://www.ory.sh/', false],
    ['https://anything.net/', false],
  ]) {
    assert.equal(await allowed(kratos, rt), ok, rt);
  }
});

test('without the public suffix list every wildcard is dropped', async (t) => {
  const kratos = await emulator(t, { allowedReturnUrls: ['https://*.example.com', 'https://app.example.org'], publicSuffixList: '/nonexistent/psl.dat' });
  const state = (await http(kratos, '/__emulator/state')).json();
  assert.equal(state.config.publicSuffixList, null);
  assert.deepEqual(state.config.ignoredReturnUrls, ['https://*.example.com']);
  assert.equal(await allowed(kratos, 'https://a.example.com/'), false);
  assert.equal(await allowed(kratos, 'https://app.example.org/'), true);
});

test('a relative return_to takes scheme and host from default_browser_return_url', async (t) => {
  const kratos = await emulator(t, {
    allowedReturnUrls: ['https://app.example.com/dash'],
    defaultReturnUrl: 'https://app.example.com/home',
    requiredAal: 'aal1',
  });
  assert.equal(await allowed(kratos, '/dash/x'), true);
  assert.equal(await allowed(kratos, '/dashboard?tab=1'), true);
  assert.equal(await allowed(kratos, '//app.example.com/dash'), true); // scheme from the default URL
  assert.equal(await allowed(kratos, '/home'), false);
  // <public>/self-service is allowed, but a relative /self-service is on the default URL's host
  assert.equal(await allowed(kratos, `${kratos.url}/self-service/settings/browser`), true);
  assert.equal(await allowed(kratos, '/self-service/settings/browser'), false);
  const r = await http(kratos, `/self-service/login/api?return_to=${encodeURIComponent('/elsewhere?a=1&b=2')}`);
  assert.ok(r.text.includes('Requested return_to URL \\"https://app.example.com/elsewhere?a=1\\u0026b=2\\" is not allowed.'), r.text);
  // after the login the browser goes to the absolute URL
  const f = await http(kratos, `/self-service/login/browser?return_to=${encodeURIComponent('/dash/x')}`, { accept: HTML });
  const done = await http(kratos, `/self-service/login?flow=${new URL(f.location).searchParams.get('flow')}`, {
    method: 'POST', accept: HTML, form: { method: 'password', identifier: BOB.email, password: BOB.password },
  });
  assert.equal(done.location, 'https://app.example.com/dash/x');
});

test('path prefix on the decoded path (or /); any scheme; host with port, case-insensitive; unparsable → 400 without id', async (t) => {
  const kratos = await emulator(t, {
    allowedReturnUrls: ['https://app.example.com/dash', 'https://app.example.com:8443/caf%C3%A9', 'myapp://callback', 'https://root.example.com'],
  });
  for (const [rt, ok] of [
    ['https://app.example.com/%64ashboard', true], // decoded: /dashboard
    ['https://app.example.com/dash%2Fx', true], // decoded: /dash/x
    ['https://app.example.com/da%73h', true],
    ['https://app.example.com/DASH', false], // case-sensitive
    ['https://app.example.com/da', false],
    ['https://app.example.com:8443/café/menu', true],
    ['https://app.example.com:8443/caf%C3%A9/menu', true],
    ['https://APP.EXAMPLE.COM:8443/café', true],
    ['https://app.example.com/café', false], // no port: another host
    ['myapp://callback', true],
    ['MYAPP://callback/done?code=1', true],
    ['otherapp://callback', false],
    ['https://root.example.com', true], // "" → "/"
    ['https://root.example.com/any/thing', true],
  ]) {
    assert.equal(await allowed(kratos, rt), ok, rt);
  }
  const bad = await allowed(kratos, 'https://app.example.com/%zz');
  assert.match(bad, /^Unable to parse the return_to query parameter as an URL/);
});
