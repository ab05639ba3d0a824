// One runner for every runtime of the end-to-end tests: Node imports it, the browser page loads
// it next to the package, and the workerd test bundles it into the worker. It uses only what the
// package exports and what every runtime has (no Node, DOM or Workers APIs), and returns plain
// JSON-able data, so the decisions from each runtime can be compared with deepStrictEqual.

// A whoami or requirement crosses runtimes as JSON; `{ "$date": "<RFC 3339>" }` stands for a
// Date, so Date handling (`now`, @ory/client-fetch sessions) is exercised in each runtime.
function revive(value) {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  if (typeof value.$date === 'string' && Object.keys(value).length === 1) return new Date(value.$date);
  const out = {};
  for (const [key, item] of Object.entries(value)) out[key] = revive(item);
  return out;
}

function describeError(error, AalgateError) {
  return {
    error: {
      aalgateError: error instanceof AalgateError,
      name: error?.name ?? null,
      code: error?.code ?? null,
    },
  };
}

function plainDecision(decision) {
  return {
    decision: { ...decision, warnings: [...decision.warnings] },
    frozen: Object.isFrozen(decision) && Object.isFrozen(decision.warnings),
  };
}

/**
 * Creates one gate for `config` and decides every case with it.
 * @param {{ createGate: Function, AalgateError: Function }} aalgate the package's exports
 * @param {object} config
 * @param {{ whoami: unknown, requirement?: object }[]} cases JSON form (see `revive`)
 * @returns {Promise<object[]>} one `{ decision, frozen }` or `{ error }` per case
 */
export async function runCases(aalgate, config, cases) {
  const { createGate, AalgateError } = aalgate;
  const gate = await createGate(config);
  try {
    return cases.map(({ whoami, requirement }) => {
      try {
        return plainDecision(gate.decide(revive(whoami), revive(requirement)));
      } catch (error) {
        return describeError(error, AalgateError);
      }
    });
  } finally {
    gate.dispose();
  }
}

/**
 * createGate with a configuration expected to be refused: what it rejected with.
 * @returns {Promise<object>} `{ error }`, or `{ created: true }` when it was accepted
 */
export async function tryConfig(aalgate, config) {
  try {
    const gate = await aalgate.createGate(config);
    gate.dispose();
    return { created: true };
  } catch (error) {
    return describeError(error, aalgate.AalgateError);
  }
}
