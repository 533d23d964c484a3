"""The trackfit web app (built in a later step)."""
