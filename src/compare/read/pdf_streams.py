"""What a PDF's streams unpack to, counted before any PDF library opens the file.

A stream bomb is a few kilobytes of compressed data that unpack to gigabytes; a PDF library
unpacks a page's content stream (or an object stream of the catalogue) whole, so the size must be
known first. Each object's dictionary is parsed as PDF syntax (strings, nested dictionaries and
names written with ``#xx`` escapes included), its filter chain is followed stage by stage
(``[/FlateDecode /FlateDecode]`` unpacks twice), and every stage stops counting at the budget.

Image streams are not counted: reading text never unpacks them, and a renderer unpacks an image
only to the pixels its dictionary declares.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_SPACE = b" \t\r\n\f\x00"
_DELIMITERS = b"()<>[]{}/%"
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: Deepest nesting of arrays and dictionaries followed in one object's dictionary.
MAX_NESTING = 64
CHUNK = 1 << 20


class Name(str):
    """A PDF name (``/FlateDecode``), its ``#xx`` escapes decoded, without the slash."""


@dataclass(frozen=True)
class Stream:
    """One stream of a PDF: its dictionary and where its data lies in the file."""

    dictionary: dict
    start: int
    end: int

    @property
    def filters(self) -> list[str]:
        value = self.dictionary.get("Filter", [])
        return [str(f) for f in (value if isinstance(value, list) else [value])
                if isinstance(f, Name)]

    @property
    def is_image(self) -> bool:
        return self.dictionary.get("Subtype") == "Image"


def streams(data: bytes) -> Iterator[Stream]:
    """Every stream of the PDF ``data``, in file order, found by its object's header
    (``12 0 obj``) and read past its data; a stream whose dictionary cannot be parsed is given
    with the filters named anywhere between its object's header and its data (so nothing is
    missed because it was written oddly)."""
    pos = 0
    while (header := _OBJECT.search(data, pos)) is not None:
        parser = _Parser(data, header.end())
        try:
            value = parser.value()
        except _Unparsable:
            value = None
        if value is None:  # written too oddly to parse: is there a stream before the next object?
            keyword = data.find(b"stream", header.end())
            later = _OBJECT.search(data, header.end())
            if keyword < 0 or (later is not None and later.start() < keyword):
                pos = header.end()
                continue
            names = [Name(_unescape(n)) for n in
                     re.findall(rb"/([^\s/<>\[\]()%]+)", data[header.end():keyword])]
            value, after = {"Filter": names}, keyword
        else:
            after = _skip_space(data, parser.pos)
            if not isinstance(value, dict) or not data.startswith(b"stream", after):
                pos = parser.pos
                continue
        start = after + len(b"stream")
        start += 2 if data.startswith(b"\r\n", start) else int(data[start:start + 1] in b"\r\n")
        end = _stream_end(data, start, value.get("Length"))
        yield Stream(value, start, end)
        pos = end + len(b"endstream")


def _stream_end(data: bytes, start: int, length) -> int:
    """Where a stream's data ends: after its ``/Length`` bytes when ``endstream`` follows them
    there (as a PDF library reads it, whatever the data holds), else at the first ``endstream``
    (a wrong or missing length)."""
    if isinstance(length, tuple):  # an indirect length: ``12 0 obj 3456 endobj``
        found = re.search(rb"(?<!\d)%d\s+\d+\s+obj\s*(\d+)" % length[1], data)
        length = int(found.group(1)) if found else None
    if (isinstance(length, int) and start + length <= len(data)
            and data.startswith(b"endstream", _skip_space(data, start + length))):
        return start + length
    end = data.find(b"endstream", start)
    return len(data) if end < 0 else end


_SHORT = {"Fl": "FlateDecode", "LZW": "LZWDecode", "AHx": "ASCIIHexDecode",
          "A85": "ASCII85Decode", "RL": "RunLengthDecode"}


def unpacked_size(data: bytes, stream: Stream, cap: int) -> int:
    """Bytes ``stream``'s data unpacks to through its filter chain, counted up to ``cap`` (a
    stage the check does not unpack, such as an image codec, ends the count with what reached
    it; damaged data counts what it gave)."""
    chunks: Iterator[bytes] = iter((data[stream.start:stream.end],))
    for name in stream.filters:
        stage = _STAGES.get(_SHORT.get(name, name))
        if stage is None:
            break
        chunks = _capped(stage(chunks, cap), cap)
    return sum(len(c) for c in _capped(chunks, cap))


def _capped(chunks: Iterator[bytes], cap: int) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        yield chunk
        total += len(chunk)
        if total > cap:
            return


