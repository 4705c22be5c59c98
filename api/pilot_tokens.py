"""Pilot write tokens: each pilot uploads, replaces and deletes its own documents only.

The seed has each pilot send its half-yearly report up to the DRC, so each pilot gets a
token of its own, made by ``tanlu tokens add --pilot <id>``; the DRC keeps
``TANLU_WRITE_TOKEN`` (everything). A token is shown once, when it is made; only its
SHA-256 is stored (a token is 32 random bytes, so a plain hash cannot be reversed by
guessing), in ``<data>/tokens.sqlite`` beside the index. A token reads
``tlp_<id>_<secret>``: the id finds its row, the secret is compared in constant time.
Revoking keeps the row (the list shows when), so an old token is refused by name.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ingest.domain import pilot_id_problem
from ingest.errors import InputError

PREFIX = "tlp_"
FILE_NAME = "tokens.sqlite"
MAX_NOTE_CHARS = 100

_COLUMNS = "token_id, pilot_id, note, created_at, revoked_at"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pilot_tokens (
    token_id TEXT PRIMARY KEY,
    pilot_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    revoked_at TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class PilotToken:
    token_id: str
    pilot_id: str
    note: str
    created_at: str
    revoked_at: str

    @property
    def active(self) -> bool:
        return not self.revoked_at


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class TokenStore:
    """The pilot tokens of one data folder; safe to share between threads."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        if self._db is None:
            if not create and not self.path.exists():
                return None  # no token was ever made: nothing to open (a read-only folder too)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute(_SCHEMA)
        return self._db

    def add(self, pilot_id: str, note: str = "") -> tuple[PilotToken, str]:
        """Make a token for ``pilot_id``; returns its record and the token (shown once)."""
        problem = pilot_id_problem(pilot_id)
        if problem is not None:
            raise InputError(f"试点编号“{pilot_id}”无效：{problem}", parameter="--pilot")
        if len(note) > MAX_NOTE_CHARS:
            raise InputError(f"备注过长（最多 {MAX_NOTE_CHARS} 个字符）", parameter="--note")
        token_id = secrets.token_hex(4)
        token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        record = PilotToken(token_id, pilot_id, note, _now(), "")
        with self._lock:
            db = self._connection(create=True)
            assert db is not None
            db.execute(
                "INSERT INTO pilot_tokens (token_id, pilot_id, digest, note, created_at) VALUES (?, ?, ?, ?, ?)",
                (token_id, pilot_id, _digest(token), note, record.created_at),
            )
        return record, token

    def list(self) -> list[PilotToken]:
        with self._lock:
            db = self._connection(create=False)
            if db is None:
                return []
            rows = db.execute(f"SELECT {_COLUMNS} FROM pilot_tokens ORDER BY created_at, token_id").fetchall()
        return [PilotToken(*row) for row in rows]

    def revoke(self, token_id: str) -> PilotToken:
        with self._lock:
            db = self._connection(create=False)
            row = (
                db.execute(f"SELECT {_COLUMNS} FROM pilot_tokens WHERE token_id = ?", (token_id,)).fetchone()
                if db is not None
                else None
            )
            if row is None:
                raise InputError(f"未找到编号为 {token_id} 的试点令牌（tanlu tokens list 查看）", parameter="TOKEN_ID")
            record = PilotToken(*row)
            if record.active:
                record = PilotToken(row[0], row[1], row[2], row[3], _now())
                assert db is not None
                db.execute("UPDATE pilot_tokens SET revoked_at = ? WHERE token_id = ?", (record.revoked_at, token_id))
        return record

    def any_active(self) -> bool:
        return any(token.active for token in self.list())

    def pilot_of(self, token: str) -> str | None:
        """The pilot a (not revoked) token belongs to, or None."""
        if not token.startswith(PREFIX):
            return None
        token_id = token[len(PREFIX) :].split("_", 1)[0]
        with self._lock:
            db = self._connection(create=False)
            if db is None:
                return None
            row = db.execute(
                "SELECT pilot_id, digest, revoked_at FROM pilot_tokens WHERE token_id = ?", (token_id,)
            ).fetchone()
        if row is None or row[2]:
            return None
        return row[0] if secrets.compare_digest(row[1], _digest(token)) else None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
