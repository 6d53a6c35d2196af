"""helpspace-tui: a keyboard-driven terminal helpdesk over an IMAP support mailbox."""

__version__ = "0.1.0"
