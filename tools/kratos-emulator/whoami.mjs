// GET /sessions/whoami, behind the fault injection of faults.mjs.
import * as K from './kratos.mjs';
import { send, sendError } from './http.mjs';

/** The whoami route of the emulator whose state is `em` (state.mjs) and faults `faults` (faults.mjs). */
export function createWhoami(em, faults) {
  /** GET /sessions/whoami: session/handler.go whoami (FetchFromRequest, DoesSessionSatisfy). */
  return async function whoami(req, res) {
    if (await faults.answered(req, res)) return;
    const s = em.currentSession(req);
    if (!s) return sendError(req, res, K.errors.noSession());
    const owed = em.unsatisfied(s, em.o.requiredAal);
    if (owed) return sendError(req, res, owed);
    return send(res, 200, em.sessionJson(s), { 'X-Kratos-Authenticated-Identity-Id': s.identity.id });
  };
}
