// Public API of @agiqa/data.
