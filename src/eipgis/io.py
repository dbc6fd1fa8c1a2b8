"""Reading park layers and planner text files safely, and the one atomic writer of every output file."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import EipgisError, InputError, LayerError, OutputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "atomic_path",
    "check_input",
    "list_layers",
    "os_error_message",
    "park_files",
    "read_layer",
    "read_text_file",
    "refuse_existing",
    "refuse_output",
    "refuse_outputs",
    "write_gpkg",
    "write_text",
]

#: Largest planner text file (YAML, CSV) read, in bytes; a bigger one is refused, not read.
MAX_TEXT_BYTES = 50 * 1024 * 1024

PathLike = str | os.PathLike[str]

#: File suffixes accepted for a layer in a park folder, in order of preference.
FOLDER_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb")


_FIXES = {
    errno.EACCES: "check its permissions or choose a folder you can write to",
    errno.EPERM: "check its permissions or choose a folder you can write to",
    errno.EROFS: "choose a folder on a writable disk",
    errno.ENOSPC: "free some disk space or choose another disk",
    errno.EDQUOT: "free some space in your quota or choose another disk",
    errno.ENAMETOOLONG: "choose a shorter file name",
    errno.EISDIR: "give a file name, not a folder",
    errno.ENOTDIR: "check the folders in the path",
    errno.ENOENT: "check the path",
    errno.EEXIST: "choose another output path",
}


def os_error_message(exc: OSError, path: PathLike | None = None, *, doing: str = "cannot be written") -> str:
    """``<path>: cannot be written (No space left on device). Fix: …`` for an OS error."""
    where = path if path is not None else (exc.filename or "eipgis")
    reason = exc.strerror or str(exc) or type(exc).__name__
    fix = _FIXES.get(exc.errno or -1, "check the path and try again")
    if doing.startswith("cannot be read as") and exc.errno in (errno.EACCES, errno.EPERM):
        fix = "check that you may read it (its permissions), or copy it somewhere you can"
    return f"{where}: {doing} ({reason}). Fix: {fix}."


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file or folder)."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "not a regular file"


def check_input(
    path: PathLike,
    *,
    what: str = "input file",
    folder_ok: bool = False,
    missing_ok: bool = False,
    error: type[EipgisError] = InputError,
) -> Path:
    """Refuse an input that is missing, a folder (unless ``folder_ok``), a FIFO, device or socket.

    Only ``stat`` is used: the file is never opened, so a named pipe cannot block the command.
    With ``missing_ok`` a missing file passes (its reader says what is missing in its own words).
    """
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        if missing_ok:
            return p
        raise error(f"{p}: no such {what}. Fix: check the path.") from None
    except OSError as exc:
        raise error(os_error_message(exc, p, doing=f"cannot be read as the {what}")) from None
    kind = _kind(mode)
    if kind is not None:
        raise error(
            f"{p}: is {kind}, not a file; eipgis reads only regular files. "
            f"Fix: give the path of the {what} itself."
        )
    if stat.S_ISDIR(mode) and not folder_ok:
        raise error(f"{p}: is a folder, not a file. Fix: give the path of the {what} inside it.")
    return p


def read_text_file(
    path: PathLike,
    *,
    what: str = "file",
    error: type[EipgisError] = InputError,
    max_bytes: int | None = None,
) -> str:
    """The text of a planner's file (YAML, CSV): a regular file, at most ``max_bytes``, UTF-8.

    A UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped; any other encoding is an error
    naming the line and byte offset. Every problem is ``error`` with the path and the fix.
    ``max_bytes`` defaults to :data:`MAX_TEXT_BYTES` (50 MB).
    """
    p = check_input(path, what=what, error=error)
    max_bytes = MAX_TEXT_BYTES if max_bytes is None else max_bytes
    try:
        size = os.stat(p).st_size
        if size > max_bytes:
            raise error(
                f"{p}: is {size:,} bytes, more than the {max_bytes:,} bytes a {what} may have. "
                "Fix: check that this is the right file."
            )
        # O_NONBLOCK: should the path have become a FIFO since the check, opening it cannot hang.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise error(f"{p}: is not a regular file. Fix: give the path of the {what} itself.")
            data = fh.read(max_bytes + 1)
    except EipgisError:
        raise
    except OSError as exc:
        raise error(os_error_message(exc, p, doing=f"cannot be read as the {what}")) from None
    if len(data) > max_bytes:
        raise error(f"{p}: is more than {max_bytes:,} bytes. Fix: check that this is the right file.")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise error(
            f"{p}: holds a NUL byte (byte {nul} on line {line}): it is UTF-16 "
            "or not a text file. Fix: save it as UTF-8 (in Excel: Save As → CSV UTF-8)."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, start) + 1
        raise error(
            f"{p}: is not UTF-8 text (byte {start} on line {line} is {data[start:start + 1]!r}). "
            "Fix: save it as UTF-8 (in Excel: Save As → CSV UTF-8; in a text editor: encoding UTF-8)."
        ) from None


def _check_exists(path: Path) -> None:
    if not path.exists() and not path.is_symlink():
        raise InputError(
            f"{path}: no such file or folder. Fix: give the path of a park GeoPackage (.gpkg) "
            "or of a folder holding one file per layer (boundary.geojson, landuse.geojson, …)."
        )
    check_input(path, what="park GeoPackage or folder", folder_ok=True)


def park_files(park: PathLike) -> list[Path]:
    """The files a park is read from: the GeoPackage, or a folder's layer files and their sidecars.

    A shapefile's ``.dbf``, ``.shx``, ``.prj``… count, and so do GeoPackage ``-wal``/``-shm`` files.
    A park in a database (``postgresql://…``) has no file.
    """
    if str(park).startswith(("postgresql://", "postgres://")):
        return []
    p = Path(park)
    if not p.is_dir():
        return [p, Path(f"{p}-wal"), Path(f"{p}-shm"), Path(f"{p}-journal")]
    stems = _layer_stems(p)
    try:
        return [p] + sorted(f for f in p.iterdir() if f.name.split(".")[0] in stems or f.stem in stems)
    except OSError:  # an unreadable folder fails later, when the park is read, with its own message
        return [p]


def list_layers(path: str | os.PathLike[str]) -> dict[str, str]:
    """Layers a park source holds, as ``{layer name: where to read it}``.

    A GeoPackage lists its tables; a folder lists files named like the layers
    (``landuse.geojson``, ``boundary.shp``…).
    """
    import pyogrio

    path = Path(path)
    _check_exists(path)
    if path.is_dir():
        found: dict[str, str] = {}
        for suffix in FOLDER_SUFFIXES:
            for f in sorted(path.glob(f"*{suffix}")):
                found.setdefault(f.stem, str(f))
        return found
    try:
        names = pyogrio.list_layers(path)[:, 0]
    except Exception as exc:  # noqa: BLE001 - pyogrio raises DataSourceError and friends
        raise InputError(
            f"{path}: cannot be opened as a GeoPackage or vector file ({exc}). "
            "Fix: export the park from QGIS as a GeoPackage (.gpkg)."
        ) from None
    return {str(name): str(path) for name in names}


def read_layer(source: str, layer: str) -> gpd.GeoDataFrame:
    """Read one layer; ``source`` is what :func:`list_layers` returned for it."""
    import geopandas as gpd

    # A folder's layer file may be a named pipe or a device (a symlink to /dev/zero): never open it.
    check_input(source, what=f"file of layer '{layer}'", error=LayerError)

    kwargs: dict[str, object] = {"engine": "pyogrio"}
    if source.lower().endswith(".gpkg") and Path(source).stem != layer:
        kwargs["layer"] = layer
    elif source.lower().endswith(".gpkg"):
        # A folder's landuse.gpkg may hold the layer under its own name or as its only layer.
        import pyogrio

        names = list(pyogrio.list_layers(source)[:, 0])
        kwargs["layer"] = layer if layer in names else names[0]
    if _have_arrow():
        # Through Arrow (pyarrow): about twice as fast as GDAL's feature-by-feature reading.
        # Anything it cannot read is read again the ordinary way, with that way's message.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _read_arrow(source, kwargs)
        except Exception:  # noqa: BLE001, S110 - read again below, whose error is reported
            pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return gpd.read_file(source, **kwargs)
    except Exception as exc:  # noqa: BLE001 - GDAL's errors come in many types
        raise LayerError(
            f"{source}, layer '{layer}': cannot be read ({exc}). "
            "Fix: open it in QGIS, check it, and save it again as a GeoPackage layer."
        ) from None


def _read_arrow(source: str, kwargs: dict[str, object]) -> gpd.GeoDataFrame:
    """One layer read through Arrow into the frame ``geopandas.read_file(use_arrow=True)`` gives.

    The geometry column goes from Arrow's binary array straight to shapely, not through a
    pandas column of bytes first (a third less time on 100,000 parcels). Layers with date-time or
    JSON fields, and tables without geometry, take geopandas' own path, which converts those.
    """
    import geopandas as gpd
    import shapely
    from pyogrio.raw import read_arrow

    layer = kwargs.get("layer")
    meta, table = read_arrow(source, layer=layer)
    name = meta["geometry_name"] or "wkb_geometry"
    special = any(d is not None and str(d).startswith("datetime") for d in meta["dtypes"]) or (
        "OFSTJSON" in list(meta["ogr_subtypes"]))
    if special or name not in table.column_names:
        del table
        return gpd.read_file(source, use_arrow=True, **kwargs)
    geometry = shapely.from_wkb(table.column(name).to_numpy(zero_copy_only=False))
    frame = table.drop_columns([name]).to_pandas()
    del table
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=meta["crs"]),
                            crs=meta["crs"])


def _have_arrow() -> bool:
    """True when layers are read through Arrow: pyarrow is installed and this is not QGIS."""
    import importlib.util

    # Inside QGIS, GDAL is QGIS's own (Debian's 3.6), not the one pyogrio was built with: the
    # feature-by-feature reading is the one known to work there.
    return plain_python() and importlib.util.find_spec("pyarrow") is not None


def plain_python() -> bool:
    """True in a plain Python interpreter; false inside QGIS (the desktop or ``qgis_process``).

    QGIS loads Debian's GEOS and GDAL with the application, and their symbols take precedence
    over the copies bundled in pip wheels (exactextract, pyogrio). A plain interpreter loads the
    bundled copies, even after ``import qgis.core``.
    """
    try:
        exe = os.path.basename(os.readlink("/proc/self/exe"))
    except OSError:
        return True  # not Linux: no such symbol clash known
    return exe.startswith("python")


#: Layer names of the data contract: a file so named in a park folder is read as that layer.
PARK_LAYERS = ("boundary", "landuse", "buildings", "plot_green", "facilities", "neighbourhoods",
               "enterprises")


def _layer_stems(folder: Path) -> set[str]:
    stems = {f.stem for suffix in FOLDER_SUFFIXES for f in folder.glob(f"*{suffix}")}
    return stems | set(PARK_LAYERS)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: same inode (links, case) or the same resolved path."""
    with contextlib.suppress(OSError):
        if os.path.samefile(a, b):
            return True
    with contextlib.suppress(OSError, RuntimeError):
        return a.resolve() == b.resolve()
    return False


def refuse_output(
    path: PathLike | None,
    *,
    overwrite: bool,
    inputs: Iterable[tuple[str, PathLike | None]] = (),
) -> None:
    """The one check before writing an output (call it before any long work).

    Refused, whatever ``overwrite`` says: an output that is the same file as one of ``inputs``
    (``(role, path)`` pairs such as ``("the park", "park.gpkg")``): same path after ``..`` and
    symlinks are resolved, or same inode (hard link, other spelling on a case-insensitive disk);
    an output that is a folder, a device, a FIFO or a socket. Refused unless ``overwrite``: an output that exists already.
    """
    if not path:
        return
    target = Path(path)
    named = [(role, Path(source)) for role, source in inputs if source is not None and str(source)]
    for role, source in named:
        if _same_file(target, source):
            raise OutputError(
                f"{target}: is an input of this command ({role}); eipgis never writes over an "
                "input. Fix: choose another output path."
            )
    for role, source in named:
        if source.is_dir() and _same_file(target.parent, source) and target.suffix.lower() in \
                FOLDER_SUFFIXES and target.stem in _layer_stems(source):
            raise OutputError(
                f"{target}: would be read as layer '{target.stem}' of {role} ({source}); eipgis "
                "never writes over an input. Fix: choose another output folder."
            )
    if target.is_dir():
        raise OutputError(f"{target}: is a folder. Fix: give the path of a file to write.")
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # the writer says why
        kind = _kind(os.stat(target).st_mode)
        if kind is not None:  # replacing /dev/null or a FIFO by a file would break the system
            raise OutputError(
                f"{target}: is {kind}; eipgis writes outputs as regular files only. "
                "Fix: choose another output path (without -o the result is printed)."
            )
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise OutputError(
            f"{target}: exists already. Fix: choose another output path or pass --overwrite."
        )


def refuse_outputs(
    paths: Iterable[PathLike],
    *,
    overwrite: bool,
    inputs: Iterable[tuple[str, PathLike | None]] = (),
) -> None:
    """:func:`refuse_output` for the files a command writes into a folder, existing ones listed together."""
    inputs = list(inputs)
    targets = [Path(p) for p in paths]
    for target in targets:
        refuse_output(target, overwrite=True, inputs=inputs)
    there = [str(t) for t in targets if t.exists() or t.is_symlink()]
    if there and not overwrite:
        raise OutputError(f"{', '.join(there)}: exist{'s' if len(there) == 1 else ''} already. "
                          "Fix: choose another output folder or pass --overwrite.")


def refuse_existing(path: PathLike | None, *, overwrite: bool) -> None:
    """Refuse to replace an existing output unless asked; :func:`refuse_output` without inputs."""
    refuse_output(path, overwrite=overwrite)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    A failed write leaves nothing behind, and an existing file is replaced only when
    ``overwrite`` is true.
    """
    target = Path(path)
    refuse_output(target, overwrite=overwrite)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(os_error_message(exc, folder, doing="cannot create the output folder")) from None
    if not folder.is_dir():
        raise OutputError(f"{folder}: is a file, not a folder. Fix: choose another output path.")
    # The temporary name ends like the target (".tmp.gpkg") so GDAL drivers accept it silently;
    # it is cut so that a long target name still gives a legal temporary name.
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name[:150]}.", suffix=f".tmp{target.suffix[:20]}", dir=folder
        )
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # writers such as GDAL want to create the file themselves
    except OSError as exc:
        raise OutputError(os_error_message(exc, target)) from None
    try:
        yield tmp
        os.replace(tmp, target)
    except EipgisError:
        raise
    except OSError as exc:
        raise OutputError(os_error_message(exc, target)) from None
    except Exception as exc:
        # GDAL writers (pyogrio, rasterio) report a full disk or a refused write as their own errors.
        if type(exc).__module__.split(".")[0] not in ("pyogrio", "rasterio", "fiona"):
            raise
        raise OutputError(f"{target}: cannot be written ({exc}). Fix: check the disk space and "
                          "that you may write to the folder.") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_text(path: str | os.PathLike[str], text: str, *, overwrite: bool = False) -> Path:
    """Write UTF-8 text atomically and return the path."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_gpkg(
    path: str | os.PathLike[str],
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    overwrite: bool = False,
) -> Path:
    """Write several layers into one GeoPackage atomically.

    The file is GeoPackage 1.2 so that the GDAL 3.6 of Debian 12's QGIS reads it without warnings.
    """
    with atomic_path(path, overwrite=overwrite) as tmp:
        for name, frame in layers.items():
            frame.to_file(
                tmp,
                layer=name,
                driver="GPKG",
                engine="pyogrio",
                dataset_options={"VERSION": "1.2"},
                append=tmp.exists(),
            )
    return Path(path)


