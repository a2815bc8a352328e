"""Corpus vocabulary: abbreviation definitions, metadata synonyms, spelling variants.

Everything here comes from the corpus (its text and metadata) or from
general English morphology, never from hand lists of medical terms.
"""
