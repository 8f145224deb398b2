"""Grade manual points by question: every student's located answer to one point on one page.

``grader review SHEET OUT`` writes ``OUT/review/index.html`` and ``OUT/review/<point>.html``
(:mod:`.pages`); identical answers are grouped (:mod:`.grouping`), names can be hidden behind
stable pseudonyms (:mod:`.pseudonyms`); scores are saved as ``overrides.csv`` rows by the
page's Save as CSV button or by the loopback form server (:mod:`.serve`). The rendering of one
located answer (:mod:`.render`) is shared with the service's review page.
"""
