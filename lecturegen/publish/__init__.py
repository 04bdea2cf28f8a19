"""Publishing built chapters as a static course site (with the PDF handout)."""
