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
    QgsProcessingLayerPostProcessorInterface,
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

from .._words import QGIS_WORDS
from ..errors import EipgisError

__all__ = ["CheckParkAlgorithm", "EipgisPlugin", "EipgisProvider", "RunScenarioAlgorithm", "ui_lang"]

_LANGS = ["en", "vi"]
_POLY = [QgsProcessing.TypeVectorPolygon]
#: Parameter key, park role, word key of its label, geometry types.
_LAYER_PARAMS = (
    ("BOUNDARY", "boundary", "boundary", _POLY),
    ("LANDUSE", "landuse", "landuse", _POLY),
    ("BUILDINGS", "buildings", "buildings", _POLY),
    ("PLOT_GREEN", "plot_green", "plot_green", _POLY),
    ("FACILITIES", "facilities", "facilities_param", [QgsProcessing.TypeVectorAnyGeometry]),
    ("NEIGHBOURHOODS", "neighbourhoods", "neighbourhoods", _POLY),
)


def ui_lang() -> str:
    """The language of QGIS's user interface, if eipgis speaks it ("vi"), else "en"."""
    locale = str(QgsApplication.locale() or "")
    return "vi" if locale.lower().startswith("vi") else "en"


def _words() -> dict[str, str]:
    return QGIS_WORDS[ui_lang()]


def _add_park_parameters(alg: QgsProcessingAlgorithm, *, required: bool) -> None:
    """The park's layer parameters, defaulting to the open layers that fit each role."""
    from .bridge import guess_layers

    w = _words()
    guessed = guess_layers()
    for key, role, label, types in _LAYER_PARAMS:
        optional = not required or role not in ("boundary", "landuse")
        layer = guessed.get(role) if required else None
        alg.addParameter(QgsProcessingParameterVectorLayer(
            key, w[label], types, defaultValue=layer.id() if layer is not None else None,
            optional=optional))


def _park(alg: QgsProcessingAlgorithm, parameters: dict[str, Any], context: Any) -> Any:
    from .bridge import park_from_layers

    layers = {role: alg.parameterAsVectorLayer(parameters, key, context)
              for key, role, _, _ in _LAYER_PARAMS}
    if layers["boundary"] is None or layers["landuse"] is None:
        return None
    repair = alg.parameterAsBoolean(parameters, "REPAIR", context)
    return park_from_layers(**layers, repair=repair)


class _ResultStyle(QgsProcessingLayerPostProcessorInterface):
    """Styles and places an output as add_results does, once QGIS has loaded it."""

    def __init__(self, kind: str, lang: str) -> None:
        super().__init__()
        self.kind = kind
        self.lang = lang

    def postProcessLayer(self, layer: Any, context: Any, feedback: Any) -> None:
        from .bridge import place_result, style_result

        if layer is not None:
            style_result(layer, self.kind, lang=self.lang)
            place_result(layer, self.kind, context.project())
            layer.triggerRepaint()


#: QGIS keeps only a C++ pointer to a post-processor: the Python objects must stay alive here.
_STYLERS: dict[str, _ResultStyle] = {}


def _write_sink(alg: QgsProcessingAlgorithm, parameters: dict[str, Any], context: Any, key: str,
                frame: Any, title: str, kind: str, lang: str) -> str | None:
    """Write ``frame`` to the output ``key``; named ``title`` and styled when QGIS loads it."""
    from .bridge import to_layer

    layer = to_layer(frame, kind)
    sink, dest_id = alg.parameterAsSink(parameters, key, context, layer.fields(),
                                        layer.wkbType(), layer.crs())
    if sink is None:
        if key == "OUTPUT":
            raise QgsProcessingException("cannot create the output layer (OUTPUT).")
        return None  # an optional output the user skipped
    for feature in layer.getFeatures():
        sink.addFeature(feature, QgsFeatureSink.FastInsert)
    if context.willLoadLayerOnCompletion(dest_id):
        details = context.layerToLoadOnCompletionDetails(dest_id)
        details.name = title
        _STYLERS[dest_id] = _ResultStyle(kind, lang)
        details.setPostProcessor(_STYLERS[dest_id])
    return str(dest_id)


