"""Connected devices: OAuth tokens encrypted at rest, and the provider sync job.

Tokens are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under ``ATELIER_TOKEN_KEY``; when that
is not set the key is derived from ``ATELIER_SECRET_KEY`` with HKDF, so a development install works
and a production one sets its own. The API never returns a token: ``DeviceOut`` has no such field.

The one provider shipped is ``http``: any wearable service speaking OAuth 2 refresh tokens and a
small REST surface, configured by ``ATELIER_WEARABLE_URL`` (off by default — no network unless
asked). A sync lists the activity files after the device's cursor, downloads each and imports it
as a recording (``recordings.import_file``: duplicates are recognised by content, so a sync that
is run twice, or overlaps a manual upload, adds nothing twice). A provider is anything with the
``Provider`` methods; tests give a fake server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import httpx
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.config import Settings
from atelier.db import unit_of_work
from atelier.forge import files, repository
from atelier.forge.models import Device
from atelier.forge.recordings import import_file
from atelier.kit.clock import utcnow
from atelier.kit.problems import Problem

PROVIDERS = ("http",)
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from atelier.kit.runtime import Runtime


def cipher(settings: Settings) -> Fernet:
    if settings.token_key:
        return Fernet(settings.token_key.encode())
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"atelier-device-tokens", info=b"fernet"
    ).derive(settings.secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(settings: Settings, token: str) -> str:
    return cipher(settings).encrypt(token.encode()).decode()


def unseal(settings: Settings, sealed: str) -> str:
    try:
        return cipher(settings).decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise Problem(
            409, "the device's tokens cannot be read with this server's key: connect the device again"
        ) from error


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class RemoteFile:
    id: str
    url: str
    filename: str


@dataclass
class Page:
    files: list[RemoteFile]
    cursor: str | None


class ProviderError(Exception):
    """The provider answered with an error or something unreadable."""


class Provider(Protocol):
    async def close(self) -> None: ...
    async def refresh(self, refresh_token: str) -> Tokens: ...
    async def list_files(self, access_token: str, cursor: str | None) -> Page: ...
    async def download(self, access_token: str, remote: RemoteFile) -> bytes: ...


@dataclass
class HttpProvider:
    """``POST {url}/oauth/token`` (refresh grant), ``GET {url}/v1/activities?after=cursor`` →
    ``{"activities": [{"id", "file_url", "filename"}], "cursor"}``, ``GET file_url`` → the file."""

    url: str
    client_id: str
    client_secret: str
    transport: httpx.AsyncBaseTransport | None = None
    timeout: float = 30.0
    _client: httpx.AsyncClient | None = field(default=None, init=False)

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.url, transport=self.transport, timeout=self.timeout
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def refresh(self, refresh_token: str) -> Tokens:
        answer = await self._call(
            "POST",
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        body = answer.json()
        try:
            expires = body.get("expires_in")
            return Tokens(
                access=str(body["access_token"]),
                refresh=str(body.get("refresh_token") or refresh_token),
                expires_at=utcnow() + timedelta(seconds=int(expires)) if expires else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ProviderError(f"the provider's token answer is unreadable: {error}") from error

    async def list_files(self, access_token: str, cursor: str | None) -> Page:
        params = {"after": cursor} if cursor else {}
        answer = await self._call("GET", "/v1/activities", params=params, token=access_token)
        try:
            body = answer.json()
            found = [
                RemoteFile(str(item["id"]), str(item["file_url"]), str(item.get("filename") or item["id"]))
                for item in body["activities"]
            ]
            return Page(found, body.get("cursor"))
        except (KeyError, TypeError, ValueError) as error:
            raise ProviderError(f"the provider's activity list is unreadable: {error}") from error

    async def download(self, access_token: str, remote: RemoteFile) -> bytes:
        answer = await self._call("GET", remote.url, token=access_token)
        if len(answer.content) > files.MAX_BYTES:
            raise ProviderError(f"{remote.filename} is larger than {files.MAX_BYTES} bytes")
        return answer.content

    async def _call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            answer = await self.client().request(method, path, headers=headers, params=params, data=data)
        except httpx.HTTPError as error:
            raise ProviderError(f"the provider did not answer: {error}") from error
        if answer.status_code == 401:
            raise ExpiredToken("the provider refused the access token")
        if answer.status_code >= 400:
            raise ProviderError(f"the provider answered {answer.status_code} to {method} {path}")
        return answer


class ExpiredToken(ProviderError):
    pass


def provider_for(settings: Settings, name: str) -> Provider:
    if name != "http":
        raise Problem(422, f"unknown provider {name!r}", allowed=list(PROVIDERS))
    if not settings.wearable_url:
        raise Problem(409, "no wearable provider is configured on this server (set ATELIER_WEARABLE_URL)")
    return HttpProvider(settings.wearable_url, settings.wearable_client_id, settings.wearable_client_secret)


# --- devices ------------------------------------------------------------------------------------


async def connect(
    session: AsyncSession,
    settings: Settings,
    user_id: uuid.UUID,
    *,
    provider: str,
    label: str,
    tokens: Tokens,
) -> Device:
    """Store (or replace) the user's device for a provider, its tokens sealed."""
    if provider not in PROVIDERS:
        raise Problem(422, f"unknown provider {provider!r}", allowed=list(PROVIDERS))
    device = await session.scalar(
        select(Device).where(Device.user_id == user_id, Device.provider == provider).with_for_update()
    )
    if device is None:
        device = Device(user_id=user_id, provider=provider)
        session.add(device)
    device.label = label
    device.access_token = seal(settings, tokens.access)
    device.refresh_token = seal(settings, tokens.refresh) if tokens.refresh else None
    device.token_expires_at = tokens.expires_at
    device.last_error = None
    await session.flush()
    return device


