"""Preprocessing helper from the 2018 handout (NumPy 1.x era)."""
import numpy as np

pixels = np.arange(784).reshape(28, 28)
scaled = pixels.astype(np.float) / 255.0
print(scaled.max())
