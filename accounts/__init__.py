"""Region tree, departments and units; real-name accounts and their lifecycle."""
