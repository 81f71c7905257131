"""Coached people: Ana (Europe/Paris), Bo who shares nothing, Coach Cy linked to Ana."""

from tests.planning.conftest import ana, bo, coach

__all__ = ["ana", "bo", "coach"]
