"""Mail protocol adapters: MIME parsing, classification, decoding (no store, no UI)."""
