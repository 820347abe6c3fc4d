"""One zip member's bytes, decompressed on demand and never past its declared size.

:mod:`zipfile`'s own readers inflate a whole compressed chunk of bzip2 or lzma at
once (gigabytes from a few kilobytes). Here every decompressor is asked for at
most the bytes the member still declares, the raw data read is bounded by its
declared compressed size, and the CRC-32 is checked at the end. Stored, deflate,
bzip2 and lzma members are read; any problem is a
:class:`~skbackprop.exceptions.ModelFileError`.
"""

import bz2
import io
import lzma
import os
import struct
import zipfile
import zlib

from .exceptions import ModelFileError

__all__ = ["BoundedMember"]

_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


def _decompressor(info, path):
    """An object whose ``decompress(data, max_length)`` never returns more than asked."""
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return _Zlib()
    if info.compress_type == zipfile.ZIP_BZIP2:
        return bz2.BZ2Decompressor()
    if info.compress_type == zipfile.ZIP_LZMA:
        return _Lzma(path, info.filename, info.file_size)
    return _Stored()


class _Stored:
    eof = False
    needs_input = True

    def decompress(self, data, max_length):
        return data  # the caller never feeds more than it still expects


class _Zlib:
    def __init__(self):
        self._object = zlib.decompressobj(-15)
        self.needs_input = True

    def decompress(self, data, max_length):
        out = self._object.decompress(self._object.unconsumed_tail + data, max_length)
        self.needs_input = not self._object.unconsumed_tail
        return out

    @property
    def eof(self):
        return self._object.eof


class _Lzma:
    """zipfile's lzma layout: version (2 bytes), properties size (2), properties, raw LZMA1."""

    def __init__(self, path, name, size):
        self._path, self._name, self._size = path, name, size
        self._header = b""
        self._object = None
        self.needs_input = True

    def decompress(self, data, max_length):
        if self._object is None:
            self._header += data
            if len(self._header) < 4:
                return b""
            size = int.from_bytes(self._header[2:4], "little")
            if size != 5 or len(self._header) < 9:
                if size != 5:
                    raise ModelFileError(self._path, f"{self._name!r} has a bad lzma header.")
                return b""
            props = self._header[4:9]
            data, self._header = self._header[9:], b""
            if props[0] >= 9 * 5 * 5:
                raise ModelFileError(self._path, f"{self._name!r} has a bad lzma header.")
            pb, rest = divmod(props[0], 45)
            lp, lc = divmod(rest, 9)
            # The declared dictionary (up to 4 GiB, allocated up front by liblzma) never
            # needs to exceed what the member holds: clamp it.
            dict_size = max(4096, min(int.from_bytes(props[1:5], "little"), self._size))
            lzma_filter = {"id": lzma.FILTER_LZMA1, "dict_size": dict_size}
            lzma_filter.update(lc=lc, lp=lp, pb=pb)
            self._object = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma_filter])
        out = self._object.decompress(data, max_length)
        self.needs_input = self._object.needs_input
        return out

    @property
    def eof(self):
        return self._object is not None and self._object.eof


class BoundedMember(io.RawIOBase):
    """One member's bytes, decompressed on demand and never past its declared size."""

    def __init__(self, file, info, path):
        super().__init__()
        self.name, self._path, self._info, self._file = info.filename, path, info, file
        file.seek(info.header_offset)
        header = file.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            self._refuse("its local header is missing or damaged.")
        fields = _LOCAL_HEADER.unpack(header)
        file.seek(fields[10] + fields[11], os.SEEK_CUR)  # past the name and extra field
        self._raw_left = info.compress_size
        self._left = info.file_size
        self._crc = 0
        self._pending = b""
        self._decompressor = _decompressor(info, path)

    def _refuse(self, problem):
        raise ModelFileError(self._path, f"the member {self.name!r}: {problem}")

    def readable(self):
        return True

    def readinto(self, buffer):
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._left)
        filled = 0
        while filled < wanted:
            if self._pending:
                n = wanted - filled
                chunk, self._pending = self._pending[:n], self._pending[n:]
            else:
                chunk = self._inflate(wanted - filled)
            view[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
        self._crc = zlib.crc32(view[:filled], self._crc)
        self._left -= filled
        if self._left == 0 and self._crc != self._info.CRC:
            self._refuse("its checksum does not match: the file is corrupted.")
        return filled

    def _inflate(self, max_length):
        decompressor = self._decompressor
        for _ in range(1 << 20):  # each turn consumes input or yields output
            data = b""
            if decompressor.needs_input:
                if self._raw_left <= 0:
                    self._refuse("its data ends before its declared size: the file is truncated.")
                data = self._file.read(min(_CHUNK, self._raw_left, max_length + _CHUNK))
                if not data:
                    self._refuse("its data ends before its declared size: the file is truncated.")
                self._raw_left -= len(data)
            try:
                out = decompressor.decompress(data, max_length)
            except ModelFileError:
                raise
            except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
                self._refuse(f"its compressed data is damaged ({exc}).")
            if len(out) > max_length:  # stored data: keep the rest for the next read
                out, self._pending = out[:max_length], out[max_length:]
            if out:
                return out
            if decompressor.eof:
                self._refuse("its data ends before its declared size: the file is truncated.")
        self._refuse("its compressed data makes no progress.")

    def read_exactly(self, n, what):
        buffer = bytearray(n)
        if self.readinto(buffer) != n:
            self._refuse(f"it ends inside {what}.")
        return bytes(buffer)
