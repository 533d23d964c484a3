"""The parsers of a pack's YAML files, apart from the domain types they build."""