def _write_layers(alg: QgsProcessingAlgorithm, parameters: dict[str, Any], context: Any,
                  park: Any, report: Any, title: str, lang: str) -> dict[str, Any]:
    """The parcels, and the facilities and strip gaps when the algorithm has those outputs."""
    from .bridge import _facilities_frame, _landuse_frame, _strip_frames

    w = QGIS_WORDS[lang]
    out = {"OUTPUT": _write_sink(alg, parameters, context, "OUTPUT", _landuse_frame(park, report),
                                 title, "land_use", lang)}
    if alg.parameterDefinition("FACILITIES_OUTPUT") is None:
        return out
    if not park.facilities.empty:
        out["FACILITIES_OUTPUT"] = _write_sink(
            alg, parameters, context, "FACILITIES_OUTPUT", _facilities_frame(park, report),
            w["facilities"].format(park=park.name), "facilities", lang)
    strips = _strip_frames(park, report)
    if strips:
        import pandas as pd

        frame = pd.concat([f for _, f in strips], ignore_index=True)
        out["STRIP_OUTPUT"] = _write_sink(
            alg, parameters, context, "STRIP_OUTPUT", frame,
            w["strip"].format(id=", ".join(i for i, _ in strips)), "strip", lang)
    return out


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
    _name = ""

    def name(self) -> str:
        return self._name

    def displayName(self) -> str:
        return _words()[self._name]

    def shortHelpString(self) -> str:
        return _words()[f"{self._name}_help"]

    def group(self) -> str:
        return ""  # directly under the provider "eipgis", not "eipgis › eipgis"

    def groupId(self) -> str:
        return ""

    def createInstance(self) -> QgsProcessingAlgorithm:
        return type(self)()

    def flags(self) -> Any:
        # pandas/GEOS work on the project's layers: run in the main thread, not a worker.
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def _common(self, output_title: str) -> None:
        """The options and outputs every eipgis algorithm has."""
        w = _words()
        self.addParameter(QgsProcessingParameterBoolean("REPAIR", w["repair"], defaultValue=False))
        self.addParameter(QgsProcessingParameterEnum(
            "LANG", w["lang"], options=["English", "Tiếng Việt"], defaultValue=_LANGS.index(ui_lang())))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", w[output_title], QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFileDestination(
            "REPORT", w["report"], "Markdown (*.md);;JSON (*.json);;Text (*.txt)", optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputBoolean("PASSED", w["passed"]))
        self.addOutput(QgsProcessingOutputString("FAILING", w["failing"]))

    def _lang(self, parameters: dict[str, Any], context: Any) -> str:
        return _LANGS[self.parameterAsEnum(parameters, "LANG", context)]

    def _finish(self, parameters: dict[str, Any], context: Any, feedback: Any, park: Any,
                report: Any, title: str, changes: str = "") -> dict[str, Any]:
        """Write the parcels and the report, log the table, and return the algorithm's outputs."""
        lang = self._lang(parameters, context)
        w = QGIS_WORDS[lang]
        feedback.setProgress(80)
        feedback.pushInfo(w["writing"])
        layers = _write_layers(self, parameters, context, park, report, title, lang)
        report_path = self.parameterAsFileOutput(parameters, "REPORT", context)
        _write_report(report_path, report, lang, changes)
        feedback.pushInfo(w["summary"].format(park=report.park, failed=len(report.failing),
                                              n=len(report.results)))
        for line in report.to_table(lang=lang).splitlines():  # monospace, so the columns align
            feedback.pushConsoleInfo(line)
        feedback.setProgress(100)
        return {**layers, "REPORT": report_path, "PASSED": report.passed,
                "FAILING": ", ".join(r.id for r in report.failing)}


class CheckParkAlgorithm(_Base):
    """Check the park's layers against a criteria set (optionally with a land-cover raster)."""

    _name = "check"

    def initAlgorithm(self, config: Any = None) -> None:
        w = _words()
        _add_park_parameters(self, required=True)
        self.addParameter(QgsProcessingParameterString(
            "CRITERIA", w["criteria_param"], defaultValue="vn-qcvn-01-2021"))
        self.addParameter(QgsProcessingParameterRasterLayer("LANDCOVER", w["landcover"], optional=True))
        self.addParameter(QgsProcessingParameterString("GREEN_CLASSES", w["green_classes"], optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "NDVI_MIN", w["ndvi_min"], type=QgsProcessingParameterNumber.Double,
            optional=True, minValue=-1.0, maxValue=1.0))
        self._common("output")
        self.addParameter(QgsProcessingParameterFeatureSink(
            "FACILITIES_OUTPUT", w["facilities_output"], QgsProcessing.TypeVectorAnyGeometry,
            optional=True, createByDefault=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "STRIP_OUTPUT", w["strip_output"], QgsProcessing.TypeVectorPolygon,
            optional=True, createByDefault=True))

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict[str, Any]:
        from ..criteria import check, load_criteria

        w = QGIS_WORDS[self._lang(parameters, context)]
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
            feedback.setProgress(5)
            feedback.pushInfo(w["reading"])
            park = _park(self, parameters, context)
            feedback.setProgress(30)
            if feedback.isCanceled():
                return {}
            feedback.pushInfo(w["checking"].format(n=len(cset.criteria)))
            report = check(park, cset)
            return self._finish(parameters, context, feedback, park, report,
                                w["land_use"].format(park=park.name))
        except EipgisError as exc:
            raise QgsProcessingException(str(exc)) from None


class RunScenarioAlgorithm(_Base):
    """Apply a scenario file to the park and check the result."""

    _name = "scenario"

    def initAlgorithm(self, config: Any = None) -> None:
        w = _words()
        self.addParameter(QgsProcessingParameterFile("SCENARIO", w["scenario_file"], extension="yaml"))
        _add_park_parameters(self, required=False)
        self.addParameter(QgsProcessingParameterString(
            "CRITERIA", w["scenario_criteria_param"], optional=True))
        self._common("scenario_output")

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict[str, Any]:
        from ..plans.scenario import Scenario

        lang = self._lang(parameters, context)
        w = QGIS_WORDS[lang]
        try:
            scenario = Scenario.from_yaml(self.parameterAsFile(parameters, "SCENARIO", context))
            name = (scenario.name_vi or scenario.name) if lang == "vi" else scenario.name
            feedback.setProgress(5)
            feedback.pushInfo(w["reading"])
            park = _park(self, parameters, context)
            criteria = self.parameterAsString(parameters, "CRITERIA", context) or None
            feedback.setProgress(20)
            feedback.pushInfo(w["running"].format(name=name))
            run = scenario.run(park, criteria=criteria)
            return self._finish(parameters, context, feedback, run.new_park, run.report,
                                w["scenario_land_use"].format(name=name), run.changes_markdown(lang=lang))
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

        return f"{_words()['provider']} ({__version__})"

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
