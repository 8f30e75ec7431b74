"""Operations: backups by class and grade, verified restore, health checks (issue 6).

Never imports a UI library (import-linter contract)."""
