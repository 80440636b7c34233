"""Staff accounts, roles, area scopes and bearer tokens."""
