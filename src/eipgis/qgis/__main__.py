"""``python -m eipgis.qgis``: set QGIS up for this Python's eipgis.

``python -m eipgis.qgis install [--profile NAME] [--profiles-dir DIR]`` writes the QGIS profile once
(see :mod:`eipgis.qgis.install`); without a command it prints the shell lines that let
``qgis_process`` and QGIS use this eipgis for one terminal session.
"""

import argparse
import sys

from ..errors import EipgisError
from .bridge import qgis_process_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eipgis.qgis", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command")
    setup = commands.add_parser("install", help="set up a QGIS profile once: plugin enabled, "
                                "PYTHONPATH and PROJ_DATA in QGIS's environment settings")
    setup.add_argument("--profile", default="default", help="QGIS user profile (default: default)")
    setup.add_argument("--profiles-dir", default=None,
                       help="folder of QGIS profiles (default: the platform's, or $QGIS_CUSTOM_CONFIG_PATH/profiles)")
    commands.add_parser("env", help="print the shell lines for qgis_process (the default)")
    args = parser.parse_args(argv)
    if args.command == "install":
        from .install import install

        try:
            done = install(args.profile, args.profiles_dir)
        except EipgisError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"QGIS profile {done.profile_dir}:")
        print(f"  plugin eipgis_processing copied to {done.plugin_dir} and enabled")
        for entry in done.env_vars:
            print(f"  environment (Settings → Options → System): {entry}")
        print("Restart QGIS; the eipgis provider is in the Processing toolbox (Processing → Toolbox).")
        return 0
    env = qgis_process_env({})
    for key in ("PYTHONPATH", "QGIS_PLUGINPATH", "PROJ_DATA"):
        if key in env:
            print(f"export {key}={env[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
