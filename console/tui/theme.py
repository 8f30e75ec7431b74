"""A high-contrast theme (black, white and one strong accent) for bright rooms and tired eyes;
chosen from the command palette. ``NO_COLOR`` is honoured by Textual itself."""

from __future__ import annotations

from textual.theme import Theme

CONTRAST = Theme(
    name="jz-contrast",
    primary="#FFD700",
    secondary="#00FFFF",
    accent="#FFD700",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#262626",
    warning="#FFD700",
    error="#FF4040",
    success="#00FF00",
    dark=True,
)
