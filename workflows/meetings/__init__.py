"""The joint meeting (联席会议, issue #5): the service tasks of `joint_meeting` and the queries
behind the meeting page and the items board.

The BPMN says who does what and when. The operators keep the meeting's own tables up to date
(meetings, invited units, topics, agenda, decided items and their reports), issue the numbered
notice and minutes and tell the member units:

- `agenda`: opening the cycle, the call for topics, the agenda;
- `minutes`: the notice, the units' answers to it, the minutes;
- `supervision`: the decided items until the office verifies them;
- `views` (imported by the web layer, not here: it needs the engine service, which needs the
  service catalog, which imports this package): who sees what, the boards, prefilled drafts.
"""

from workflows.meetings import agenda, minutes, supervision  # noqa: F401  (register the operators)
from workflows.meetings.common import PROCESS_KEY

__all__ = ["PROCESS_KEY"]
