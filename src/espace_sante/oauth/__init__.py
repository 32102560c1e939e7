"""OAuth 2 / OpenID Connect: the authorization server (system clients now, SMART apps
with the catalogue), access tokens, and sign-in of professionals through Pro Santé Connect."""
