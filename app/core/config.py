"""Settings: one pydantic-settings class, read from SATRIA_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.pack import DEFAULT_REGIONS_DIR
from routing.speed_profile import DEFAULT_PROFILE_PATH

# The intervals of a call the reports measure (app/services/report_aggregates.INTERVALS).
ReportInterval = Literal[
    "handling", "turnout", "response", "on_scene", "transport", "handover", "total"
]


DEFAULT_TARGETS_MIN: dict[ReportInterval, float] = {
    "handling": 2.0,  # taken to dispatched
    "response": 30.0,  # taken to on scene, in a regency area
    "handover": 15.0,  # at the hospital to handed over
}


class Settings(BaseSettings):
    """Everything the service can be told; see the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="SATRIA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Where the SQLite file and local state live.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means SQLite at data_dir/satria.db."
    )
    secret_key: str = Field(
        "",
        repr=False,
        description="Master secret for personal data; empty: a file created in data_dir.",
    )
    region: str = Field("demo", description="Region pack to serve (a name under regions_dir).")
    regions_dir: Path = Field(DEFAULT_REGIONS_DIR, description="Folder of region packs.")
    max_snap_m: float = Field(2000.0, gt=0, description="Farthest a point may lie from a road, m.")
    readiness_stale_after_s: float = Field(
        6 * 3600.0, gt=0, description="Readiness older than this passes a hospital over, s."
    )
    registry_url: str = Field(
        "", description="Base URL of the Dukcapil-style registry; empty: the local registry."
    )
    registry_user: str = Field("", description="User name for the registry (HTTP Basic).")
    registry_password: str = Field("", repr=False, description="Password for the registry.")
    registry_timeout_s: float = Field(3.0, gt=0, description="Registry timeout per attempt, s.")
    registry_attempts: int = Field(2, ge=1, le=5, description="Registry attempts per check.")
    registry_breaker_failures: int = Field(
        5, ge=1, description="Consecutive registry failures that open the circuit."
    )
    registry_breaker_reset_s: float = Field(
        30.0, gt=0, description="How long an open circuit waits before one trial, s."
    )
    api_key_days: int = Field(365, ge=1, description="Lifetime of a new API key, days.")
    key_cache_s: float = Field(
        10.0, ge=0, description="How long a checked key is trusted without a lookup, s."
    )
    broker_url: str = Field(
        "", description="Pub/sub between workers: empty (in memory) or redis://host:port/db."
    )
    position_stale_after_s: float = Field(
        120.0, gt=0, description="A position older than this is marked stale, s."
    )
    on_scene_s: float = Field(
        900.0,
        ge=0,
        description="Typical time a crew spends on scene, s: the hospital's arrival estimate "
        "before transport.",
    )
    handover_s: float = Field(
        900.0,
        ge=0,
        description="Typical time from arrival at the hospital to the ambulance free again, s.",
    )
    referral_answer_s: float = Field(
        300.0,
        gt=0,
        description="A referral not accepted or declined within this is escalated to the "
        "operators with the next hospital, and shown to its hospital as missed, s.",
    )
    decline_memory_s: float = Field(
        1800.0,
        ge=0,
        description="A hospital that declined a referral (or missed one) is passed over in "
        "rankings for this long, with its reason, s.",
    )
    report_targets_min: dict[ReportInterval, float] = Field(
        default_factory=lambda: dict(DEFAULT_TARGETS_MIN),
        description="Targets of the response-time reports, minutes, as JSON by interval: "
        "handling, turnout, response, on_scene, transport, handover, total.",
    )
    report_shifts_h: list[int] = Field(
        default_factory=lambda: [7, 14, 21],
        description="Shift start hours of the reports, local time (WIB), as JSON.",
    )
    sms_url: str = Field(
        "",
        description="An SMS or WhatsApp provider's HTTP API for one-time codes (POST {to, "
        "text} with a bearer token); empty: the development outbox (satria outbox).",
    )
    sms_token: str = Field("", repr=False, description="The provider's bearer token.")
    feed_queue_limit: int = Field(
        512, ge=1, description="Events a feed reader may fall behind before it is disconnected."
    )
    feed_send_timeout_s: float = Field(
        10.0, gt=0, description="A feed reader that takes one message longer is disconnected, s."
    )
    rate_limit: str = Field(
        "50/second;2000/minute",
        description="Requests per API key and worker (limits syntax; empty: no limit).",
    )
    crew_messages_per_s: float = Field(
        10.0, gt=0, description="Messages a crew websocket may send per second, sustained."
    )
    speed_profile: str = Field(
        str(DEFAULT_PROFILE_PATH),
        description="Time-of-day speed profile (TOML); empty: typical speeds at every hour.",
    )
    roads_refresh_s: float = Field(
        5.0, gt=0, description="Longest wait before closures made on another worker apply, s."
    )
    metrics_token: str = Field(
        "",
        repr=False,
        description="Bearer token that reads /metrics (a Prometheus scraper); admins' keys do too.",
    )
    log_format: Literal["json", "text"] = Field(
        "json", description="Logs of `satria serve`: JSON lines with a request id, or text."
    )
    host: str = Field("127.0.0.1", description="Address `satria serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `satria serve` listens on.")
    workers: int = Field(
        1, ge=1, le=64, description="Worker processes of `satria serve` (several need PostgreSQL)."
    )

    @field_validator("report_targets_min")
    @classmethod
    def _targets_positive(cls, targets: dict[str, float]) -> dict[str, float]:
        if any(not 0 < minutes <= 1440 for minutes in targets.values()):
            msg = "each report target is more than 0 and at most 1440 minutes"
            raise ValueError(msg)
        return targets

    @field_validator("report_shifts_h")
    @classmethod
    def _shifts_are_hours(cls, starts: list[int]) -> list[int]:
        if not starts or len(set(starts)) != len(starts) or any(not 0 <= h <= 23 for h in starts):
            msg = "give the shifts' start hours, each once, 0 to 23 (e.g. [7, 14, 21])"
            raise ValueError(msg)
        return sorted(starts)

    @property
    def database(self) -> str:
        """The database URL in force."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'satria.db').resolve()}"