# --- CSV written for spreadsheets (OWASP: CSV injection) ---------------------------------------

#: A cell a spreadsheet would run as a formula starts with one of these (OWASP, CSV injection).
_TRIGGER = "=+\\-@\t\r"
#: Written with a leading quote: a trigger cell, or one that already has quotes before a trigger,
#: so that reading removes exactly one quote and every text comes back unchanged.
_NEEDS_QUOTE = re.compile(f"'*[{_TRIGGER}]")
_QUOTED = re.compile(f"'+[{_TRIGGER}]")
#: A plain number (``-5``, ``+1.5e3``): left as written in columns that are not the CSV file's own.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """The text as written to a CSV file: a cell a spreadsheet would run gets a leading quote.

    ``"=1+1"`` → ``"'=1+1"``, ``"-5 % cost"`` → ``"'-5 % cost"``, ``"'=x"`` → ``"''=x"``; anything
    else is unchanged. :func:`restore` undoes it exactly.
    """
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def restore(text: str) -> str:
    """The text a neutralised CSV cell stands for (the inverse of :func:`neutralise`)."""
    return text[1:] if _QUOTED.match(text) else text


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV text for people to open in a spreadsheet, formula-like text neutralised.

    Text cells that a spreadsheet would run (``=…``, ``+…``, ``-…``, ``@…``, tab, carriage return) get a
    leading quote (:func:`neutralise`); numbers, and text that is a plain number such as ``-5``, are
    left as written.
    """
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        out[col] = values.astype(object).map(
            lambda v: neutralise(v) if isinstance(v, str) and not _NUMBER.fullmatch(v) else v)
    return str(out.to_csv(index=False, lineterminator="\n"))
