"""The terminal fixtures shared by the end-to-end tests (an isolated environment, a tmux pane)."""

from tests.e2e.test_tui_tmux import env, pane

__all__ = ["env", "pane"]
