"""Paths and defaults, in one place.

Every path the pipeline uses by default is defined here; commands and notebooks take
overrides as arguments rather than editing this file.
"""
from __future__ import annotations

from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]
RAW_DATA_DIR = PROJ_ROOT / "data" / "raw"
PROCESSED_DATA_DIR = PROJ_ROOT / "data" / "processed"
REPORTS_DIR = PROJ_ROOT / "reports"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
RESOURCES_DIR = Path(__file__).resolve().parent / "resources"

#: Folder names under the raw folder that mark a document's role (the user's choice, never guessed).
ROLE_FOLDERS = {"templates": "template", "template": "template", "plans": "plan", "plan": "plan"}
#: Optional manifest describing the raw files (title, level, completeness ...).
MANIFEST_NAMES = ("sources.yaml", "sources.yml", "manifest.yaml", "manifest.yml")
#: File types the reader accepts.
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".html", ".htm", ".docx", ".pdf", ".png", ".jpg",
                      ".jpeg", ".tif", ".tiff", ".bmp")
#: Files in the raw folder that are never documents.
IGNORED_NAMES = {".gitkeep", "README.md", "readme.md", ".DS_Store", "Thumbs.db"}
#: A text shorter than this (in CJK characters) is never analysed as a policy text.
MIN_TEXT_CJK_CHARS = 60
#: A text shorter than this must show three signs of a policy text (not two) to be analysed.
MIN_POLICY_CJK_CHARS = 200


def load_yaml(text: str):
    """Parse YAML (a resource file, a manifest, a codebook) safely; with libyaml's C parser when
    installed, which reads the bundled word lists several times faster than the pure-Python one."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
