"""The data set's shape and the marker that says which shape a bench database holds.

Kept free of Django imports: the entry point (``benchmarks.run``) reads markers with plain
psycopg before any Django process starts.
"""

from dataclasses import asdict, dataclass

# Bump when the generated data changes, so that existing bench databases are rebuilt.
BUILD_VERSION = 4  # 4: the mixed load's coordinators and politicians
MARKER_TABLE = "benchmark_marker"

# Agreements per scale at --scale 1 (issue #7: a county, and a nation ten times larger).
SCALES = {"county": 10, "national": 100}


@dataclass(frozen=True)
class Shape:
    agreements: int
    plans_per_agreement: int = 2
    actions_per_plan: int = 40
    milestones_per_action: int = 6
    updates_per_milestone: int = 25
    seed: int = 7

    @property
    def plans(self) -> int:
        return self.agreements * self.plans_per_agreement

    @property
    def actions(self) -> int:
        return self.plans * self.actions_per_plan

    @property
    def milestones(self) -> int:
        return self.actions * self.milestones_per_action

    @property
    def updates(self) -> int:
        return self.milestones * self.updates_per_milestone

    def marker(self) -> dict:
        return asdict(self) | {"build_version": BUILD_VERSION}

    @classmethod
    def for_scale(cls, name: str, factor: float) -> "Shape":
        return cls(agreements=max(1, round(SCALES[name] * factor)))


def marker_matches(marker: dict | None, shape: Shape) -> bool:
    return marker is not None and all(marker.get(k) == v for k, v in shape.marker().items())
