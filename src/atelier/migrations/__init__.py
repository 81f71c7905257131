"""Alembic migrations; ``atelier db upgrade`` runs them and then syncs the movement catalog."""
