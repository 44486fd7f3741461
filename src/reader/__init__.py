"""reader: a terminal reader and annotator for Chinese-language articles.

The package is split into a UI-free core (articles, conversion, anchoring, store, export, search; these
modules never import textual, a test enforces it) and the Textual UI (``app.py``, ``screens/``,
``widgets/``).
"""

import logging

__version__ = "0.1.0"

# The core logs (reader.logs); only `reader --log FILE` or READER_LOG shows it, never the terminal.
logging.getLogger(__name__).addHandler(logging.NullHandler())
