// aalgate against a real Kratos v1.3.1 under Strict (session.whoami.required_aal and
// selfservice.flows.settings.required_aal highest_available, privileged_session_max_age 3s).
import { defineMatrix } from './matrix.js';

defineMatrix('strict');
