"""How :func:`skbackprop.save` replaces a file: atomically, and never more openly.

The model is written to a hidden temporary file beside the destination, then
renamed over it (``os.replace``), so a failed save never leaves a truncated
model behind. Around that rename:

- a destination that is a symbolic link is followed: the file it points to is
  replaced, the link stays (as ``open(path, "wb")`` would write through it);
- a destination with other hard links is refused (``FileExistsError``): a rename
  would silently split it from its other names, and writing in place would lose
  atomicity;
- a destination without any write permission is refused (``PermissionError``,
  as joblib's ``open(path, "wb")`` does), even for root;
- the permissions of an existing file are kept (a 0600 model stays private), and
  its owner when the process may set it; a new file gets ``0o666 & ~umask``, as
  ``open`` gives; the temporary file is never more open than the final one;
- errors name the destination, never the temporary file.
"""

import contextlib
import errno
import os
import stat
import uuid

__all__ = ["replace_atomically"]


def _destination(path):
    """The real file to replace, and its status (None when it does not exist yet)."""
    target = os.path.realpath(path)  # through symbolic links, as open() writes
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is not None:
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Cannot save: it is a directory", path)
        if not stat.S_ISREG(status.st_mode):
            raise FileExistsError(errno.EEXIST, "Cannot save over a non-regular file", path)
        if status.st_nlink > 1:
            raise FileExistsError(
                errno.EEXIST,
                f"Cannot save: the file has {status.st_nlink} hard links, which replacing it "
                "would break; remove it first or save to another path",
                path,
            )
        if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, "Cannot save over a read-only file", path)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "Cannot save: the folder does not exist", path)
    return target, status


def replace_atomically(path, write):
    """Call ``write(file)`` on a temporary file, then rename it to ``path``.

    Parameters
    ----------
    path : str
        Destination, as the user gave it (named in errors).
    write : callable
        Writes the content into the binary file object it is given.
    """
    target, status = _destination(path)
    directory, name = os.path.split(target)
    temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    # An existing file's mode (minus the umask) for a start: never more open than it.
    mode = 0o666 if status is None else stat.S_IMODE(status.st_mode) & 0o666
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise type(exc)(exc.errno, f"Cannot save: {exc.strerror} in its folder", path) from None
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            if status is not None:
                os.fchmod(file.fileno(), stat.S_IMODE(status.st_mode))
                with contextlib.suppress(OSError):  # only root may give a file away
                    os.fchown(file.fileno(), status.st_uid, status.st_gid)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
