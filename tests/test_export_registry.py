"""The format registry: every exporter module declares its format, docs/cli.md lists exactly them, and
naming the formats loads none of the libraries their writers and readers use."""
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import montage_ai.export as export
from montage_ai.export import DEFAULT_FORMATS, FORMATS, file_names

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_every_module_declaring_a_format_is_collected_in_order():
    declared = [m.FORMAT for info in pkgutil.iter_modules(export.__path__)
                if hasattr(m := importlib.import_module(f"montage_ai.export.{info.name}"), "FORMAT")]
    assert sorted(f.name for f in declared) == sorted(FORMATS)
    assert list(FORMATS) == ["otio", "edl", "fcp7", "csv", "mlt", "kdenlive", "aaf"]
    assert DEFAULT_FORMATS == ("otio", "edl", "fcp7", "csv", "mlt", "kdenlive")
    assert file_names() == ("montage.otio", "montage.edl", "montage.xml", "montage.csv", "montage.mlt",
                            "montage.kdenlive", "montage.aaf")
    assert all(f.readers for f in FORMATS.values())


def test_docs_formats_table_lists_exactly_the_registry():
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| format | file | default | for |"):].split("\n\n")[0].splitlines()[2:]
    rows = [re.findall(r"\|\s*([^|]*?)\s*(?=\|)", line)[:3] for line in table]
    assert [(name.strip("`"), file.strip("`"), default) for name, file, default in rows] == \
        [(f.name, f.file_name, "yes" if f.default else "no") for f in FORMATS.values()]


def test_naming_the_formats_loads_no_reader_or_writer_library():
    code = "import sys, montage_ai.export; print(sorted({'opentimelineio', 'pycmx', 'aaf2'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
