"""The one-time set-up of a QGIS profile for eipgis: ``python -m eipgis.qgis install``.

Run once with the Python that has eipgis (the ``--system-site-packages`` virtual environment of
the README). It writes into the QGIS profile, so QGIS started from the desktop menu on any later
day finds eipgis without a terminal:

* the plugin ``eipgis_processing`` copied into the profile's ``python/plugins`` and ticked in
  the Plugin Manager (``[PythonPlugins] eipgis_processing=true``);
* QGIS's own environment settings (Settings → Options → System → Environment, stored in the
  profile's ``QGIS/QGIS3.ini``): ``PYTHONPATH`` prepended with this environment's site-packages
  (and the folder eipgis is imported from), ``PROJ_DATA`` set to the PROJ data folder.

Nothing outside the profile folder is changed, except a link ``share/proj`` inside the virtual
environment itself (so its pyproj finds PROJ's data). Running it again replaces what it wrote.
"""

from __future__ import annotations

import os
import shutil
import site
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

__all__ = ["Installed", "default_profiles_dir", "install", "proj_data_dir", "python_paths"]

_PLUGIN = "eipgis_processing"
#: Where the installer remembers the PYTHONPATH it wrote, so a second run replaces it.
_MARK = "eipgis/pythonPath"


@dataclass(frozen=True)
class Installed:
    """What :func:`install` wrote."""

    profile_dir: Path
    ini: Path
    plugin_dir: Path
    env_vars: tuple[str, ...]


def default_profiles_dir() -> Path:
    """The folder of QGIS 3 profiles: ``$QGIS_CUSTOM_CONFIG_PATH/profiles`` if set, else the
    platform's (Linux ``~/.local/share/QGIS/QGIS3/profiles``, Windows
    ``%APPDATA%\\QGIS\\QGIS3\\profiles``, macOS ``~/Library/Application Support/QGIS/QGIS3/profiles``)."""
    custom = os.environ.get("QGIS_CUSTOM_CONFIG_PATH")
    if custom:
        return Path(custom) / "profiles"
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "QGIS" / "QGIS3" / "profiles"


def python_paths() -> list[str]:
    """Folders QGIS's Python needs on its path to import this eipgis and its dependencies.

    The folder eipgis is imported from, then this virtual environment's site-packages (QGIS
    embeds the base Python, which does not read a virtual environment by itself).
    """
    here = str(Path(__file__).resolve().parents[2])
    venv = [p for p in site.getsitepackages()
            if sys.prefix != sys.base_prefix and p.startswith(sys.prefix) and Path(p).is_dir()]
    return list(dict.fromkeys([here, *venv]))


def proj_data_dir() -> str | None:
    """PROJ's data folder (the one holding ``proj.db``): ``PROJ_DATA``/``PROJ_LIB`` if set, else
    the base Python's ``share/proj`` (OSGeo4W) or ``/usr/share/proj`` (Debian)."""
    candidates = [os.environ.get("PROJ_DATA"), os.environ.get("PROJ_LIB"),
                  str(Path(sys.base_prefix) / "share" / "proj"),
                  str(Path(sys.base_prefix).parents[1] / "share" / "proj") if sys.platform == "win32" else None,
                  "/usr/share/proj", "/usr/local/share/proj"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "proj.db").is_file():
            return str(Path(candidate))
    return None


def _link_proj_into_venv(proj: str | None) -> None:
    """A virtual environment's pyproj looks for PROJ's data under ``sys.prefix/share/proj``."""
    if proj is None or sys.prefix == sys.base_prefix or sys.platform == "win32":
        return
    link = Path(sys.prefix) / "share" / "proj"
    if link.exists() or link.is_symlink():
        return
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(proj, target_is_directory=True)


def install(profile: str = "default", profiles_dir: str | os.PathLike[str] | None = None) -> Installed:
    """Set up the QGIS profile ``profile`` so that QGIS, however started, loads eipgis.

    Parameters
    ----------
    profile : str
        The QGIS user profile (Settings → User Profiles); created if missing.
    profiles_dir : path, optional
        The folder of profiles (default: :func:`default_profiles_dir`).

    Returns
    -------
    Installed
        The profile folder, its settings file, the plugin folder and the environment entries.

    Raises
    ------
    InputError
        This Python cannot read and write QGIS settings (no PyQt), or the profile cannot be written.
    """
    try:
        from qgis.PyQt.QtCore import QSettings
    except ImportError:
        raise InputError(
            "eipgis.qgis install: this Python cannot import PyQGIS (qgis.PyQt), so it cannot write "
            "the QGIS profile. Fix: run it with the Python of the virtual environment made with "
            "'/usr/bin/python3 -m venv --system-site-packages' (README: Inside QGIS)."
        ) from None
    if not profile or any(sep in profile for sep in ("/", "\\")) or profile in (".", ".."):
        raise InputError(f"eipgis.qgis install: {profile!r} is not a profile name. "
                         "Fix: give the name shown in Settings → User Profiles, e.g. default.")
    root = Path(profiles_dir) if profiles_dir is not None else default_profiles_dir()
    profile_dir = root / profile
    plugin_dir = profile_dir / "python" / "plugins" / _PLUGIN
    ini = profile_dir / "QGIS" / "QGIS3.ini"
    source = Path(__file__).resolve().parents[1] / "qgis_plugin" / _PLUGIN
    try:
        ini.parent.mkdir(parents=True, exist_ok=True)
        if plugin_dir.exists():
            shutil.rmtree(plugin_dir)
        shutil.copytree(source, plugin_dir, ignore=shutil.ignore_patterns("__pycache__"))
    except OSError as exc:
        raise InputError(f"eipgis.qgis install: cannot write the QGIS profile {profile_dir} "
                         f"({exc.strerror or exc}). Fix: check the folder's permissions.") from None
    sep = ";" if sys.platform == "win32" else ":"
    pythonpath = sep.join(python_paths())
    proj = proj_data_dir()
    settings = QSettings(str(ini), QSettings.IniFormat)
    previous = settings.value(_MARK, "")
    kept = [entry for entry in _as_list(settings.value("qgis/customEnvVars", []))
            if entry != f"prepend|PYTHONPATH={previous}" and not entry.startswith("overwrite|PROJ_DATA=")]
    ours = [f"prepend|PYTHONPATH={pythonpath}"] + ([f"overwrite|PROJ_DATA={proj}"] if proj else [])
    settings.setValue("qgis/customEnvVars", kept + ours)
    settings.setValue("qgis/customEnvVarsUse", True)
    settings.setValue(f"PythonPlugins/{_PLUGIN}", True)
    settings.setValue(_MARK, pythonpath)
    settings.sync()
    if settings.status() != QSettings.NoError:
        raise InputError(f"eipgis.qgis install: cannot write {ini}. Fix: close QGIS (it rewrites "
                         "its settings on exit) and check the folder's permissions.")
    _link_proj_into_venv(proj)
    return Installed(profile_dir, ini, plugin_dir, tuple(ours))


def _as_list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]  # type: ignore[attr-defined]
