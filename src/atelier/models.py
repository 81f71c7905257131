"""Import every domain's models so the metadata is complete (Alembic, tests)."""

from __future__ import annotations


def load_all() -> None:
    from atelier.accounts import models as accounts  # noqa: F401
    from atelier.coaching import models as coaching  # noqa: F401
    from atelier.forge import models as forge  # noqa: F401
    from atelier.planning import models as planning  # noqa: F401
    from atelier.portability import models as portability  # noqa: F401
    from atelier.training import models as training  # noqa: F401
    from atelier.wods import models as wods  # noqa: F401
