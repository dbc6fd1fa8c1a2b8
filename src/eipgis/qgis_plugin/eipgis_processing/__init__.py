"""QGIS plugin that adds the eipgis Processing provider (for the toolbox and qgis_process).

The plugin is only this shim: the provider lives in the eipgis package, which QGIS's Python
must import. If it cannot, the plugin says so in words and gives the fix, instead of a raw
``ModuleNotFoundError`` dialog.
"""

FIX = (
    "Fix: in a terminal, once, with the Python that has eipgis: "
    "~/eipgis-qgis/bin/python -m eipgis.qgis install  (Windows, OSGeo4W Shell: "
    "python -m eipgis.qgis install), then restart QGIS. See the eipgis README, "
    "\"Inside QGIS\". / Cách sửa: chạy một lần lệnh trên rồi khởi động lại QGIS."
)


def missing_message(error):
    """The words shown when QGIS's Python cannot import eipgis."""
    return (f"eipgis Processing: QGIS's Python cannot import eipgis ({error}). "
            "The eipgis tools are not in the Processing toolbox. "
            "/ Python của QGIS không nạp được thư viện eipgis. " + FIX)


class MissingEipgis:
    """Stands in for the plugin when eipgis cannot be imported: tells the user, adds nothing."""

    def __init__(self, iface, error):
        self.iface = iface
        self.message = missing_message(error)
        self.told = False

    def _tell(self):
        if self.told:
            return
        self.told = True
        from qgis.core import Qgis, QgsMessageLog

        QgsMessageLog.logMessage(self.message, "eipgis", Qgis.Critical)
        if self.iface is not None:
            self.iface.messageBar().pushMessage("eipgis", self.message, Qgis.Critical, 0)

    def initProcessing(self):
        self._tell()

    def initGui(self):
        self._tell()

    def unload(self):
        pass


def classFactory(iface):
    """Called by QGIS: the eipgis plugin, or a stand-in that explains what is missing."""
    try:
        from eipgis.qgis.processing import EipgisPlugin
    except ImportError as exc:
        return MissingEipgis(iface, exc)
    return EipgisPlugin(iface)
