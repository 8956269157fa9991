"""Copy the front-end files the pages use from node_modules into static/vendor (git-ignored)."""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent
NODE = HERE / "node_modules"
VENDOR = HERE / "static" / "vendor"

FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts": "bootstrap-icons/fonts",
    "bpmn-js/dist/bpmn-navigated-viewer.production.min.js": "bpmn-js/bpmn-navigated-viewer.production.min.js",
    "bpmn-js/dist/bpmn-modeler.production.min.js": "bpmn-js/bpmn-modeler.production.min.js",
    "bpmn-js/dist/assets": "bpmn-js/assets",
    "echarts/dist/echarts.min.js": "echarts.min.js",
}


def install() -> None:
    """Copy every listed file or folder; fail loudly when npm did not install one."""
    for source, target in FILES.items():
        src, dst = NODE / source, VENDOR / target
        if not src.exists():
            raise SystemExit(f"missing {src}: run `npm ci` in webapp/ first")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


if __name__ == "__main__":
    install()
