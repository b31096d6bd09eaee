"""Provider adapters: one module per provider, each a stateless translator to one REST API."""
