"""reader: a terminal reader and annotator for Chinese-language articles.

The package is split into a UI-free core (articles, conversion, anchoring, store, export, search; these
modules never import textual, a test enforces it) and the Textual UI (``app.py``, ``screens/``,
``widgets/``).
"""

__version__ = "0.1.0"

# The core logs through reader.logs (which imports ``logging`` only when it is in use); only `reader --log
# FILE` or READER_LOG shows it, never the terminal.
