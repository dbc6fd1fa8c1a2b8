"""The QGIS bridge: QGIS layers to and from GeoDataFrames, parks from open layers, results as styled layers.

Use it from the QGIS Python console (or any PyQGIS script)::

    import eipgis
    from eipgis import qgis as eq
    G = eipgis.sample_path()
    park = eq.park_from_layers(boundary=f"{G}|layername=boundary", landuse=f"{G}|layername=landuse")
    report = eipgis.check(park)
    eq.add_results(park=park, report=report)

Set QGIS up once with ``python -m eipgis.qgis install`` (:mod:`eipgis.qgis.install`).
Nothing is written next to the user's data: results are memory layers in the current project.
``qgis`` is imported inside each function, so ``import eipgis.qgis`` works (and fails only on
use) where QGIS is not installed.
"""

from typing import Any

from .bridge import (
    FAILING_COLOUR,
    QgisLayerError,
    add_results,
    from_layer,
    guess_layers,
    park_from_layers,
    plugin_path,
    qgis_process_env,
    to_layer,
)


def register_provider() -> Any:
    """Add the eipgis Processing provider to the running QGIS (the Processing toolbox).

    Returns the provider; calling it again returns the one already registered.
    """
    from .processing import register_provider as register

    return register()


__all__ = [
    "FAILING_COLOUR",
    "QgisLayerError",
    "add_results",
    "from_layer",
    "guess_layers",
    "park_from_layers",
    "plugin_path",
    "qgis_process_env",
    "register_provider",
    "to_layer",
]
