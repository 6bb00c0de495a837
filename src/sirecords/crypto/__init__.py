"""Keys and the primitives that use them: sealing personal data, blind indexes, signing."""
