"""Athletes for the portability tests: Ana and Bo (who shares nothing), as in planning."""

from tests.planning.conftest import ana, bo, coach

__all__ = ["ana", "bo", "coach"]
