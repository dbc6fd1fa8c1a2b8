"""``python -m eipgis`` runs the command line."""

from .cli import main

main()
