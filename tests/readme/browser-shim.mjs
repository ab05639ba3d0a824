// Preloaded (node --import) before a README sample: gives it the browser globals the SPA samples
// use. `fetch` to https://auth.example.com and https://app.example.com (and relative URLs, which
// resolve against location.href as in a page) goes to the local stand-ins whose address is in
// AALGATE_README_KRATOS: Kratos answering with tests/fixtures/kratos bodies, and an app API.
// `location.assign` prints the URL it was given so the test can check it.
const local = process.env.AALGATE_README_KRATOS;
const href = 'https://app.example.com/billing?invoice=42&tab=pay';
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = new URL(String(input instanceof Request ? input.url : input), href).href;
  const stand_in = /^https:\/\/(auth|app)\.example\.com\//.exec(url);
  if (!stand_in) return realFetch(input, init);
  const routed = `${local}/${stand_in[1]}${url.slice(stand_in[0].length - 1)}`;
  return input instanceof Request ? realFetch(new Request(routed, input), init) : realFetch(routed, init);
};
globalThis.location = {
  href,
  assign(url) {
    console.log(`location.assign: ${url}`);
  },
};
