"""The batch's summary table (CSV and JSON) and a small HTML report that needs nothing
from the internet: the table, each video's timeline picture (every face, or those seen
longest with the number left out) and, for photos, each photo's faces and labels."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from ferapp.batch.jobs import Job, JobResult
from ferapp.batch.timeline import Timeline, read_timeline
from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import FerappError
from ferapp.core.files import write_text_atomic

COLUMNS = ("source", "status", "frames", "faces", "dominant", *EMOTIONS, "seconds", "result")


def emotion_names(results: Sequence[JobResult]) -> tuple[str, ...]:
    """FER2013's seven, then any other class the model answered (contempt, say)."""
    extra = sorted({e for r in results for e in r.per_emotion} - set(EMOTIONS))
    return (*EMOTIONS, *extra)


def columns(names: Sequence[str]) -> tuple[str, ...]:
    return (*COLUMNS[:5], *names, *COLUMNS[-2:])


def shares(result: JobResult, names: Sequence[str] = EMOTIONS) -> dict[str, float]:
    """Each emotion's share of the labelled faces."""
    total = sum(result.per_emotion.values())
    return {e: (result.per_emotion.get(e, 0) / total if total else 0.0) for e in names}


def write_batch_summary(out: Path, jobs: Sequence[Job], results: Sequence[JobResult]) -> Path:
    """summary.csv, summary.json and report.html in ``out``; returns the report's path."""
    rows = []
    names = emotion_names(results)
    for job, result in zip(jobs, results, strict=True):
        row = {
            "source": job.source,
            "status": result.status,
            "frames": result.frames,
            "faces": result.faces,
            "dominant": result.dominant or "",
            **{e: round(v, 4) for e, v in shares(result, names).items()},
            "seconds": round(result.seconds, 1),
            "result": job.path(".json").name if job.path(".json").exists() else "",
        }
        rows.append(row)
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=columns(names), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(out / "summary.csv", table.getvalue())
    write_text_atomic(
        out / "summary.json",
        json.dumps({"sources": [asdict(r) for r in results], "table": rows}, indent=1),
    )
    report = out / "report.html"
    write_text_atomic(report, _html(jobs, rows, names))
    return report


def _html(jobs: Sequence[Job], rows: list[dict], names: Sequence[str]) -> str:
    def cell(value) -> str:
        return f"<td>{html.escape(str(value))}</td>"

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns(names)[:-1])
    body = []
    for row in rows:
        shares_ = [f"{row[e]:.0%}" if row["frames"] else "" for e in names]
        values = [row["source"], row["status"], row["frames"], row["faces"], row["dominant"],
                  *shares_, row["seconds"]]  # fmt: skip
        body.append("<tr>" + "".join(cell(v) for v in values) + "</tr>")
    sections = [_section(job) for job in jobs]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ferapp: batch report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; padding: 0 1rem;
  max-width: 1280px; color: #202020; box-sizing: border-box; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
td, th {{ border: 1px solid #ccc; padding: 0.25rem 0.4rem; overflow-wrap: anywhere;
  vertical-align: top; text-align: left; }}
th {{ background: #f0f0f0; font-size: 0.8rem; overflow-wrap: normal; hyphens: auto; }} img {{ max-width: 100%; height: auto; }}
table.summary th:first-child {{ width: 22%; }} .note {{ color: #555; }}
table.photos th:first-child {{ width: 30%; }} h2 {{ overflow-wrap: anywhere; }}
</style></head><body>
<h1>ferapp: {len(rows)} source(s)</h1>
<p>Share of the faces per emotion (the dominant emotion is the most frequent label).
Labels are the expression a face shows in a picture, not what the person feels.</p>
<table class="summary"><tr>{head}</tr>
{"".join(body)}
</table>
{"".join(sections)}
</body></html>
"""


def _section(job: Job) -> str:
    """A video's timeline picture (and how many faces it leaves out), or a photo
    source's table of photos and their faces."""
    title = f"<h2>{html.escape(Path(job.source).name)}</h2>"
    try:
        timeline = read_timeline(job.path(".json")) if job.path(".json").is_file() else None
    except FerappError:
        timeline = None
    if timeline is not None and timeline.photos is not None:
        return title + _photo_table(timeline)
    png = job.path(".timeline.png")
    if not png.is_file():
        return ""
    note = ""
    if timeline is not None and timeline.not_drawn():
        shown = len(timeline.faces) - timeline.not_drawn()
        note = (
            f'<p class="note">{len(timeline.faces)} faces were tracked; the {shown} seen '
            f"longest are drawn, {timeline.not_drawn()} more are not shown (see "
            f"{html.escape(job.path('.csv').name)} for every face).</p>"
        )
    return (
        f'{title}{note}<img src="{html.escape(png.name)}" '
        f'alt="timeline of {html.escape(job.name)}">'
    )


def _photo_table(timeline: Timeline) -> str:
    photos = timeline.photos or []
    rows = []
    for photo in photos:
        faces = "; ".join(f.text() for f in photo.faces) or "no face found"
        rows.append(f"<tr><td>{html.escape(photo.name)}</td><td>{html.escape(faces)}</td></tr>")
    return (
        f'<p class="note">{len(photos)} photo(s), each on its own (a "?" marks a label not '
        "to be trusted).</p>"
        '<table class="photos"><tr><th>photo</th><th>faces: number, label, confidence</th></tr>'
        + "".join(rows)
        + "</table>"
    )
