"""``grader serve``: the autograding service, a second face over the same library as the CLI.

Students submit any time (API, or ``grader submit``) and get feedback in seconds; TAs watch the
class, score manual points, regrade and export. Uploads are stored durably and queued as rows in
a database (SQLite by default, PostgreSQL by URL); worker threads grade each through
:func:`grader.grading.submission.grade_submission`, so reports are byte for byte the CLI's. Modules:

- ``course``: course.yaml; ``policy``: attempts, deadlines, lateness; ``visibility``: what is shown
- ``db``, ``migrations/``: tables and Alembic; ``roster``: people and hashed tokens
- ``storage``, ``upload``: streaming, size-checked, fsync'd uploads; ``jobs``, ``worker``: the queue
- ``app``, ``api``, ``submit``, ``ta_api``, ``auth``, ``models``: the HTTP face
- ``grades``, ``regrade``: standings, exports, regrades; ``state``, ``server``, ``admin``,
  ``dispatch``, ``client``: wiring, local threads or Dask, and ``grader submit`` (the commands
  themselves are in :mod:`grader.cli.service`)
- ``library``: the one module that imports the grading library
"""
