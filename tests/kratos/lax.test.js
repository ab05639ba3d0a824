// aalgate against a real Kratos v1.3.1 under Lax (session.whoami.required_aal and
// selfservice.flows.settings.required_aal aal1, privileged_session_max_age 3s).
import { defineMatrix } from './matrix.js';

defineMatrix('lax');
