"""Script views of an article (OpenCC) and the offset maps between each view and the original.

Every stored offset is a code point into the normalised original text; a view is derived from it, and an
:class:`OffsetMap` translates positions both ways.

Modules:

* ``engine``: the OpenCC binding (checked to be the official one) and custom configs (chains of shipped
  configs, user overrides and markers as plain-text dictionaries);
* ``recipes``: which configs make each view for each source script (Simplified text through the
  Simplified-input configs, Traditional text through the Traditional-input ones), and the phrase layer;
* ``runs``: with ``source="auto"``, which clauses are Simplified and which Traditional, and the
  Simplified leftovers repaired inside Traditional text;
* ``align`` and ``offsets``: the offset map; ``viewtext``: :class:`ViewText` and the substitutions a view
  made (phrases, uncertain one-to-many characters, repairs, overrides); ``build``: one view, chunk by
  chunk; ``views``: :class:`Converter`, with its cache;
* ``overrides``: the user's corrections, kept in the database folder; ``tables``: character facts from
  OpenCC's dictionaries.
"""

from reader.convert.build import CHUNK_CHARS
from reader.convert.engine import check_opencc
from reader.convert.offsets import OffsetMap, Segment, Side
from reader.convert.overrides import Override, OverrideList, check_override
from reader.convert.recipes import SOURCES, check_source, default_phrases
from reader.convert.views import Converter
from reader.convert.viewtext import VIEW_LABELS, VIEWS, Substitution, SupportsText, ViewText, check_view

#: the configs each view uses for a Simplified source (see ``recipes`` for every source script)
VIEW_CONFIGS = {"simplified": "t2s", "traditional": "s2t", "taiwan": "s2twp", "hongkong": "s2hk"}

__all__ = [
    "CHUNK_CHARS",
    "SOURCES",
    "VIEWS",
    "VIEW_CONFIGS",
    "VIEW_LABELS",
    "Converter",
    "OffsetMap",
    "Override",
    "OverrideList",
    "Segment",
    "Side",
    "Substitution",
    "SupportsText",
    "ViewText",
    "check_opencc",
    "check_override",
    "check_source",
    "check_view",
    "default_phrases",
]
