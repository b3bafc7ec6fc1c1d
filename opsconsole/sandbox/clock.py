"""How the sandbox compresses time.

Durations written in specs (progressDeadlineSeconds, ttlSecondsAfterFinished, Job back-off,
CronJob schedules) run `scale` times faster than on a real cluster, so that a rollout that
cannot progress is reported within seconds, not ten minutes. Timestamps stay wall-clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Clock:
    scale: float = 60.0  # 1 real second = 60 cluster seconds
    started: float = field(default_factory=time.time)

    def real(self, cluster_seconds: float) -> float:
        """Real seconds the sandbox waits for a duration written in a spec."""
        return cluster_seconds / self.scale

    def cluster_now(self) -> float:
        """The cluster's own (fast) clock, as epoch seconds; CronJobs are scheduled on it."""
        now = time.time()
        return self.started + (now - self.started) * self.scale
