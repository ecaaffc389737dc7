"""kroniek: dated news articles from many outlets into stories, events and source-attributed figures."""

__version__ = "0.1.0"
