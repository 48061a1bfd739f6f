"""One page of a query's rows, and how many rows match in all."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def page(db: Session, query: Select, order_by, limit: int, offset: int):
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    order = order_by if isinstance(order_by, tuple) else (order_by,)
    items = db.scalars(query.order_by(*order).limit(limit).offset(offset)).all()
    return items, total or 0
