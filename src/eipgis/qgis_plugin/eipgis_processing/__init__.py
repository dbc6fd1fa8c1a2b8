"""QGIS plugin that adds the eipgis Processing provider (for the toolbox and qgis_process)."""


def classFactory(iface):
    """Called by QGIS; eipgis itself must be importable by QGIS's Python (see the README)."""
    from eipgis.qgis.processing import EipgisPlugin

    return EipgisPlugin(iface)
