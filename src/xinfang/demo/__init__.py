"""The demo organisation and data (`xinfang demo`), one module per app it fills, built through
the apps' services. It may import every app below the shell; only the shell and tests import
it."""
