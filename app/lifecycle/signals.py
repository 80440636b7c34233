"""Named signals for what else happens around a report's life (blinker, as Flask ships it).

Each signal is sent inside the caller's transaction, so whatever a receiver adds commits or
rolls back with the change. Receivers connect once, when `create_app` runs `connect_reactions`.

* `report_created(report)`: a report was stored, from any channel. Receiver: pre-sorting
  (app.triage.suggestions.on_report_created) when PRESORT_AT_INTAKE is on.
* `event_recorded(event)`: an event was added to a report's timeline. Receiver: the webhook
  outbox (app.webhooks.outbox.note_event), which turns followed events into deliveries at
  commit.
* `step_taken(report, action=…, event=…)`: `app.lifecycle.apply` finished a step. No receiver in
  the app today; for screens and integrations that must react to a step, not to every event.

What a step does to the report itself (deadlines, claims, counters) is not a reaction: the
lifecycle's table calls it directly.
"""

from blinker import Namespace

_signals = Namespace()

report_created = _signals.signal("report-created")
event_recorded = _signals.signal("event-recorded")
step_taken = _signals.signal("step-taken")


def connect_reactions() -> None:
    """Connect the app's receivers (idempotent: connecting the same function twice is one)."""
    from app.triage.suggestions import on_report_created
    from app.webhooks.outbox import note_event

    report_created.connect(on_report_created)
    event_recorded.connect(note_event)
