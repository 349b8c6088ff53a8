"""Sample-data tooling: the generators of the bundled sample releases (not part of the nightly run)."""
