"""Use cases shared by the CLI and the app; headless (never imports textual)."""
