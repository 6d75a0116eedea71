import subprocess
import sys

from tests.conftest import ROOT


def test_core_library_does_not_import_the_ui():
    code = "import sys, rag.engine, rag.service, rag.api.schemas, ingest.pipeline; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
