"""What moving in remembers: the exercise names of another app a user mapped onto the catalog."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db import Base
from atelier.kit.clock import utcnow
from atelier.kit.types import UTCDateTime


class MovementMapping(Base):
    """ "Squat (Barbell)" means ``back_squat`` for this user, in every import from now on. ``name``
    is stored folded (``foreign_key``), so "squat (barbell)" from another app matches too."""

    __tablename__ = "movement_mappings"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    movement: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
