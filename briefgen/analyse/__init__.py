"""Analysis: what each article says, sentence by sentence, and how much it is about the topic.

Owns spaCy (:mod:`~briefgen.analyse.nlp`: sentences, entities and numbers with their offsets),
topic matching (:mod:`~briefgen.analyse.topic`: terms, a brief's stems, relevance and focus) and the
workspace (:mod:`~briefgen.analyse.workspace`), which reads, cleans and analyses each input once per
run and caches the results on disk between runs, keyed by the engine version that made them.

Imports from the floors below it: ``config``, ``ingest`` and the ground floor (``_version``, ``errors``, ``models``, ``textsafe``, ``codebase``).
"""
