"""sla-monitor: times JHT claims against their service level agreement."""

__version__ = "0.1.0"
