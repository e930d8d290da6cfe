"""The drill report for people: one self-contained HTML page (inline CSS, no scripts, no external assets) over the
scenario records of one drill. Jinja2 autoescapes every value; the timeline bars' geometry is computed here."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from drcore.recovery_model import format_duration


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("drkit.drill", "templates"),
                              autoescape=select_autoescape(["html", "j2"], default=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["duration"] = lambda seconds: "—" if seconds is None else (
        f"{seconds:.2f} s" if seconds < 10 else format_duration(round(seconds)))
    return environment


def _bars(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry with its bar: where it starts and how wide it is, in percent of the scenario's span."""
    span = max((e["offsetSeconds"] + e["seconds"] for e in timeline), default=0.0) or 1.0
    return [{**e, "left": round(100 * max(e["offsetSeconds"], 0) / span, 2),
             "width": round(max(100 * e["seconds"] / span, 0.4), 2)} for e in timeline]


def render_html(records: list[dict[str, Any]], *, stack: str, passed: bool, environment_seconds: list[float],
                record_paths: list[Path]) -> str:
    scenarios = [{**record, "bars": _bars(record["timeline"]), "file": path.name}
                 for record, path in zip(records, record_paths)]
    return _environment().get_template("drill.html.j2").render(
        stack=stack, passed=passed, scenarios=scenarios, environment_seconds=environment_seconds,
        started=records[0]["startedAt"] if records else "", finished=records[-1]["finishedAt"] if records else "")


def write_html(path: Path, records: list[dict[str, Any]], **context: Any) -> Path:
    path.write_text(render_html(records, **context))
    return path
