// Public API of @agiqa/db.
