"""Language knowledge of the link stage (genre rubrics)."""
