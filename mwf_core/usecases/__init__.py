"""Use cases: one module per capability. Each checks access, enforces the rules and returns
plain records or views; entrypoints only translate."""