async def listed(session: AsyncSession, user_id: uuid.UUID) -> list[Device]:
    return list(
        await session.scalars(select(Device).where(Device.user_id == user_id).order_by(Device.created_at))
    )


async def owned(session: AsyncSession, user_id: uuid.UUID, device_id: uuid.UUID) -> Device:
    return await repository.owned(session, Device, user_id, device_id, "device", for_update=True)


@dataclass
class SyncReport:
    listed: int = 0
    imported: int = 0
    duplicates: int = 0
    unreadable: list[str] = field(default_factory=list)


async def sync(session: AsyncSession, settings: Settings, device: Device, provider: Provider) -> SyncReport:
    """Fetch what is new since the cursor and import it; tokens are refreshed when needed."""
    report = SyncReport()
    access = unseal(settings, device.access_token)
    expired = device.token_expires_at is not None and device.token_expires_at <= utcnow()
    try:
        if expired:
            access = await _refresh(settings, device, provider)
        try:
            page = await provider.list_files(access, device.cursor)
        except ExpiredToken:
            access = await _refresh(settings, device, provider)
            page = await provider.list_files(access, device.cursor)
        for remote in page.files:
            report.listed += 1
            data = await provider.download(access, remote)
            try:
                async with session.begin_nested():
                    imported = await import_file(
                        session, device.user_id, data, remote.filename, device_id=device.id
                    )
            except Problem as problem:
                report.unreadable.append(f"{remote.filename}: {problem.detail}")
                continue
            if imported.created:
                report.imported += 1
            else:
                report.duplicates += 1
    except ProviderError as error:
        device.last_error = str(error)
        await session.flush()
        raise Problem(502, f"the wearable provider failed: {error}", device_id=str(device.id)) from error
    device.cursor = page.cursor or device.cursor
    device.last_synced_at = utcnow()
    device.last_error = None
    await session.flush()
    return report


async def _refresh(settings: Settings, device: Device, provider: Provider) -> str:
    if device.refresh_token is None:
        raise ProviderError("the access token expired and the device has no refresh token: connect again")
    tokens = await provider.refresh(unseal(settings, device.refresh_token))
    device.access_token = seal(settings, tokens.access)
    device.refresh_token = seal(settings, tokens.refresh) if tokens.refresh else device.refresh_token
    device.token_expires_at = tokens.expires_at
    return tokens.access


async def sync_all(runtime: Runtime) -> dict[uuid.UUID, SyncReport | str]:
    """The periodic job: every connected device of a configured provider, each in its own
    transaction as its owner, so one failing account neither stops nor undoes the others."""
    outcome: dict[uuid.UUID, SyncReport | str] = {}
    if not runtime.settings.wearable_url:
        return outcome
    async with unit_of_work(runtime.sessions, system=True) as session:
        owners = (
            await session.execute(select(Device.id, Device.user_id).where(Device.provider == "http"))
        ).all()
    for device_id, user_id in owners:
        provider = provider_for(runtime.settings, "http")
        try:
            async with unit_of_work(runtime.sessions, user_id=user_id) as session:
                device = await owned(session, user_id, device_id)
                outcome[device_id] = await sync(session, runtime.settings, device, provider)
        except Problem as problem:
            outcome[device_id] = problem.detail
            log.warning("device %s: %s", device_id, problem.detail)
        finally:
            await provider.close()
    return outcome
