"""The typer CLI: one module per verb under ``console/cli/<group>/``."""
