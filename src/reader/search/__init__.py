"""Script-insensitive search: in one text (the in-article ``/``) and across the whole corpus.

* :mod:`reader.search.text`: folding (Simplified, ASCII lower-case, one-for-one in length), the variants of
  a query (数据 finds 數據, 软件 finds 軟體) and every match in one text;
* :mod:`reader.search.index`: the corpus index, the folded text of every article memory-mapped, kept fresh
  by a stat per file;
* :mod:`reader.search.tagspans`: the tags of the passages a match lies in, by position (cached per
  article version), so that a search costs the same with a million annotations as with none;
* :mod:`reader.search.corpus`: :class:`CorpusSearch`, which streams the hits in library order;
* :mod:`reader.search.shared`: a big search shared with one forked child (``reader search``);
* :mod:`reader.search.variants`: a query's variants cached on disk.
"""

from reader.search.corpus import CONTEXT, ArticleHits, CorpusSearch, SearchHit
from reader.search.text import Match, find_in_text, fold, query_variants

__all__ = [
    "CONTEXT",
    "ArticleHits",
    "CorpusSearch",
    "Match",
    "SearchHit",
    "find_in_text",
    "fold",
    "query_variants",
]
