"""Login with OpenID Connect (itsme, eID... through the federal
authentication service or a regional broker).

The authorization code flow with PKCE, ``state`` and ``nonce`` checked
(:mod:`.flow`), talking to the provider over HTTP with ``requests`` and
checking its ID tokens with joserfc (:mod:`.provider`); the claims are mapped
by the control panel's settings (:mod:`.settings`) to a
:class:`~imio.guichet.identities.VerifiedIdentity`. Why not
pas.plugins.oidc: docs/identity.md. Installing the add-on configures no
provider.
"""
