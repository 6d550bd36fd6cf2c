"""tutor: a terminal tutor for a 16-week, hands-on machine-learning course on Apple Silicon."""

__version__ = "0.1.0"