def _inflate(chunks: Iterator[bytes], cap: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    try:
        for pending in chunks:
            while pending:
                out = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
                elif not pending:
                    break
        while out := inflater.decompress(b"", CHUNK):  # what the inflater still holds
            yield out
    except zlib.error:
        return


def _damaged() -> tuple[type[Exception], ...]:
    from pdfminer.psexceptions import PSException

    return (ValueError, IndexError, EOFError, PSException)


#: What the decoders raise on damaged data (a damaged stage gives what it decoded before).
_DAMAGED = _damaged()


def _whole(decode):
    """A stage that unpacks its whole input at once (the input is already capped, and these
    filters grow data at most a few times over, or a bounded 128 times for run lengths)."""

    def stage(chunks: Iterator[bytes], cap: int) -> Iterator[bytes]:
        try:
            out = decode(b"".join(chunks), cap)
        except _DAMAGED:  # what it gave is nothing
            return
        for i in range(0, len(out), CHUNK):
            yield out[i:i + CHUNK]

    return stage


def _lzw(chunks: Iterator[bytes], cap: int) -> Iterator[bytes]:
    import io

    from pdfminer.lzw import LZWDecoder

    try:
        yield from LZWDecoder(io.BytesIO(b"".join(chunks))).run()
    except _DAMAGED:
        return


def _run_length(data: bytes, cap: int) -> bytes:
    out, i = bytearray(), 0
    while i < len(data) and len(out) <= cap:
        n = data[i]
        if n == 128:
            break
        if n < 128:
            out += data[i + 1:i + 2 + n]
            i += n + 2
        else:
            out += data[i + 1:i + 2] * (257 - n)
            i += 2
    return bytes(out)


def _ascii_hex(data: bytes, cap: int) -> bytes:
    digits = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">", 1)[0])
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())


def _ascii85(data: bytes, cap: int) -> bytes:
    from pdfminer.ascii85 import ascii85decode

    return ascii85decode(data)


_STAGES = {
    "FlateDecode": _inflate,
    "LZWDecode": _lzw,
    "RunLengthDecode": _whole(_run_length),
    "ASCIIHexDecode": _whole(_ascii_hex),
    "ASCII85Decode": _whole(_ascii85),
}


def _unescape(name: bytes) -> str:
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name).decode("latin-1")


def _skip_space(data: bytes, pos: int) -> int:
    """The first position from ``pos`` on that is neither white space nor in a comment."""
    while pos < len(data):
        c = data[pos]
        if c in _SPACE:
            pos += 1
        elif c == 0x25:  # % a comment, to the end of the line
            ends = [e for e in (data.find(b"\n", pos), data.find(b"\r", pos)) if e >= 0]
            pos = min(ends) if ends else len(data)
        else:
            break
    return pos


class _Unparsable(Exception):
    pass


class _Parser:
    """Just enough of PDF's object syntax to read a dictionary: strings, names, numbers,
    references, arrays and dictionaries, nested at most :data:`MAX_NESTING` deep."""

    def __init__(self, data: bytes, pos: int):
        self.data, self.pos = data, pos

    def value(self, depth: int = 0):
        if depth > MAX_NESTING:
            raise _Unparsable
        data = self.data
        pos = self.pos = _skip_space(data, self.pos)
        if data.startswith(b"<<", pos):
            self.pos = pos + 2
            out: dict = {}
            while True:
                self.pos = _skip_space(data, self.pos)
                if data.startswith(b">>", self.pos):
                    self.pos += 2
                    return out
                key = self.value(depth + 1)
                if not isinstance(key, Name):
                    raise _Unparsable
                out[str(key)] = self.value(depth + 1)
        if data.startswith(b"[", pos):
            self.pos = pos + 1
            items = []
            while True:
                self.pos = _skip_space(data, self.pos)
                if data.startswith(b"]", self.pos):
                    self.pos += 1
                    return items
                items.append(self.value(depth + 1))
        if data.startswith(b"(", pos):
            return self._string(pos + 1)
        if data.startswith(b"<", pos):
            end = data.find(b">", pos)
            if end < 0:
                raise _Unparsable
            self.pos = end + 1
            return b""
        if data.startswith(b"/", pos):
            end = pos + 1
            while end < len(data) and data[end] not in _SPACE and data[end] not in _DELIMITERS:
                end += 1
            self.pos = end
            return Name(_unescape(data[pos + 1:end]))
        end = pos
        while end < len(data) and data[end] not in _SPACE and data[end] not in _DELIMITERS:
            end += 1
        if end == pos:
            raise _Unparsable
        token = data[pos:end]
        self.pos = end
        reference = re.match(rb"\s+\d+\s+R\b", data[end:end + 24])
        if token.isdigit() and reference:
            self.pos = end + reference.end()
            return ("ref", int(token))
        return int(token) if token.isdigit() else token

    def _string(self, pos: int) -> bytes:
        data, depth = self.data, 1
        while pos < len(data):
            c = data[pos]
            if c == 0x5C:  # backslash: the next byte is escaped
                pos += 2
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    self.pos = pos + 1
                    return b""
            pos += 1
        raise _Unparsable
