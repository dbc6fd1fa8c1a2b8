"""The eipgis Processing provider: "Check park against criteria" and "Run scenario" for QGIS and qgis_process.

Importing this module needs PyQGIS. QGIS finds it through the plugin ``eipgis_processing``
(folder :func:`eipgis.qgis.plugin_path`, put on ``QGIS_PLUGINPATH``), or a console session adds it
with :func:`eipgis.qgis.register_provider`.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsApplication,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProcessingProvider,
)

from ..errors import EipgisError

__all__ = ["CheckParkAlgorithm", "EipgisPlugin", "EipgisProvider", "RunScenarioAlgorithm"]

_LANGS = ["en", "vi"]
_POLY = [QgsProcessing.TypeVectorPolygon]
_LAYER_PARAMS = (
    ("BOUNDARY", "boundary", "Park boundary (ranh giới khu)", _POLY),
    ("LANDUSE", "landuse", "Land-use parcels (lô đất quy hoạch)", _POLY),
    ("BUILDINGS", "buildings", "Buildings (công trình)", _POLY),
    ("PLOT_GREEN", "plot_green", "Green inside plots (cây xanh trong lô)", _POLY),
    ("FACILITIES", "facilities", "Facilities with hazard class (cơ sở sản xuất)",
     [QgsProcessing.TypeVectorAnyGeometry]),
    ("NEIGHBOURHOODS", "neighbourhoods", "Neighbourhoods (khu dân cư)", _POLY),
)


def _add_park_parameters(alg: QgsProcessingAlgorithm, *, required: bool) -> None:
    for key, role, title, types in _LAYER_PARAMS:
        optional = not required or role not in ("boundary", "landuse")
        alg.addParameter(QgsProcessingParameterVectorLayer(key, title, types, optional=optional))


def _park(alg: QgsProcessingAlgorithm, parameters: dict[str, Any], context: Any) -> Any:
    from .bridge import park_from_layers

    layers = {role: alg.parameterAsVectorLayer(parameters, key, context)
              for key, role, _, _ in _LAYER_PARAMS}
    if layers["boundary"] is None or layers["landuse"] is None:
        return None
    repair = alg.parameterAsBoolean(parameters, "REPAIR", context)
    return park_from_layers(**layers, repair=repair)


def _write_parcels(alg: QgsProcessingAlgorithm, parameters: dict[str, Any], context: Any,
                   park: Any, report: Any) -> str:
    from .bridge import _landuse_frame, to_layer

    layer = to_layer(_landuse_frame(park, report), "landuse")
    sink, dest_id = alg.parameterAsSink(parameters, "OUTPUT", context, layer.fields(),
                                        layer.wkbType(), layer.crs())
    if sink is None:
        raise QgsProcessingException("cannot create the output layer (OUTPUT).")
    for feature in layer.getFeatures():
        sink.addFeature(feature, QgsFeatureSink.FastInsert)
    return dest_id


def _write_report(path: str, report: Any, lang: str, extra_markdown: str = "") -> None:
    from .. import io

    if not path:
        return
    lower = path.lower()
    if lower.endswith(".json"):
        text = report.to_json()
    elif lower.endswith((".md", ".markdown")):
        text = report.to_markdown(lang=lang) + (("\n" + extra_markdown) if extra_markdown else "")
    else:
        text = report.to_table(lang=lang)
    io.write_text(path, text, overwrite=True)  # Processing asks before replacing a destination


class _Base(QgsProcessingAlgorithm):
    def group(self) -> str:
        return "eipgis"

    def groupId(self) -> str:
        return "eipgis"

    def createInstance(self) -> QgsProcessingAlgorithm:
        return type(self)()

    def flags(self) -> Any:
        # pandas/GEOS work on the project's layers: run in the main thread, not a worker.
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def _outputs(self) -> None:
        self.addOutput(QgsProcessingOutputBoolean("PASSED", "Every criterion passes"))
        self.addOutput(QgsProcessingOutputString("FAILING", "Failing criteria"))
        self.addOutput(QgsProcessingOutputString("REPORT_JSON", "Report (JSON)"))

    def _common(self, output_title: str) -> None:
        """The options and outputs every eipgis algorithm has."""
        self.addParameter(QgsProcessingParameterBoolean(
            "REPAIR", "Repair invalid geometries (instead of failing)", defaultValue=False))
        self.addParameter(QgsProcessingParameterEnum(
            "LANG", "Report language", options=["English", "Tiếng Việt"], defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", output_title, QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFileDestination(
            "REPORT", "Report", "Markdown (*.md);;JSON (*.json);;Text (*.txt)", optional=True,
            createByDefault=False))
        self._outputs()

    def _finish(self, parameters: dict[str, Any], context: Any, feedback: Any, park: Any,
                report: Any, changes: str = "") -> dict[str, Any]:
        """Write the parcels and the report, and return the algorithm's outputs."""
        lang = _LANGS[self.parameterAsEnum(parameters, "LANG", context)]
        dest = _write_parcels(self, parameters, context, park, report)
        report_path = self.parameterAsFileOutput(parameters, "REPORT", context)
        _write_report(report_path, report, lang, changes)
        feedback.pushInfo(report.to_table(lang=lang))
        return {"OUTPUT": dest, "REPORT": report_path, "PASSED": report.passed,
                "FAILING": ", ".join(r.id for r in report.failing),
                "REPORT_JSON": report.to_json(indent=None)}


