// aalgate against a real Kratos v1.3.1 with a Lax whoami and Strict settings
// (session.whoami.required_aal aal1, selfservice.flows.settings.required_aal highest_available):
// the settings requirement aalgate cannot verify on a Lax whoami, and says so.
import { defineMatrix } from './matrix.js';

defineMatrix('mixed');
