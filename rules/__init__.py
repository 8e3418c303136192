"""lamlint's rule catalogue and API tables (the *.toml files here), shipped as ``lamlint.rules``."""
