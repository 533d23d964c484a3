"""How long an API token works: a token is a password another system holds, so it lapses
unless someone in HR renews it on purpose. Kept apart from `webapp.api` so that `trackfit`'s
command line can state the limits without loading Flask."""

DEFAULT_DAYS, MAX_DAYS = 90, 365
