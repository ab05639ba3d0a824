// Preloaded (node --import) before a README sample: gives it the two browser globals the SPA
// sample uses. `fetch` to https://auth.example.com goes to the local Kratos stand-in whose
// address is in AALGATE_README_KRATOS (it answers with tests/fixtures/kratos bodies);
// `location.assign` prints the URL it was given so the test can check it.
const kratos = process.env.AALGATE_README_KRATOS;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  const routed = url.startsWith('https://auth.example.com/')
    ? kratos + url.slice('https://auth.example.com'.length)
    : url;
  return realFetch(routed, init);
};
globalThis.location = {
  href: 'https://app.example.com/billing?invoice=42&tab=pay',
  assign(url) {
    console.log(`location.assign: ${url}`);
  },
};
