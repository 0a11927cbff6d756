// A real OpenID Connect provider (the npm package oidc-provider) on a loopback port, for the
// tests of sign-in through the city's identity provider (tests/access/test_oidc.py).
//
//   OIDC_TEST_CONFIG='{"client_id": ..., "client_secret": ..., "redirect_uris": [...],
//                      "accounts": {"<sub>": {"password": ..., "claims": {...}}}}' \
//   node tests/access/oidc_provider.mjs
//
// It prints one JSON line, {"issuer": "http://127.0.0.1:<port>"}, once it listens, and runs
// until killed. Sign-in and consent are its own small HTML forms (a user name and password
// checked against the accounts given; an "allow" button), not the package's development
// interactions, which accept any login without a password.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const accounts = config.accounts || {};

const server = http.createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['test-only-cookie-signing-key'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'cockpit_role'],
    email: ['email', 'email_verified'],
  },
  features: { devInteractions: { enabled: false } },
  // Every authorization request must carry a PKCE challenge (S256).
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...(accounts[id].claims || {}) }; } };
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>error</title><pre id="error">${escape(JSON.stringify(out))}</pre>`;
  },
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><body>${body}</body></html>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginForm(uid, message) {
  return `<h1>City identity provider</h1>${message ? `<p id="error">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login" id="login">
<input name="login" autocomplete="username"><input type="password" name="password">
<button type="submit">Sign in</button></form>`;
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return page(res, 200, loginForm(uid));
    return page(res, 200, `<h1>Allow ${escape(params.client_id)}?</h1>
<form method="post" action="/interaction/${uid}/confirm" id="consent"><button type="submit">Allow</button></form>`);
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const id = form.get('login') || '';
    if (!Object.hasOwn(accounts, id) || accounts[id].password !== form.get('password')) {
      return page(res, 200, loginForm(uid, 'wrong user name or password'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: id } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'confirm') {
    await readForm(req);
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return page(res, 404, 'no such interaction step');
}

const handle = provider.callback();
server.on('request', (req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm))?$/.exec(req.url.split('?')[0]);
  if (!match) return handle(req, res);
  return interaction(req, res, match[1], match[2]).catch((err) => {
    page(res, 400, `<pre id="error">${escape(err.message)}</pre>`);
  });
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
