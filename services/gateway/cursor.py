"""Opaque keyset cursors for list endpoints: the (created_at, id) cursors every listing shares
(`services/common/cursor.py`), and the dead letters' cursor over a bigserial id."""

from services.common.cursor import decode_cursor, decode_keys, encode_cursor, encode_keys, invalid_cursor

__all__ = ["decode_cursor", "decode_id_cursor", "encode_cursor", "encode_id_cursor"]


def encode_id_cursor(id_: int) -> str:
    """A cursor over rows numbered by a bigserial id (the dead letters)."""
    return encode_keys(id_)


def decode_id_cursor(cursor: str) -> int:
    match decode_keys(cursor):
        case [int() as id_] if not isinstance(id_, bool):
            return id_
    raise invalid_cursor()
