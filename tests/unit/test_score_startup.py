"""`trainer score` starts without Flask, jieba or the content loaders it does not need (issue 10: start-up)."""

import json
import os
import subprocess
import sys
from importlib.util import find_spec

import pytest

CODE = """
import json, os, sys
sys.argv = ["trainer", "score", os.devnull]
from trainer.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
loaded = [m for m in ("flask", "jieba", "pkg_resources", "markdown_it", "trainer.content.courses") if m in sys.modules]
sys.stderr.write(json.dumps({"code": code, "loaded": loaded}))
"""


@pytest.mark.skipif(find_spec("dotenv") is not None, reason="with python-dotenv, FlaskGroup reads .env files first")
def test_trainer_score_imports_neither_flask_nor_jieba():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "error"})
    assert json.loads(out.stderr) == {"code": 0, "loaded": []}
