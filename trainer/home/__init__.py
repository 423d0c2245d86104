"""Each role's landing page, composed from the other rooms' services."""
