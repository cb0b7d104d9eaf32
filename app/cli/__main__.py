"""`python -m app.cli`: the same as the `satria` command."""

from app.cli import main

main()
