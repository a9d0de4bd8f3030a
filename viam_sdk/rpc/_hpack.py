"""Header blocks of repeated calls, coded once per connection: hpack's coders with a memo.

Every call on a connection sends nearly the same request headers (method,
path, authority, content type, user agent, the ``authorization`` token) and
gets nearly the same response headers and trailers back.  After the first
call each of them sits in the connection's HPACK dynamic table, so its coded
form is a table index, but hpack works it out again for every header of
every call (a table search, an integer coding, a debug record or two), and
decodes an identical block again byte by byte.

The memo keeps those results while the table is unchanged:

* encoding: a header whose coded form was a bare index (it is in the table)
  is remembered with that index's bytes;
* decoding: a header block that changed nothing in the table is remembered
  with the headers it decoded to (a bounded number of blocks, short ones).

Any change to the table (an entry added or evicted, a new size, a new limit)
forgets everything, since indices move; then hpack does the work again,
exactly as before.  A header hpack must not index (a never-indexed one) always
goes through hpack.  When DEBUG is enabled for hpack's loggers, the memo steps
aside so that every record hpack writes is still written.

What goes on the wire is byte for byte what hpack itself would send.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, cast

from hpack import Decoder, Encoder, HeaderTuple

__all__ = ["MemoDecoder", "MemoEncoder", "memoize"]

# The memo only skips work of hpack.hpack's; hpack.table's records (evictions, resizes)
# come from table changes, which always go through hpack.
_LOGGER = logging.getLogger("hpack.hpack")

#: Decoded blocks remembered per connection at most (then the memo starts afresh) ...
DECODE_MEMO_BLOCKS = 64
#: ... each at most this many bytes long (indexed headers take a byte or two each).
DECODE_MEMO_BYTES = 64


def _state(table: Any) -> tuple[Any, int, int]:
    """What the meaning of an index depends on: the newest entry (by identity), the count, the size."""
    entries = table.dynamic_entries
    return (entries[0] if entries else None, len(entries), table.maxsize)


def _moved(seen: tuple[Any, ...], table: Any) -> bool:
    """Whether ``table`` differs from the ``_state`` it had when ``seen`` was taken."""
    entries = table.dynamic_entries
    return len(entries) != seen[1] or (entries[0] if entries else None) is not seen[0] or table.maxsize != seen[2]


class MemoEncoder(Encoder):
    """hpack's encoder, remembering the coded form of headers already in the table.

    It also keeps a table-size update that is still to be announced when the same
    size is set again before the next block: hpack's own setter recomputes its
    ``resized`` flag from the last two sizes only, so a peer that repeats a lowered
    SETTINGS_HEADER_TABLE_SIZE never heard of it and refused the next block.
    """

    @property
    def header_table_size(self) -> int:
        return int(self.header_table.maxsize)

    @header_table_size.setter
    def header_table_size(self, value: int) -> None:
        table = self.header_table
        pending = table.resized
        table.maxsize = value
        if table.resized:
            self.table_size_changes.append(value)
        elif pending:
            table.resized = True  # an update not yet sent stays due

    def _forget(self) -> None:
        self._known: dict[tuple[Any, Any], bytes] = {}
        self._seen = _state(self.header_table)

    def encode(self, headers: Any, huffman: bool = True) -> bytes:
        table = self.header_table
        if table.resized or type(headers) is not list or _LOGGER.isEnabledFor(logging.DEBUG):
            return super().encode(headers, huffman)
        if _moved(self._seen, table):
            self._forget()
        known = self._known
        block = []
        for header in headers:
            piece = known.get(header) if type(header) is tuple else None
            if piece is None:
                piece = self._add_one(header, huffman)
                known = self._known  # a new dict if the table changed
            block.append(piece)
        return b"".join(block)

    def _add_one(self, header: Any, huffman: bool) -> bytes:
        """One header through hpack; remembered when it came out as a bare index and the table stayed put."""
        if isinstance(header, HeaderTuple):
            sensitive = not header.indexable
        else:
            sensitive = len(header) > 2 and bool(header[2])
        name, value = header[0], header[1]
        piece = self.add(
            (name if type(name) is bytes else str(name).encode(), value if type(value) is bytes else str(value).encode()),
            sensitive,
            huffman,
        )
        if _moved(self._seen, self.header_table):
            self._forget()  # an entry went in: every index moved
        elif type(header) is tuple and len(header) == 2 and piece[0] & 0x80:
            self._known[header] = piece
        return piece


class MemoDecoder(Decoder):
    """hpack's decoder, remembering short blocks that left the table as it was."""

    def _forget(self) -> None:
        self._blocks: dict[tuple[bytes, bool], list[HeaderTuple]] = {}
        self._seen = self._snapshot()

    def _snapshot(self) -> tuple[Any, int, int, int, int]:
        return (*_state(self.header_table), self.max_header_list_size, self.max_allowed_table_size)

    def _unchanged(self) -> bool:
        seen = self._seen
        return not (
            _moved(seen, self.header_table)
            or self.max_header_list_size != seen[3]
            or self.max_allowed_table_size != seen[4]
        )

    def decode(self, data: bytes, raw: bool = False) -> Iterable[HeaderTuple]:
        if len(data) > DECODE_MEMO_BYTES or _LOGGER.isEnabledFor(logging.DEBUG):
            return super().decode(data, raw)
        if not self._unchanged():
            self._forget()
        key = (bytes(data), raw)
        headers = self._blocks.get(key)
        if headers is not None:
            return list(headers)
        decoded = list(super().decode(data, raw))
        if not self._unchanged():
            self._forget()  # the block changed the table: not one to remember
        else:
            if len(self._blocks) >= DECODE_MEMO_BLOCKS:
                self._blocks.clear()
            self._blocks[key] = decoded
        return list(decoded)


def memoize(connection: Any) -> None:
    """Give an ``h2`` connection's hpack coders the memo (their state is kept as it is)."""
    encoder, decoder = connection.encoder, connection.decoder
    if type(encoder) is Encoder:
        encoder.__class__ = MemoEncoder
        cast(MemoEncoder, encoder)._forget()
    if type(decoder) is Decoder:
        decoder.__class__ = MemoDecoder
        cast(MemoDecoder, decoder)._forget()
