// A real OpenID Connect provider on loopback for the test suite: panva's certified
// `oidc-provider`, configured by the JSON in the OIDC_TEST_CONFIG environment variable
// (tests/helpers/oidc.py writes it):
//
//   {"issuer": "http://127.0.0.1:PORT", "port": PORT,
//    "clients": [{"client_id": …, "client_secret": …, "redirect_uris": […],
//                 "post_logout_redirect_uris": […]}],
//    "accounts": {"sub": {"email": …, "email_verified": true, "name": …}},
//    "id_token_ttl": 600}
//
// Authorization code flow only, PKCE (S256) required of every client, the development login
// page of oidc-provider (any password, the login name must be one of "accounts"), consent
// granted without a page (the portal is a first-party client), RP-initiated logout on.
// It prints "ready <issuer>" once it listens, and stops on SIGTERM.
import { generateKeyPairSync, randomUUID } from 'node:crypto';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
if (!config.issuer || !config.port) {
  console.error('OIDC_TEST_CONFIG needs "issuer" and "port"');
  process.exit(2);
}
const accounts = config.accounts || {};
// A signing key of its own for every run (oidc-provider's development key is the same
// everywhere, and a second provider must not be able to sign for the first).
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: randomUUID(),
  use: 'sig',
  alg: 'RS256',
};

const provider = new Provider(config.issuer, {
  clients: (config.clients || []).map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
    ...client,
  })),
  jwks: { keys: [signingKey] },
  pkce: { required: () => true, methods: ['S256'] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  claims: {
    // pid as Ansattporten sends it, xms_edov as Entra ID's optional claim.
    openid: ['sub', 'pid', 'xms_edov'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  // The claims go into the ID token itself, as Entra ID and Ansattporten do.
  conformIdTokenClaims: false,
  ttl: {
    IdToken: config.id_token_ttl || 600,
    Interaction: 3600,
    Session: 3600,
    Grant: 3600,
    AccessToken: 600,
    AuthorizationCode: 60,
  },
  cookies: { keys: [config.cookie_key || 'a test provider on loopback, not a secret'] },
  // The login name typed on the development login page is the account's "sub".
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        return { ...account, sub: id };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));
// Plain http on loopback: tell the provider not to insist on TLS for its cookies.
provider.proxy = true;

const server = provider.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${config.issuer}`);
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
