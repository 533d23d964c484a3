"""HR's people: the org chart imported from CSV, one person edited at a time, invitations."""
