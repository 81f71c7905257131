"""GraphQL plumbing: the per-request context (same session and authentication as REST)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import strawberry
from fastapi import Depends
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import MaskErrors
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.tools import merge_types

from atelier.accounts.auth import authenticate, bearer
from atelier.accounts.models import User
from atelier.kit.problems import Problem
from atelier.kit.runtime import Runtime, RuntimeDep, SessionDep


@dataclass
class Context(BaseContext):
    session: AsyncSession
    runtime: Runtime
    token: str | None
    _user: User | None = None

    async def user(self) -> User:
        """The authenticated caller; resolvers that read user data call this first."""
        if self._user is None:
            caller = await authenticate(self.session, self.runtime, self.token)
            self._user = caller.user
        return self._user


async def get_context(
    session: SessionDep, runtime: RuntimeDep, token: Annotated[str | None, Depends(bearer)]
) -> Context:
    return Context(session=session, runtime=runtime, token=token)


def _unexpected(error: GraphQLError) -> bool:
    """Problems the caller caused keep their message; anything else is masked (no SQL leaks out)."""
    return not isinstance(error.original_error, Problem)


def build_router(*queries: type[Any]) -> GraphQLRouter[Context, None]:
    query = merge_types("Query", tuple(queries))
    schema = strawberry.Schema(query=query, extensions=[lambda: MaskErrors(should_mask_error=_unexpected)])
    return GraphQLRouter(schema, context_getter=get_context)