class CheckParkAlgorithm(_Base):
    """Check the park's layers against a criteria set (optionally with a land-cover raster)."""

    def name(self) -> str:
        return "check"

    def displayName(self) -> str:
        return "Check park against criteria"

    def shortHelpString(self) -> str:
        return (
            "Checks an industrial park's layers against a criteria set (built-in "
            "vn-qcvn-01-2021 or vn-eip-decree-35, or a YAML file) and returns the land-use "
            "parcels with the criteria each fails. With a land-cover or NDVI raster it adds "
            "OBS-GREEN (green seen on the ground) and flags green parcels that are green on "
            "paper only.\n\nKiểm tra khu công nghiệp theo bộ tiêu chí (QCVN 01:2021/BXD, "
            "Nghị định 35/2022/NĐ-CP)."
        )

    def initAlgorithm(self, config: Any = None) -> None:
        _add_park_parameters(self, required=True)
        self.addParameter(QgsProcessingParameterString(
            "CRITERIA", "Criteria set (built-in name or YAML path)", defaultValue="vn-qcvn-01-2021"))
        self.addParameter(QgsProcessingParameterRasterLayer(
            "LANDCOVER", "Land-cover or NDVI raster (optional)", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "GREEN_CLASSES", "Green land-cover codes (default 10,20,30: ESA WorldCover)",
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "NDVI_MIN", "Read the raster as NDVI, green at NDVI ≥", type=QgsProcessingParameterNumber.Double,
            optional=True, minValue=-1.0, maxValue=1.0))
        self._common("Land use with results")

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict[str, Any]:
        from ..criteria import check, load_criteria

        try:
            cset = load_criteria(self.parameterAsString(parameters, "CRITERIA", context)
                                 or "vn-qcvn-01-2021")
            raster_layer = self.parameterAsRasterLayer(parameters, "LANDCOVER", context)
            if raster_layer is not None:
                from .. import raster

                classes = self.parameterAsString(parameters, "GREEN_CLASSES", context) or None
                ndvi = (self.parameterAsDouble(parameters, "NDVI_MIN", context)
                        if parameters.get("NDVI_MIN") not in (None, "") else None)
                path = raster_layer.source()
                raster.check_raster(path)
                cset = raster.with_observed_green(cset, path, green_classes=classes, ndvi_min=ndvi)
            feedback.pushInfo("Reading the park's layers…")
            park = _park(self, parameters, context)
            feedback.pushInfo(f"{park!r}")
            return self._finish(parameters, context, feedback, park, check(park, cset))
        except EipgisError as exc:
            raise QgsProcessingException(str(exc)) from None


class RunScenarioAlgorithm(_Base):
    """Apply a scenario file to the park and check the result."""

    def name(self) -> str:
        return "scenario"

    def displayName(self) -> str:
        return "Run scenario"

    def shortHelpString(self) -> str:
        return (
            "Applies a scenario file (YAML: rezone, green strip, carve…) to the park and checks "
            "the new land use against the scenario's criteria set. The park is the layers given "
            "here or, if none, the GeoPackage the scenario file names.\n\nÁp dụng phương án "
            "điều chỉnh quy hoạch và kiểm tra lại theo bộ tiêu chí."
        )

    def initAlgorithm(self, config: Any = None) -> None:
        self.addParameter(QgsProcessingParameterFile(
            "SCENARIO", "Scenario file (YAML)", extension="yaml"))
        _add_park_parameters(self, required=False)
        self.addParameter(QgsProcessingParameterString(
            "CRITERIA", "Criteria set (default: the scenario's own)", optional=True))
        self._common("Scenario land use with results")

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict[str, Any]:
        from ..plans.scenario import Scenario

        try:
            scenario = Scenario.from_yaml(self.parameterAsFile(parameters, "SCENARIO", context))
            park = _park(self, parameters, context)
            criteria = self.parameterAsString(parameters, "CRITERIA", context) or None
            feedback.pushInfo(f"Scenario: {scenario.name}")
            run = scenario.run(park, criteria=criteria)
            lang = _LANGS[self.parameterAsEnum(parameters, "LANG", context)]
            return self._finish(parameters, context, feedback, run.new_park, run.report,
                                run.changes_markdown(lang=lang))
        except EipgisError as exc:
            raise QgsProcessingException(str(exc)) from None


class EipgisProvider(QgsProcessingProvider):
    """The ``eipgis`` provider of the Processing toolbox."""

    def id(self) -> str:
        return "eipgis"

    def name(self) -> str:
        return "eipgis"

    def longName(self) -> str:
        from .. import __version__

        return f"eipgis {__version__} — eco-industrial park planning"

    def loadAlgorithms(self) -> None:
        self.addAlgorithm(CheckParkAlgorithm())
        self.addAlgorithm(RunScenarioAlgorithm())


class EipgisPlugin:
    """What the ``eipgis_processing`` QGIS plugin's ``classFactory`` returns."""

    def __init__(self, iface: Any = None) -> None:
        self.iface = iface
        self.provider: EipgisProvider | None = None

    def initProcessing(self) -> None:
        registry = QgsApplication.processingRegistry()
        if registry.providerById("eipgis") is None:
            self.provider = EipgisProvider()
            registry.addProvider(self.provider)

    def initGui(self) -> None:
        self.initProcessing()

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None


def register_provider() -> Any:
    """Add the eipgis Processing provider to the running QGIS (the Processing toolbox).

    Returns the provider; calling it again returns the one already registered.
    """
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("eipgis")
    if existing is not None:
        return existing
    provider = EipgisProvider()
    registry.addProvider(provider)
    # The registry does not keep the Python object alive; without this reference the provider's
    # Python methods vanish with it and its algorithms become ":" (seen with QGIS 3.22).
    _KEEP_ALIVE.append(provider)
    return provider


_KEEP_ALIVE: list[Any] = []
