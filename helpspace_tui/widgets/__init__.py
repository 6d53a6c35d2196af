"""Small reusable widgets of the app (the Textual part)."""
