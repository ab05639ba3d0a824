// GET /sessions/whoami, behind the fault injection of faults.mjs, with ?tokenize_as= (tokenize.mjs).
import * as K from './kratos.mjs';
import { sendError } from './http.mjs';

/**
 * The whoami route of the emulator whose state is `em` (state.mjs), faults `faults` (faults.mjs)
 * and tokenizer `tokenizer` (tokenize.mjs).
 */
export function createWhoami(em, faults, tokenizer) {
  /** GET /sessions/whoami: session/handler.go whoami (FetchFromRequest, DoesSessionSatisfy, TokenizeSession). */
  return async function whoami(req, res, url) {
    em.countWhoami(req); // not Kratos: counters.whoami and by session (faulted calls too)
    if (await faults.answered(req, res)) return;
    const s = em.currentSession(req);
    if (!s) return sendError(req, res, K.errors.noSession());
    const owed = em.unsatisfied(s, em.o.requiredAal);
    if (owed) return sendError(req, res, owed);
    const body = em.sessionJson(s);
    // r.URL.Query().Get("tokenize_as"): the first value; empty means no token. After the AAL
    // check, so a 401 or 403 comes first; an error of the tokenizer is the answer.
    const template = url.searchParams.get('tokenize_as') ?? '';
    if (template !== '') {
      em.counters.tokenized += 1;
      const r = await tokenizer.tokenize(template, body, s.identity);
      if (r.error) return sendError(req, res, r.error);
      body.tokenized = r.token; // session/session.go: `tokenized,omitempty`, after `devices`
    }
    return faults.sendSession(res, body, { 'X-Kratos-Authenticated-Identity-Id': s.identity.id });
  };
}
