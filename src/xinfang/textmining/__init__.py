"""Text mining for petitions: word cutting, search terms, near-duplicates, the category
suggester and hot topics.

A pure package: it imports none of xinfang's Django apps (only the standard library, numpy,
scipy, scikit-learn, jieba and datasketch, each imported where it is first needed so that a
process that never mines text does not load them). The glue in the domain apps stores what
it produces and decides who sees what.
"""
