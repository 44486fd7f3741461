"""Export formats other than our own JSON: W3C Web Annotation (JSON-LD), CSV and Markdown.

Each renders the dict built by :func:`reader.export.build_export` (the JSON export's data), so every
format carries the same annotations; :mod:`reader.formats.w3c_read` reads W3C back for import.
See docs/EXPORT.md for the mapping of every field.
"""
