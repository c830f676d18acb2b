"""briefgen: turn a pile of news articles into a short briefing in which every sentence is quoted from a source and cites it."""

__version__ = "0.1.0"
