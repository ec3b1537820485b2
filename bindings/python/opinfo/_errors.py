"""The exceptions a failed library call raises, by the library's error code.

Every one is an OpinfoError carrying the code, the library's text, the path (.source, also
.path), the line, column and byte position. A file that does not exist is also a
FileNotFoundError naming it; an unknown backend, SoC or op is also a LookupError.
"""
import errno
from typing import Optional

from . import OpinfoError

# include/opinfo.h's codes
EUSAGE, EIO, EPARSE, EINPUT, ENOTFOUND = 2, 3, 4, 5, 6
_DB_CODES = frozenset(range(8, 14))  # DB, DBNEWER, DBOLDER, DBFOREIGN, DBBUSY, DBEMPTY


class UsageError(OpinfoError, ValueError):
    """An argument the library refused (a bad option value or combination)."""


class InputError(OpinfoError):
    """A malformed or invalid input file: .path, .line, .column and .position say where."""


class NotFoundError(OpinfoError, LookupError):
    """An unknown backend, release, SoC or op (the database has no such thing)."""


class DatabaseError(OpinfoError):
    """The constraint database cannot be used: unreadable, of another schema, busy, empty."""


class OpinfoFileNotFoundError(OpinfoError, FileNotFoundError):
    """An input file (a qgraph, model, overrides or database) that does not exist."""

    def __init__(self, code: int, text: str, source: Optional[str], line: int = 0,
                 column: int = 0) -> None:
        FileNotFoundError.__init__(self, errno.ENOENT, text, source)
        self.code, self.text, self.source, self.line, self.column = (code, text, source, line,
                                                                     column)


def error_from(code: int, text: str, source: Optional[str], line: int, column: int,
               position: int) -> OpinfoError:
    """The exception for a library error."""
    if code == EIO and "No such file or directory" in text and source:
        e: OpinfoError = OpinfoFileNotFoundError(code, text, source, line, column)
    elif code == EUSAGE:
        e = UsageError(code, text, source, line, column)
    elif code in (EPARSE, EINPUT, EIO):
        e = InputError(code, text, source, line, column)
    elif code == ENOTFOUND:
        e = NotFoundError(code, text, source, line, column)
    elif code in _DB_CODES:
        e = DatabaseError(code, text, source, line, column)
    else:
        e = OpinfoError(code, text, source, line, column)
    e.path = source
    e.position = position
    return e
