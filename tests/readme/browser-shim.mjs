// Preloaded (node --import) before a README sample: gives it the browser globals the SPA samples
// use, and the network the samples name. `fetch` to https://auth.example.com goes to the Kratos
// emulator (its address in AALGATE_README_KRATOS), to https://app.example.com to the app's API
// (AALGATE_README_APP); relative URLs resolve against location.href, as in a page. Like a
// browser's cookie jar, a request to auth.example.com with `credentials: 'include'` carries the
// session cookie in AALGATE_README_COOKIE. Each of those requests is written to stderr as
// `readme-shim: <METHOD> <URL> → <status>` for the test to check; `location.assign` prints the
// URL it was given. https://origin.example.com is the origin behind the worker sample
// (AALGATE_README_ORIGIN, an echo); a request for any other host is refused and logged with
// `→ refused`: no sample reaches the Internet, and the test sees any attempt.
// `document.querySelector(selector)` gives an element whose `addEventListener('click', fn)` clicks
// it at once (printing `click: <selector>`).
const SHIM = 'readme-shim: ';
const local = {
  auth: process.env.AALGATE_README_KRATOS,
  app: process.env.AALGATE_README_APP,
  origin: process.env.AALGATE_README_ORIGIN,
};
const cookie = process.env.AALGATE_README_COOKIE ?? '';
const href = 'https://app.example.com/billing?invoice=42&tab=pay';
const realFetch = globalThis.fetch;

globalThis.fetch = async (input, init) => {
  const url = new URL(String(input instanceof Request ? input.url : input), href).href;
  const host = /^https:\/\/(auth|app|origin)\.example\.com\//.exec(url);
  if (!host || local[host[1]] === undefined) {
    process.stderr.write(`${SHIM}${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${url} → refused\n`);
    throw new TypeError(`readme-shim: no network for ${url}`);
  }
  const routed = `${local[host[1]]}${url.slice(host[0].length - 1)}`;
  const request = new Request(new Request(routed, input instanceof Request ? input : undefined), init);
  const headers = new Headers(request.headers);
  if (host[1] === 'auth' && request.credentials === 'include' && cookie !== '') headers.set('cookie', cookie);
  const line = `${SHIM}${request.method} ${url}`;
  try {
    const response = await realFetch(new Request(request, { headers }));
    process.stderr.write(`${line} → ${response.status}\n`);
    return response;
  } catch (error) {
    process.stderr.write(`${line} → ${error}\n`);
    throw error;
  }
};

globalThis.location = {
  href,
  assign(url) {
    console.log(`location.assign: ${url}`);
  },
};

globalThis.document = {
  querySelector(selector) {
    return {
      addEventListener(type, listener) {
        if (type !== 'click') return;
        console.log(`click: ${selector}`);
        listener({ type, target: this });
      },
    };
  },
};
