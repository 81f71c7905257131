"""Athletes and a coach for running sessions (the planning ones: Ana, Bo, Coach Cy linked to Ana)."""

from tests.planning.conftest import ana, bo, coach

__all__ = ["ana", "bo", "coach"]
