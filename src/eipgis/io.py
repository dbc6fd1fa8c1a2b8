"""Reading park layers from a GeoPackage or a folder, and the one atomic writer of every output file."""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, LayerError, OutputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["list_layers", "read_layer", "refuse_existing", "atomic_path", "write_text", "write_gpkg"]

#: File suffixes accepted for a layer in a park folder, in order of preference.
FOLDER_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb")


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise InputError(
            f"{path}: no such file or folder. Fix: give the path of a park GeoPackage (.gpkg) "
            "or of a folder holding one file per layer (boundary.geojson, landuse.geojson, …)."
        )


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
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError(
            f"{path}: cannot be opened as a GeoPackage or vector file ({exc}). "
            "Fix: export the park from QGIS as a GeoPackage (.gpkg)."
        ) from None
    return {str(name): str(path) for name in names}


def read_layer(source: str, layer: str) -> gpd.GeoDataFrame:
    """Read one layer; ``source`` is what :func:`list_layers` returned for it."""
    import geopandas as gpd

    kwargs: dict[str, object] = {"engine": "pyogrio"}
    if source.lower().endswith(".gpkg") and Path(source).stem != layer:
        kwargs["layer"] = layer
    elif source.lower().endswith(".gpkg"):
        # A folder's landuse.gpkg may hold the layer under its own name or as its only layer.
        import pyogrio

        names = list(pyogrio.list_layers(source)[:, 0])
        kwargs["layer"] = layer if layer in names else names[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return gpd.read_file(source, **kwargs)
    except Exception as exc:
        raise LayerError(
            f"{source}, layer '{layer}': cannot be read ({exc}). "
            "Fix: open it in QGIS, check it, and save it again as a GeoPackage layer."
        ) from None


def refuse_existing(path: str | os.PathLike[str] | None, *, overwrite: bool) -> None:
    """Refuse to replace an existing output unless asked (call it before any long work)."""
    if path and Path(path).exists() and not overwrite:
        raise OutputError(
            f"{path}: exists already. Fix: choose another output path or pass --overwrite."
        )


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    A failed write leaves nothing behind, and an existing file is replaced only when
    ``overwrite`` is true.
    """
    target = Path(path)
    refuse_existing(target, overwrite=overwrite)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder ({exc.strerror}).") from None
    # The temporary name ends like the target (".tmp.gpkg") so GDAL drivers accept it silently.
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=folder
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
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
