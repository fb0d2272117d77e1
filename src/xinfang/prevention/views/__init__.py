"""Pages of prevention and duty: one module per area."""
