"""The web pages: the operator console and the hospital board (static files over the API)."""
