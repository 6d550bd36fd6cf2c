"""Training programs, one readable file per model family. Never imports `tutor` or Textual."""
