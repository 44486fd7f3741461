"""What ``reader gloss`` and ``reader words`` share: the segmenter and dictionary for a command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from reader.cli._common import workspace
from reader.kept_patterns import user_cache_dir

if TYPE_CHECKING:
    from reader.dictionary import Dictionary
    from reader.words import Words


def word_services(args: argparse.Namespace) -> tuple[Words, Dictionary]:
    """The segmenter and dictionary: the workspace's if there is an articles folder (its codebook tags
    and user words count, caches in ``<db>/local/cache``), else stand-alone ones (user words from
    ``<db>/user-words.txt`` if it exists, the index in :func:`user_cache_dir`; nothing created in ``.``)."""
    from reader.convert import Converter
    from reader.dictionary import Dictionary
    from reader.words import USER_WORDS_FILE, Words, dictionary_for, read_user_words, words_for
    from reader.workspace import Paths

    paths = Paths.resolve(args.articles, args.db)
    if paths.articles.is_dir():
        ws = workspace(args)
        return words_for(ws), dictionary_for(ws)
    converter = Converter()
    dictionary = Dictionary(
        user_cache_dir() / "dictionary", fold=lambda w: converter.convert(w, "simplified")
    )
    user = paths.db / USER_WORDS_FILE
    return Words(converter, dictionary=dictionary, user_words=lambda: read_user_words(user)), dictionary
