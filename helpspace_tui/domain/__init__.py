"""Pure rules and data of the helpdesk: no I/O, no frameworks (ARCHITECTURE.md layers)."""
