"""agiqa's torch training engine: reads one JSON spec, writes JSON lines (see `events`).

Run as `python -m agiqa_torch train SPEC.json` or `python -m agiqa_torch probe [--device cuda]`.
No database, no Temporal, no metrics: the worker (apps/worker, TypeScript) owns those.
"""

__version__ = "0.1.0"
