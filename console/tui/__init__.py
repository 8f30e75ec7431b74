"""The Textual interface of ``jzctl tui``: one screen per area, each with its ``.tcss`` beside it.

Nothing here is imported by the CLI until ``jzctl tui`` runs, so ``jzctl --help`` stays fast.
Screens hold no SQL: database work runs in thread workers that call the domain services and
post plain data back to the interface.
"""
