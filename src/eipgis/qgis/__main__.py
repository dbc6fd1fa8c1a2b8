"""``python -m eipgis.qgis``: the shell lines that let qgis_process and QGIS use this Python's eipgis."""

from .bridge import qgis_process_env

_env = qgis_process_env({})
for _key in ("PYTHONPATH", "QGIS_PLUGINPATH"):
    print(f"export {_key}={_env[_key]}")
