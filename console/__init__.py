"""The console: the typer CLI and the Textual TUI over the domain services."""
