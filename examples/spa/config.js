// The app's settings. examples/spa/server.mjs serves its own version of this file with the
// Kratos URL it started; on a static host, edit these values.
window.AALGATE_CONFIG = {
  // Kratos public URL (or Ory project URL); it must allow this page's origin with credentials.
  kratosUrl: 'http://127.0.0.1:4433',
  // Where the app's API lives ('' = this origin).
  apiBase: '',
  // Mirror of the server's kratos.yml keys aalgate needs (here: Lax, as the example's Kratos).
  kratos: { session: { whoami: { required_aal: 'aal1' } } },
};
