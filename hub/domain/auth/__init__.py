"""Authentication and authorization: sign-up, login, rotating refresh tokens, invitations, roles."""
